"""Migration 0013 on a database that holds data: the stage-order indexes, the CRM settings, the
seeded stages' descriptions (changed ones kept), and back again."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import inspect, select, text, update

from app.db import migrate, models
from app.db.engine import Database
from app.db.reference import STAGES
from app.db.seed import seed_reference_data
from tests.conftest import GraphQL, Person
from tests.factories import opportunity

VERSIONS = Path(migrate.__file__).parent / "migrations" / "versions"
INDEXES = {
    "ix_opportunity_stage_contact_dates_title",
    "ix_opportunity_responsible_stage_contact_dates_title",
}


def _revision_0013() -> Any:
    spec = importlib.util.spec_from_file_location(
        "revision_0013", VERSIONS / "0013_stage_order_as_the_original.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _migrate(revision: str, *, up: bool) -> Callable[[Any], None]:
    def run(connection: Any) -> None:
        step = command.upgrade if up else command.downgrade
        step(migrate.alembic_config(connection), revision)

    return run


def _shape(connection: Any) -> tuple[set[str], bool]:
    # Read from the catalogue: SQLAlchemy does not reflect SQLite's expression indexes.
    if connection.dialect.name == "sqlite":
        names = text("SELECT name FROM sqlite_master WHERE type = 'index'")
    else:
        names = text("SELECT indexname FROM pg_indexes WHERE tablename = 'opportunity'")
    indexes = set(connection.execute(names).scalars())
    return indexes & INDEXES, inspect(connection).has_table("crm_settings")


async def _descriptions(db: Database) -> list[str]:
    async with db.read() as conn:
        query = select(models.stage_t.c.description).order_by(models.stage_t.c.id)
        return list((await conn.execute(query)).scalars())


async def test_0013_up_and_down_on_stored_deals(
    gql: GraphQL, db: Database, user: Person, admin: Person
) -> None:
    # given: deals stored, back before 0013, with the stages as first seeded and one renamed
    await opportunity(gql, user, title="Kept")
    before = [old for old, _ in _revision_0013().SEEDED_DESCRIPTIONS]
    async with db.write() as conn:
        await conn.run_sync(_migrate("0012", up=False))
        assert await conn.run_sync(_shape) == (set(), False)
        for stage_id, text in enumerate(before, 1):
            description = "Ours" if stage_id == 2 else text
            await conn.execute(
                update(models.stage_t)
                .where(models.stage_t.c.id == stage_id)
                .values(description=description)
            )

    # when
    async with db.write() as conn:
        await conn.run_sync(_migrate("head", up=True))
        shape = await conn.run_sync(_shape)
    await seed_reference_data(db)

    # then: the indexes and the settings' row, the original's texts but where changed
    assert shape == (INDEXES, True)
    expected = [s.description for s in STAGES]
    expected[1] = "Ours"
    assert await _descriptions(db) == expected
    currency = await gql("{ defaultCurrency { abbreviation } }", user)
    assert currency == {"defaultCurrency": {"abbreviation": "USD"}}
    page = await gql("{ opportunities(first: 5) { edges { node { title } } } }", user)
    assert page["opportunities"]["edges"] == [{"node": {"title": "Kept"}}]

    # and back: the texts as they were, no settings, no indexes
    async with db.write() as conn:
        await conn.run_sync(_migrate("0012", up=False))
        assert await conn.run_sync(_shape) == (set(), False)
    before[1] = "Ours"
    assert await _descriptions(db) == before
