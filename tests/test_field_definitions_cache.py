"""Deals' custom-field definitions kept per worker while the reference stamp holds."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import delete, insert, select, update

from app.db.engine import Database
from app.db.models import custom_field_t, field_value_t, opportunity_t
from app.settings import Settings
from tests.conftest import GraphQL
from tests.factories import Person, custom_field, opportunity
from tests.statements import collapsed as statements
from tests.test_reference_cache import worker

PAGE = """{
  opportunities(first: 10, orderBy: [{field: TITLE, direction: ASC}]) {
    edges { node { title customFields { id label fieldValue fieldType position } } }
  }
}"""


async def page(http: httpx.AsyncClient, who: Person) -> dict[str, list[tuple[Any, ...]]]:
    """Each deal's fields as (label, value, type, position), by title."""
    answer = await http.post("/graphql", json={"query": PAGE}, headers={"Authorization": who.key})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "errors" not in body, body
    return {
        edge["node"]["title"]: [
            (f["label"], f["fieldValue"], f["fieldType"], f["position"])
            for f in edge["node"]["customFields"]
        ]
        for edge in body["data"]["opportunities"]["edges"]
    }


@pytest.fixture
async def fields(gql: GraphQL, admin: Person, db: Database) -> dict[str, int]:
    """Three deal fields (a Heading between two texts), a contact field, three deals."""
    ids = {
        "source": await custom_field(gql, admin, "Source", position=1),
        "details": await custom_field(gql, admin, "Details", fieldType="HEADING", position=2),
        "notes": await custom_field(gql, admin, "Notes", position=3),
        "contact": await custom_field(gql, admin, "Birthday", entityType="CONTACT", position=1),
    }
    values = {"A": {"source": "web", "notes": "call back"}, "B": {}, "C": {"notes": "later"}}
    deals = {}
    for title, given in values.items():
        deals[title] = await opportunity(
            gql,
            admin,
            title=title,
            customFields=[{"fieldId": ids[k], "value": v} for k, v in given.items()] or None,
        )
    # Data the service never writes, as an older database may hold: a value for the Heading
    # and one for a contact's field. Neither shows.
    async with db.write() as conn:
        for field in ("details", "contact"):
            await conn.execute(
                insert(field_value_t).values(
                    opportunity_id=deals["A"], field_id=ids[field], value="stray"
                )
            )
    return ids


EXPECTED = {
    "A": [
        ("Source", "web", "TEXT_FIELD", 1),
        ("Details", None, "HEADING", 2),
        ("Notes", "call back", "TEXT_FIELD", 3),
    ],
    "B": [("Details", None, "HEADING", 2)],
    "C": [("Details", None, "HEADING", 2), ("Notes", "later", "TEXT_FIELD", 3)],
}


def reading_definitions(seen: list[str]) -> list[str]:
    return [s for s in seen if "custom_field_definition" in s]


async def test_a_second_page_reads_the_values_alone_and_answers_the_same(
    settings: Settings, fields: dict[str, int], admin: Person
) -> None:
    async with worker(settings) as (http, served):
        with statements(served) as first_seen:
            first = await page(http, admin)
        with statements(served) as second_seen:
            second = await page(http, admin)
    assert first == EXPECTED
    assert second == first
    # the first page read the definitions with the values; the second the values alone
    assert len(reading_definitions(first_seen)) == 1
    assert reading_definitions(second_seen) == []
    assert any("FROM opportunity_custom_field" in s for s in second_seen)


async def test_a_definition_changed_by_any_writer_shows_on_the_next_page(
    settings: Settings, fields: dict[str, int], admin: Person, db: Database
) -> None:
    async with worker(settings) as (http, _):
        assert await page(http, admin) == EXPECTED
        # when: a script renames one field, moves another first and adds a third with a value
        async with db.write() as conn:
            c = custom_field_t.c
            await conn.execute(update(custom_field_t).where(c.id == fields["source"]).values(
                label="Origin"
            ))  # fmt: skip
            await conn.execute(
                update(custom_field_t).where(c.id == fields["notes"]).values(position=0)
            )
            added = await conn.execute(
                insert(custom_field_t)
                .values(
                    entity_type="opportunity", label="Budget", field_type=0, position=9,
                    mask='{"size":40}',
                )
                .returning(c.id)
            )  # fmt: skip
            budget = added.scalar_one()
            await conn.execute(
                insert(field_value_t).values(
                    opportunity_id=await deal_titled(db, "B"), field_id=budget, value="9k"
                )
            )
        changed = await page(http, admin)
        # when: the script deletes a field with its values
        async with db.write() as conn:
            await conn.execute(delete(field_value_t).where(field_value_t.c.field_id == budget))
            await conn.execute(delete(custom_field_t).where(custom_field_t.c.id == budget))
        deleted = await page(http, admin)
    assert changed == {
        "A": [
            ("Notes", "call back", "TEXT_FIELD", 0),
            ("Origin", "web", "TEXT_FIELD", 1),
            ("Details", None, "HEADING", 2),
        ],
        "B": [("Details", None, "HEADING", 2), ("Budget", "9k", "TEXT_FIELD", 9)],
        "C": [("Notes", "later", "TEXT_FIELD", 0), ("Details", None, "HEADING", 2)],
    }
    assert deleted == {**changed, "B": [("Details", None, "HEADING", 2)]}


async def deal_titled(db: Database, title: str) -> int:
    async with db.read() as conn:
        found = await conn.execute(select(opportunity_t.c.id).where(opportunity_t.c.title == title))
        return int(found.scalar_one())
