"""Row-backed objects read as eagerly built ones, derive a field once, and refuse bad tables."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
import strawberry

from app.domain import field_value_reads, reads
from app.domain.caller import Caller
from app.graphql.types import Contact, Opportunity
from app.graphql.types.custom_fields import CustomField
from app.graphql.types.reference import Currency, Stage
from app.graphql.types.row_backed import Derived, row_backed
from tests.conftest import GraphQL
from tests.factories import Person, contact, custom_field, opportunity


def held_fields(cls: type) -> list[str]:
    """The fields an instance holds: derived ones, relay's `_id`, those without a default."""
    return [
        f.name
        for f in dataclasses.fields(cls)
        if isinstance(vars(cls).get(f.name), Derived) or f.name == "_id" or not hasattr(cls, f.name)
    ]


def eagerly(obj: Any) -> Any:
    """The same object built the ordinary way, every field passed to the constructor."""
    cls = type(obj)
    init = [f.name for f in dataclasses.fields(cls) if f.init and f.name in held_fields(cls)]
    return cls(**{name: getattr(obj, name) for name in init})


async def test_objects_from_real_rows_read_as_eagerly_built_ones(
    gql: GraphQL, db: Any, admin: Person, user: Person
) -> None:
    """Every field of a deal, its contacts, stage, currency and custom fields, via repr too."""
    field = await custom_field(gql, admin, "Region")
    person = await contact(gql, user, firstName="Ann", lastName="Lee")
    deal = await opportunity(
        gql,
        user,
        bidValue="12.5",
        bidCurrencyAbbr="EUR",
        contactId=person,
        members=[person],
        customFields=[{"fieldId": field, "value": "north"}],
    )
    caller = Caller(id=user.id, display_name="user", is_admin=False)
    async with db.read() as conn:
        row = (await reads.opportunities(conn, caller, [deal]))[deal]
        people = (await reads.opportunity_contacts(conn, caller, [deal]))[deal]
        values = (await field_value_reads.custom_field_values(conn, [deal]))[deal]
        stages = await reads.all_stages(conn)
        currencies = await reads.all_currencies(conn)
    built = [
        Opportunity.from_row(row),
        *(Contact.from_row(member) for member in people.members),
        *(CustomField.from_row(value) for value in values),
        Stage.from_row(stages[0]),
        Currency.from_row(next(c for c in currencies if c["abbreviation"] == "EUR")),
    ]
    for obj in built:
        twin = eagerly(obj)
        assert obj == twin and repr(obj) == repr(twin)
        assert str(obj._id if hasattr(type(obj), "_id") else obj.id)
    assert built[0].title and built[1].display_name == "Ann Lee"


@strawberry.type
class Sample:
    name: str
    shout: str
    _id: strawberry.ID = strawberry.field(name="id")

    @strawberry.field
    def resolver(self) -> str:
        return "from the class"


def counting(calls: list[str], name: str, how: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def derive(row: Any) -> Any:
        calls.append(name)
        return how(row)

    return derive


def test_a_field_is_derived_once_when_first_read_and_kept() -> None:
    calls: list[str] = []
    build = row_backed(
        Sample,
        {
            "name": counting(calls, "name", lambda row: row["name"]),
            "shout": counting(calls, "shout", lambda row: row["name"].upper()),
        },
        eager={"_id": counting(calls, "_id", lambda row: f"S:{row['name']}")},
    )
    made = build({"name": "ann"})
    assert calls == ["_id"]
    assert made.shout == "ANN" and made.shout == "ANN" and made.name == "ann"
    assert calls == ["_id", "shout", "name"]
    assert made._id == "S:ann" and made.resolver() == "from the class"
    assert not hasattr(made, "missing")
    with pytest.raises(AttributeError, match="missing"):
        _ = made.missing  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("derive", "eager"),
    [
        ({"name": str}, {"_id": str}),  # a field left out
        ({"name": str, "shout": str, "extra": str}, {"_id": str}),  # a field it does not have
        ({"name": str, "shout": str, "_id": str}, {}),  # hidden by a class attribute
        ({"name": str, "shout": str}, {"_id": str, "name": str}),  # both derived and eager
    ],
)
def test_a_table_that_does_not_name_each_field_once_is_refused(
    derive: dict[str, Any], eager: dict[str, Any]
) -> None:
    @strawberry.type
    class Fresh:
        name: str
        shout: str
        _id: strawberry.ID = strawberry.field(name="id")

    Fresh._id = classmethod(lambda cls: None)  # type: ignore[assignment]  # as relay.Node has
    with pytest.raises(TypeError):
        row_backed(Fresh, derive, eager=eager)


def test_an_enum_member_is_the_enum_call_and_a_bad_value_fails_every_time() -> None:
    from app.graphql.enums import StageType
    from app.graphql.types.row_backed import member

    read = member(StageType, "stage_type")
    for raw in (0, 1, 2, 0):
        assert read({"stage_type": raw}) is StageType(raw)
    for _ in range(2):
        with pytest.raises(ValueError, match="99"):
            read({"stage_type": 99})
