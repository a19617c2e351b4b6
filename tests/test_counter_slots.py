"""On PostgreSQL a create does not wait for another's counter rows (migration 0017's slots)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, insert, select, text

from app.db import migrate
from app.db.counter_tables import field_value_count_t, stage_count_t
from app.db.engine import Database
from app.db.models import field_value_t, opportunity_t, utcnow
from app.domain.opportunities import NewOpportunity, create_opportunity, opportunity_values
from tests.conftest import GraphQL, Person
from tests.factories import custom_field, opportunity_via_domain
from tests.value_counts import assert_value_counts_agree

SLOTS = 16


async def _burn_xids_until_not(db: Database, slot: int) -> None:
    """Autocommit transactions each take an id, until the next one's slot is not `slot`."""
    async with db.read() as conn:
        taken = await conn.execute(text("SELECT txid_current()"))
        while (taken.scalar_one() + 1) % SLOTS == slot:
            taken = await conn.execute(text("SELECT txid_current()"))


async def test_a_create_does_not_wait_for_an_open_create_at_the_same_stage_and_field(
    db: Database, gql: GraphQL, admin: Person, user: Person
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has one writer: its counters keep one row each")
    field = await custom_field(gql, admin, "Region")
    first = NewOpportunity(
        title="First", responsible_id=admin.id, stage_id=1, bid_currency_abbr="EUR"
    )
    async with db.writer.connect() as holder:
        await holder.begin()
        now = utcnow()
        deal = (
            await holder.execute(
                insert(opportunity_t).returning(opportunity_t.c.id),
                {
                    **opportunity_values(first),
                    "is_private": False,
                    "created_at": now,
                    "created_by": admin.id,
                    "updated_at": now,
                    "updated_by": admin.id,
                },
            )
        ).scalar_one()
        await holder.execute(
            insert(field_value_t), {"opportunity_id": deal, "field_id": field, "value": "north"}
        )
        # The holder now holds its slot's rows of stage 1's and the field's counters.
        held = int((await holder.execute(text("SELECT txid_current()"))).scalar_one()) % SLOTS
        await _burn_xids_until_not(db, held)
        second = NewOpportunity(
            title="Second",
            responsible_id=user.id,
            stage_id=1,
            bid_currency_abbr="EUR",
            custom_fields=[(field, "south")],
        )
        # Before 0017 this waited for the holder's commit, which comes only after it.
        created = await asyncio.wait_for(
            create_opportunity(db=db, caller=admin.caller, new=second), timeout=10
        )
        await holder.commit()
    async with db.read() as conn:
        stage_rows = await conn.execute(
            select(func.count(), func.sum(stage_count_t.c.total)).where(
                stage_count_t.c.stage_id == 1, stage_count_t.c.is_private.is_(False)
            )
        )
        field_rows = await conn.execute(
            select(func.count(), func.sum(field_value_count_t.c.total)).where(
                field_value_count_t.c.field_id == field
            )
        )
        listed = await conn.execute(select(func.count()).where(opportunity_t.c.stage_id == 1))
        at_stage = listed.scalar_one()
        assert tuple(stage_rows.one()) == (2, at_stage)  # one row per slot written
        assert tuple(field_rows.one()) == (2, 2)
    assert created["title"] == "Second"
    await assert_value_counts_agree(db, gql, admin, user)


async def test_a_downgrade_folds_each_counter_into_one_row(
    db: Database, gql: GraphQL, admin: Person, user: Person
) -> None:
    # given: deals created one after the other, so in different slots on PostgreSQL
    field = await custom_field(gql, admin, "Region")
    for n in range(3):
        await opportunity_via_domain(db, admin, title=f"Deal {n}", custom_fields=[(field, "n")])

    def migrate_to(revision: str) -> Callable[[Any], None]:
        def run(connection: Any) -> None:
            step = command.upgrade if revision == "head" else command.downgrade
            step(migrate.alembic_config(connection), revision)

        return run

    async def counters() -> tuple[list[Any], list[Any]]:
        async with db.read() as conn:
            stages = select(stage_count_t.c.stage_id, stage_count_t.c.total).where(
                stage_count_t.c.is_private.is_(False)
            )
            fields = select(field_value_count_t.c.field_id, field_value_count_t.c.total)
            return [
                sorted(tuple(row) for row in await conn.execute(query))
                for query in (stages, fields)
            ]

    spread = await counters()
    # when
    async with db.write() as conn:
        await conn.run_sync(migrate_to("0016"))
    folded = await counters()
    async with db.write() as conn:
        await conn.run_sync(migrate_to("head"))

    # then: one row per counter, holding the count; and counting goes on after the upgrade
    async with db.read() as conn:
        at_stages = await conn.execute(
            select(opportunity_t.c.stage_id, func.count()).group_by(opportunity_t.c.stage_id)
        )
        expected_stages = sorted(tuple(row) for row in at_stages)
    assert folded == [expected_stages, [(field, 3)]]
    # One create, one transaction, one slot: on PostgreSQL the three were counted in three rows.
    assert spread[1] == ([(field, 1)] * 3 if not db.is_sqlite else [(field, 3)])
    await opportunity_via_domain(db, admin, title="After", custom_fields=[(field, "n")])
    await assert_value_counts_agree(db, gql, admin, user)
