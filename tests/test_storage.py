"""Storage: migrations match the models, reference data is exact and seeded idempotently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import delete, select, text

from app.db import counter_tables, migrate, models
from app.db.engine import Database
from app.db.reference import CURRENCIES
from app.db.seed import seed_reference_data
from tests.conftest import count_rows


# SQLite cannot reflect expression indexes, so alembic skips them there (with a warning each);
# the PostgreSQL run compares them.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
async def test_models_and_migrations_agree(db: Database) -> None:
    def diff(connection: Any) -> list[Any]:
        # As the migrations' own env.py compares: the FTS5 search index is no model's table.
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": migrate.compared_name}
        )
        return list(compare_metadata(context, models.metadata))

    async with db.read() as conn:
        differences = await conn.run_sync(diff)

    assert differences == []
    # The trigger-kept counters are compared too: their module joins the same metadata.
    assert counter_tables.field_value_count_t.name in models.metadata.tables
    assert await migrate.current_revision(db) == migrate.head_revision()


async def test_seeded_currencies_are_the_74_of_the_original(db: Database) -> None:
    async with db.read() as conn:
        rows = {
            r["abbreviation"]: r for r in (await conn.execute(select(models.currency_t))).mappings()
        }

    assert len(rows) == 74 == len(CURRENCIES)
    assert {a for a, r in rows.items() if r["is_basic"]} == {
        "AUD",
        "CAD",
        "CHF",
        "EUR",
        "GBP",
        "JPY",
        "USD",
    }
    eur, rub, qar, vef = rows["EUR"], rows["RUB"], rows["QAR"], rows["VEF"]
    assert (eur["title"], eur["symbol"], eur["culture_name"], eur["is_convertable"]) == (
        "Euro",
        "€",
        "EU",
        True,
    )
    assert (rub["symbol"], rub["title"]) == ("₽", "Rouble")
    assert qar["symbol"] == "ر.ق.\u200f"
    assert (vef["is_convertable"], rows["AZN"]["symbol"]) == (False, "₼")
    assert rows["XOF"]["culture_name"] == "ML"


async def test_seeded_stages_are_the_nine_defaults_in_order(db: Database) -> None:
    async with db.read() as conn:
        rows = list(
            (await conn.execute(select(models.stage_t).order_by(models.stage_t.c.id))).mappings()
        )

    assert [
        (r["title"], r["success_probability"], r["color"], r["stage_type"], r["sort_order"])
        for r in rows
    ] == [
        ("Initial contact", 1, "#e795c1", 0, 0),
        ("Application of initial fit criteria", 2, "#df7895", 0, 1),
        ("Suspect", 3, "#f48454", 0, 2),
        ("Need assessment", 20, "#b58fd6", 0, 3),
        ("Qualified prospect", 50, "#d28cc8", 0, 4),
        ("Proposal", 75, "#ffb45e", 0, 5),
        ("Negotiations", 90, "#ffd267", 0, 6),
        ("Closure/Transaction", 100, "#6bbd72", 1, 7),
        ("Unsuccessfully closed", 0, "#f2a9be", 2, 8),
    ]
    assert all(r["description"] for r in rows)


async def test_seeding_again_adds_nothing_and_does_not_bring_deleted_stages_back(
    db: Database,
) -> None:
    # given: an administrator removed a stage
    async with db.write() as conn:
        await conn.execute(delete(models.stage_t).where(models.stage_t.c.id == 9))

    # when
    await seed_reference_data(db)
    await migrate.upgrade(db)

    # then
    assert await count_rows(db, models.Currency) == 74
    assert await count_rows(db, models.Stage) == 8


async def test_sqlite_runs_in_wal_with_full_sync_and_foreign_keys(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite pragmas")
    async with db.read() as conn:
        values = [
            (await conn.execute(text(f"PRAGMA {name}"))).scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        ]

    assert values == ["wal", 2, 1, 5000]


async def test_sqlite_connections_keep_the_configured_page_cache_each_and_together(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'cache.sqlite3'}", sqlite_cache_mib=3)
    try:
        async with db.read() as reader:
            read_size = (await reader.execute(text("PRAGMA cache_size"))).scalar()
        async with db.write() as writer:
            write_size = (await writer.execute(text("PRAGMA cache_size"))).scalar()
            process_limit = (await writer.execute(text("PRAGMA soft_heap_limit"))).scalar()
    finally:
        await db.dispose()

    assert read_size == write_size == -3 * 1024  # negative: a size in KiB, not in pages
    # And all connections of the process together (SQLite's soft heap limit is process-wide).
    assert process_limit == 3 * 1024 * 1024


async def test_sqlite_write_transaction_takes_the_write_lock_at_begin(
    db: Database, tmp_path: Any
) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite locking")
    import sqlite3

    path = db.writer.url.database
    async with db.write() as conn:
        await conn.execute(select(1))  # a read only: a deferred BEGIN would take no lock yet
        outsider = sqlite3.connect(path, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            outsider.execute("BEGIN IMMEDIATE")
        outsider.close()


async def test_writes_queue_for_the_single_sqlite_writer(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite has one writer")
    import asyncio

    order: list[str] = []
    first_holds = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with db.write():
            order.append("first in")
            first_holds.set()
            await release.wait()
            order.append("first out")

    async def second() -> None:
        await first_holds.wait()
        async with db.write():
            order.append("second in")

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await first_holds.wait()
    await asyncio.sleep(0.1)
    release.set()
    await asyncio.gather(*tasks)

    assert order == ["first in", "first out", "second in"]
