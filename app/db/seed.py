"""Reference data, written on start and safe to write again."""

from __future__ import annotations

from sqlalchemy import insert, select

from app.db.engine import Database
from app.db.models import CrmSettings, crm_settings_t, currency_t, stage_t, system_flag_t, utcnow
from app.db.reference import CURRENCIES, STAGES

STAGES_FLAG = "default_stages_seeded"


async def seed_reference_data(db: Database) -> None:
    """Add missing currencies and the CRM settings' row; add the default stages once (an admin
    may delete them later)."""
    async with db.write() as conn:
        now = utcnow()
        present = set((await conn.execute(select(currency_t.c.abbreviation))).scalars())
        missing = [c for c in CURRENCIES if c.abbreviation not in present]
        if missing:
            await conn.execute(
                insert(currency_t),
                [{**c._asdict(), "created_at": now, "updated_at": now} for c in missing],
            )
        if (await conn.execute(select(crm_settings_t.c.id))).first() is None:
            await conn.execute(insert(crm_settings_t).values(CrmSettings().model_dump()))
        seeded = await conn.execute(
            select(system_flag_t.c.name).where(system_flag_t.c.name == STAGES_FLAG)
        )
        if seeded.first() is None:
            await conn.execute(
                insert(stage_t),
                [
                    {
                        **s._asdict(),
                        "sort_order": order,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for order, s in enumerate(STAGES)
                ],
            )
            await conn.execute(insert(system_flag_t).values(name=STAGES_FLAG, created_at=now))
