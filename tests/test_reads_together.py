"""Reads sent together (app.db.together) give each read's rows exactly as it gives them alone."""

from __future__ import annotations

from typing import Any

import pytest

from app.db import direct, together
from app.db.engine import Database
from app.domain import field_value_reads, reads
from app.domain.keys import _BY_DIGEST, digest
from tests.conftest import GraphQL
from tests.factories import Person, contact, custom_field, opportunity


@pytest.fixture
async def deals(gql: GraphQL, admin: Person, user: Person, other: Person) -> list[int]:
    """Deals with members, a primary contact, custom values, money, dates and a private one."""
    field = await custom_field(gql, admin, "Region")
    await custom_field(gql, admin, "Section", fieldType="HEADING")
    people = [await contact(gql, user, companyName=f"Member {n}") for n in range(3)]
    hidden = await contact(gql, other, companyName="Hidden", shareType="NONE", accessList=[])
    made = [
        await opportunity(
            gql,
            user,
            bidValue="1234.50",
            members=[*people[: n + 1], hidden] if n else people[:1],
            contactId=people[-1],
            expectedCloseDate="2027-03-01T00:00:00Z",
            customFields=[{"fieldId": field, "value": f"north {n}"}] if n != 1 else [],
        )
        for n in range(3)
    ]
    made.append(await opportunity(gql, other, isPrivate=True, accessList=[str(other.id)]))
    return made


def relation_reads(who: Person, ids: list[int]) -> list[together.Read]:
    return [
        reads.opportunity_contacts_read(who.caller, ids),
        field_value_reads.custom_field_values_read(ids),
        (_BY_DIGEST, {"digest": digest(who.key), "now": None}),
    ]


async def each_alone(db: Database, asked: list[together.Read]) -> list[list[Any]]:
    async with db.read() as conn:
        return [await direct.fetch(conn, statement, params) for statement, params in asked]


def round_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts sent to the driver from now on, one per round trip."""
    trips: list[str] = []
    real = direct._run

    async def counted(adapted: Any, text: str, bound: list[Any], *, described: bool) -> Any:
        trips.append(text)
        return await real(adapted, text, bound, described=described)

    monkeypatch.setattr(direct, "_run", counted)
    return trips


@pytest.mark.parametrize("who", ["user", "admin", "other"])
async def test_together_answers_what_each_read_answers_alone(
    db: Database, deals: list[int], who: str, request: pytest.FixtureRequest
) -> None:
    person: Person = request.getfixturevalue(who)
    for ids in ([deals[0]], deals, [*deals, 999_999], [999_999]):
        asked = relation_reads(person, ids)
        alone = await each_alone(db, asked)  # the first run also learns the column types
        async with db.read() as conn:
            joint = await together.fetch_together(conn, asked)
        # then: the same rows, the same order, the same values of the same Python types
        assert joint == alone
        assert [[{k: type(v) for k, v in row.items()} for row in rows] for rows in joint] == [
            [{k: type(v) for k, v in row.items()} for row in rows] for rows in alone
        ]
        assert any(joint[0]) or ids == [999_999]


async def test_postgresql_sends_them_in_one_round_trip(
    db: Database, deals: list[int], user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = relation_reads(user, deals)
    await each_alone(db, asked)
    trips = round_trips(monkeypatch)
    async with db.read() as conn:
        await together.fetch_together(conn, asked)
    # SQLite has no round trip to save: each read runs as it does alone.
    assert len(trips) == (3 if db.is_sqlite else 1)


async def test_a_read_never_run_alone_runs_alone_first(
    db: Database, deals: list[int], admin: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fresh statement object has no column types learnt yet: nothing is combined with it.
    fresh = reads._opportunity_contacts.__wrapped__(True, None)  # type: ignore[attr-defined]
    asked = [
        (fresh, reads.opportunity_contacts_read(admin.caller, deals)[1]),
        field_value_reads.custom_field_values_read(deals),
    ]
    trips = round_trips(monkeypatch)
    async with db.read() as conn:
        joint = await together.fetch_together(conn, asked)
    assert len(trips) == 2
    monkeypatch.undo()
    assert joint == await each_alone(db, asked)


@pytest.mark.parametrize("who", ["user", "other"])
async def test_the_rest_come_only_with_a_first_read_that_found_rows(
    db: Database,
    deals: list[int],
    who: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person: Person = request.getfixturevalue(who)
    private = deals[-1]  # other's private deal: the user may not read it
    for deal in (deals[0], private, 999_999):
        first = reads.opportunities_read(person.caller, [deal])
        rest = relation_reads(person, [deal])[:2]
        alone = await each_alone(db, [first, *rest])
        trips = round_trips(monkeypatch)
        async with db.read() as conn:
            head, relations = await together.fetch_if_found(conn, first, rest)
        monkeypatch.undo()
        if alone[0]:
            assert (head, relations) == (alone[0], alone[1:])
            assert len(trips) == (3 if db.is_sqlite else 1)
        else:
            # a deal the caller may not read: nothing of its relations comes back
            assert (head, relations) == ([], [])
            assert len(trips) == 1
        assert bool(head) == (deal != 999_999 and (deal != private or who == "other"))


async def test_a_detail_read_sends_the_deal_and_its_relations_together(
    db: Database, deals: list[int], gql: GraphQL, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = """query One($id: ID!) {
      opportunity(id: $id) { title members { id displayName } customFields { label fieldValue } }
    }"""
    expected = await gql(document, user, id=str(deals[2]))  # statements learnt, answer kept
    assert expected["opportunity"]["members"] and expected["opportunity"]["customFields"]
    trips = round_trips(monkeypatch)
    assert await gql(document, user, id=str(deals[2])) == expected
    # the deal with its members and values: one round trip on PostgreSQL, three on SQLite
    assert len(trips) == (3 if db.is_sqlite else 1)
    trips.clear()
    assert await gql(document, user, id=str(deals[-1])) == {"opportunity": None}
    assert len(trips) == 1  # hidden: on SQLite its relations are not even asked
