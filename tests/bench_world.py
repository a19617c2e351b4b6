"""The data the bench's comparison tests share: the service and each rival must answer alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.conftest import GraphQL
from tests.factories import Person, contact, custom_field


@dataclass(frozen=True)
class BenchWorld:
    """A create input touching every rule, a contact private to the user, one hidden from them."""

    create_input: dict[str, Any]
    private_contact: int
    hidden_contact: int


async def bench_world(gql: GraphQL, *, admin: Person, user: Person, other: Person) -> BenchWorld:
    """Readable, hidden and private contacts, two fields and a heading, and a create using them."""
    acme = await contact(gql, as_=user, companyName="Acme")
    pat = await contact(gql, as_=user, firstName="Pat", lastName="Lee", shareType="READ")
    mine = await contact(gql, as_=user, firstName="Mo", lastName="Mine", shareType="NONE")
    hidden = await contact(gql, as_=other, companyName="Hidden", shareType="NONE")
    source = await custom_field(gql, as_=admin, label="Source")
    await custom_field(gql, as_=admin, label="Details", fieldType="HEADING", position=2)
    notes = await custom_field(gql, as_=admin, label="Notes", fieldType="TEXT_AREA", position=3)
    create_input = {
        "title": "Pilot",
        "responsibleId": str(user.id),
        "stageId": 3,
        "bidCurrencyAbbr": "eur",
        "bidValue": "1500.25",
        "successProbability": 140,
        "members": [pat, hidden, acme],
        "customFields": [{"fieldId": notes, "value": " n "}, {"fieldId": source, "value": "web"}],
    }
    return BenchWorld(create_input=create_input, private_contact=mine, hidden_contact=hidden)
