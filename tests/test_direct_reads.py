"""Hot reads on the driver connection (app.db.direct) answer what SQLAlchemy's execute does."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Integer, column, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import direct
from app.db.budget import time_budget
from app.db.engine import Database
from app.db.faults import OutOfTime
from app.domain import field_value_reads, reads
from app.domain.access import caller_params
from app.domain.keys import _BY_DIGEST, digest
from tests.conftest import GraphQL
from tests.factories import Person, contact, custom_field, opportunity


async def through_sqlalchemy(
    conn: AsyncConnection, statement: Any, params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    return [dict(row) for row in (await conn.execute(statement, params)).mappings()]


@pytest.fixture
async def deals(gql: GraphQL, admin: Person, user: Person, other: Person) -> list[int]:
    """Deals with members, a custom value, a money value, dates and a private one."""
    field = await custom_field(gql, admin, "Region")
    members = [await contact(gql, user, companyName=f"Member {n}") for n in range(3)]
    made = [
        await opportunity(
            gql,
            user,
            bidValue="1234.50",
            members=members[: n + 1],
            contactId=members[-1],
            expectedCloseDate="2027-03-01T00:00:00Z",
            customFields=[{"fieldId": field, "value": f"north {n}"}],
        )
        for n in range(3)
    ]
    made.append(await opportunity(gql, other, isPrivate=True, accessList=[str(other.id)]))
    return made


CASES = [
    ("one deal", reads._opportunities(False), lambda ids, p: {"ids": ids[:1], **p}),
    ("every deal", reads._opportunities(False), lambda ids, p: {"ids": ids, **p}),
    ("no deal", reads._opportunities(False), lambda ids, p: {"ids": [], **p}),
    (
        "contacts (a union)",
        reads._opportunity_contacts(False, None),
        lambda ids, p: {"ids": ids, **p},
    ),
    ("admin contacts", reads._opportunity_contacts(True, None), lambda ids, p: {"ids": ids}),
    (
        "contacts, a few columns",
        reads._opportunity_contacts(False, frozenset({"id", "is_company", "first_name"})),
        lambda ids, p: {"ids": ids, **p},
    ),
    (
        "custom fields with their definitions",
        field_value_reads._VALUES_AND_DEFINITIONS,
        lambda ids, p: {"ids": ids},
    ),
    ("custom field values", field_value_reads._STORED_VALUES, lambda ids, p: {"ids": ids}),
    ("access lists", reads._ACCESS_LISTS, lambda ids, p: {"ids": ids}),
    ("stages", reads._ALL_STAGES, lambda ids, p: {}),
    ("currencies", reads._ALL_CURRENCIES, lambda ids, p: {}),
    ("stage counts", reads._opportunity_counts(False), lambda ids, p: {"ids": [1, 2, 3], **p}),
]


@pytest.mark.parametrize(("name", "statement", "params"), CASES, ids=[c[0] for c in CASES])
async def test_rows_and_their_types_equal_sqlalchemys(
    db: Database, user: Person, deals: list[int], name: str, statement: Any, params: Any
) -> None:
    bound = params(deals, caller_params(user.caller))
    async with db.read() as conn:
        expected = await through_sqlalchemy(conn, statement, bound)
        found = await direct.fetch(conn, statement, bound)
    assert found == expected
    for got, want in zip(found, expected, strict=True):
        assert [type(value) for value in got.values()] == [type(v) for v in want.values()]


async def test_values_come_back_as_the_models_types(
    db: Database, user: Person, deals: list[int]
) -> None:
    async with db.read() as conn:
        rows = await direct.fetch(
            conn, reads._opportunities(False), {"ids": deals, **caller_params(user.caller)}
        )
    assert len(rows) == 3  # the other's private deal is not the caller's to read
    first = rows[0]
    assert isinstance(first["responsible_id"], uuid.UUID)
    assert first["bid_value"] == Decimal("1234.50")
    assert first["expected_close_date"] == datetime(2027, 3, 1, tzinfo=UTC)
    assert first["is_private"] is False


async def test_in_lists_of_every_length_bind_their_own_members(
    db: Database, admin: Person, deals: list[int]
) -> None:
    statement = reads._opportunities(True)
    async with db.read() as conn:
        for size in (3, 1, 4, 2, 0, 4):
            wanted = deals[:size]
            rows = await direct.fetch(conn, statement, {"ids": wanted})
            assert sorted(row["id"] for row in rows) == sorted(wanted)


async def test_a_key_signs_in_through_the_direct_read(db: Database, user: Person) -> None:
    async with db.read() as conn:
        params = {"digest": digest(user.key), "now": datetime.now(UTC)}
        rows = await direct.fetch(conn, _BY_DIGEST, params)
        assert rows == await through_sqlalchemy(conn, _BY_DIGEST, params)
    assert [row["id"] for row in rows] == [user.id]


async def test_cursor_listeners_see_every_statement(db: Database, user: Person) -> None:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    engine = db.reader.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        async with db.read() as conn:
            rows = await direct.fetch(conn, reads._ALL_STAGES)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert rows
    assert len(seen) == 1
    assert "stage" in seen[0].lower()


async def test_a_driver_error_arrives_wrapped_as_from_sqlalchemy(db: Database) -> None:
    broken = text("SELECT no_such_column FROM stage").columns(column("no_such_column", Integer))
    with pytest.raises(DBAPIError) as raised:
        async with db.read() as conn:
            await direct.fetch(conn, broken)
    assert "no_such_column" in str(raised.value.orig)
    async with db.read() as conn:  # the pool still serves
        assert await direct.fetch(conn, reads._ALL_STAGES)


@pytest.mark.parametrize("runs_before", [0, 1], ids=["first run", "known statement"])
async def test_a_failing_statement_raises_sqlalchemys_error(db: Database, runs_before: int) -> None:
    # A statement seen before takes asyncpg's own fetch on PostgreSQL; its errors are the same.
    dividing = text("SELECT 10 / CAST(:d AS INTEGER) AS c").columns(column("c", Integer))
    async with db.read() as conn:
        for _ in range(runs_before):
            assert await direct.fetch(conn, dividing, {"d": 2}) == [{"c": 5}]
    if db.is_sqlite:  # SQLite answers NULL to a division by zero; an unknown function fails
        dividing = text("SELECT no_such_function(CAST(:d AS INTEGER)) AS c").columns(
            column("c", Integer)
        )
    with pytest.raises(DBAPIError):
        async with db.read() as conn:
            await direct.fetch(conn, dividing, {"d": 0})
    async with db.read() as conn:
        assert await direct.fetch(conn, reads._ALL_STAGES)


SLOW_SQLITE = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :upto) "
    "SELECT count(*) AS c FROM n"
)


@pytest.mark.parametrize("runs_before", [0, 1], ids=["first run", "known statement"])
async def test_a_read_past_the_deadline_is_out_of_time(db: Database, runs_before: int) -> None:
    if db.is_sqlite:
        slow, quick, long = text(SLOW_SQLITE), {"upto": 10}, {"upto": 50_000_000}
    else:
        slow, quick, long = text("SELECT 1 AS c FROM pg_sleep(:s)"), {"s": 0}, {"s": 5}
    statement = slow.columns(column("c", Integer))
    async with db.read() as conn:
        for _ in range(runs_before):
            assert len(await direct.fetch(conn, statement, quick)) == 1
    with pytest.raises(OutOfTime):
        async with time_budget(0.3), db.read() as conn:
            await direct.fetch(conn, statement, long)
    async with db.read() as conn:
        assert await direct.fetch(conn, reads._ALL_STAGES)
