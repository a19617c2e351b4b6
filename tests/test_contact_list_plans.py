"""The legacy contact filter's default page (newest first, by startIndex) reads an index range:
no sort of the whole table, on either back end (migration 0012's ix_contact_created_id)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text

from app.db.engine import Database
from app.domain import contact_listing
from app.domain.contact_listing import ContactFilter, ContactSort
from app.domain.paging import PageRequest
from tests.conftest import GraphQL, Person
from tests.factories import contact


@contextmanager
def statements(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """The statements the database's reader runs meanwhile, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def grab(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    engine = db.reader.sync_engine
    event.listen(engine, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", grab)


async def plan(db: Database, statement: str, parameters: Any) -> str:
    """The back end's plan of a captured statement, as text."""
    async with db.write() as conn:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        if db.is_sqlite:
            cursor = await driver.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return "\n".join(str(row[3]) for row in await cursor.fetchall())
        # A handful of rows would always be read by a sequential scan: ask what the index
        # makes possible, as it would be chosen for a large table.
        await conn.execute(text("SET LOCAL enable_seqscan = off"))
        await conn.execute(text("SET LOCAL enable_sort = off"))
        rows = await driver.fetch(f"EXPLAIN {statement}", *parameters)
        return "\n".join(row[0] for row in rows)


async def test_the_default_contact_page_reads_the_created_index(
    gql: GraphQL, db: Database, user: Person
) -> None:
    # given
    for name in ("Acme", "Globex", "Initech"):
        await contact(gql, as_=user, companyName=name)

    # when: the page the legacy filter asks for by default, past the start
    with statements(db) as seen:
        page = await contact_listing.contact_page(
            db=db,
            caller=user.caller,
            where=ContactFilter(),
            order=[(ContactSort.CREATED, True)],
            page=PageRequest(first=2, offset=1, max_page=1000),
            with_total=False,
        )
    listed = [(s, p) for s, p in seen if "FROM contact" in s and "LIMIT" in s.upper()]

    # then: the rows, newest first, read along ix_contact_created_id without a sort
    assert [row["company_name"] for row in page.rows] == ["Globex", "Acme"]
    assert len(listed) == 1
    shown = await plan(db, *listed[0])
    assert "ix_contact_created_id" in shown, shown
    assert "TEMP B-TREE FOR ORDER BY" not in shown and "Sort" not in shown, shown
