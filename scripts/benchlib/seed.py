"""A fresh database for the benchmark: migrated and seeded by the app's code, then bulk-filled.

The schema, the reference data (currencies, stages), the employees and their API keys and the
custom-field definitions go through the service's own functions; the bulk of the rows
(contacts, deals, members, custom-field values, access lists) through Core executemany inserts.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from app.db.models import (
    access_t,
    contact_access_t,
    contact_t,
    field_value_t,
    member_t,
    opportunity_t,
)
from app.domain.caller import Caller
from app.domain.custom_fields import NewCustomFieldDefinition, create_definition
from app.domain.employees import create_employee
from app.domain.enums import CustomFieldType
from app.main import open_database, prepare_database
from app.settings import Settings
from scripts.benchlib.documents import CURRENCIES

WORDS = [
    "alpha",
    "beta",
    "cloud",
    "data",
    "edge",
    "fleet",
    "grid",
    "harbor",
    "insight",
    "jet",
    "kiosk",
    "ledger",
    "metro",
    "nexus",
    "orbit",
    "pilot",
    "quartz",
    "rollout",
    "signal",
    "summit",
    "tender",
    "upgrade",
    "vector",
    "wave",
    "xenon",
    "yield",
    "zenith",
]
STAFF = 6


@dataclass
class Dataset:
    """What the load needs to know about the data it runs against."""

    url: str
    admin_id: uuid.UUID
    admin_key: str
    user_id: uuid.UUID
    user_key: str
    field_ids: list[int]
    readable_contacts: list[int]
    opportunity_ids: list[int]
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The dataset as the results file records it (no keys)."""
        return {"backend": make_url(self.url).get_backend_name(), **self.counts}


def sqlite_url(path: Path) -> str:
    """A fresh SQLite file: the old one and its WAL files are removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite+aiosqlite:///{path}"


async def recreate_postgres(url: str) -> None:
    """Drop and create the database the URL names (connecting to `postgres` to do it)."""
    parsed = make_url(url)
    name = parsed.database
    if not name or "bench" not in name:
        raise ValueError(f"refusing to drop {name!r}: the benchmark's database names 'bench'")
    admin = parsed.set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def _title(rng: random.Random, index: int) -> str:
    words = rng.sample(WORDS, 2)
    return f"{words[0].capitalize()} {words[1]} {index:05d}"


def _date(rng: random.Random, base: datetime, days: int) -> datetime:
    return base + timedelta(days=rng.randint(-days, days), seconds=rng.randrange(86_400))


async def seed(url: str, *, opportunities: int, contacts: int, rng_seed: int = 7) -> Dataset:
    """Migrate, seed and fill the database at `url` (which must be empty)."""
    rng = random.Random(rng_seed)
    settings = Settings(
        database_url=url,
        bootstrap_api_key=secrets.token_urlsafe(32),
        _env_file=None,  # type: ignore[call-arg]
    )
    db = open_database(settings)
    try:
        await prepare_database(db, settings)
        admin_id, admin_key = await create_employee(
            db, display_name="Bench Admin", title="CRM administrator", is_admin=True
        )
        user_id, user_key = await create_employee(
            db, display_name="Bench User", title="Sales manager"
        )
        staff = [
            (await create_employee(db, display_name=f"Staff {n}", title=None))[0]
            for n in range(STAFF)
        ]
        admin = Caller(id=admin_id, display_name="Bench Admin", is_admin=True)
        field_ids = [
            int(
                (
                    await create_definition(
                        db, admin, NewCustomFieldDefinition(label=label, field_type=kind)
                    )
                )["id"]
            )
            for label, kind in (
                ("Source", CustomFieldType.TEXT_FIELD),
                ("Notes", CustomFieldType.TEXT_AREA),
            )
        ]
        people = [admin_id, user_id, *staff]
        now = datetime.now(UTC)
        async with db.write() as conn:
            contact_rows = []
            for n in range(contacts):
                company = n % 5 < 2
                private = n % 20 == 0
                contact_rows.append(
                    {
                        "is_company": company,
                        "first_name": None if company else rng.choice(WORDS).capitalize(),
                        "last_name": None if company else f"{rng.choice(WORDS).capitalize()}son",
                        "company_name": f"{rng.choice(WORDS).capitalize()} {n} Ltd"
                        if company
                        else None,
                        "title": None if company else "Buyer",
                        "share_type": 0 if private else (1 if n % 3 else 2),
                        "currency_abbr": rng.choice(CURRENCIES) if n % 4 == 0 else None,
                        "created_at": now,
                        "created_by": rng.choice(people),
                        "updated_at": now,
                        "updated_by": None,
                    }
                )
            contact_ids = list(
                (
                    await conn.execute(
                        insert(contact_t).returning(contact_t.c.id, sort_by_parameter_order=True),
                        contact_rows,
                    )
                ).scalars()
            )
            private_contacts = [
                cid
                for cid, row in zip(contact_ids, contact_rows, strict=True)
                if not row["share_type"]
            ]
            # The user may read half of the private contacts.
            user_reads = private_contacts[::2]
            await conn.execute(
                insert(contact_access_t),
                [{"contact_id": cid, "employee_id": user_id} for cid in user_reads]
                + [{"contact_id": cid, "employee_id": admin_id} for cid in private_contacts],
            )
            readable = sorted(
                {
                    cid
                    for cid, row in zip(contact_ids, contact_rows, strict=True)
                    if row["share_type"]
                }
                | set(user_reads)
            )

            deal_rows = []
            for n in range(opportunities):
                stage = rng.randint(1, 9)
                creator = rng.choice(people)
                deal_rows.append(
                    {
                        "title": _title(rng, n),
                        "description": f"Deal number {n} about {rng.choice(WORDS)}"
                        if n % 2
                        else None,
                        "responsible_id": rng.choice(people),
                        "contact_id": rng.choice(contact_ids) if n % 5 else None,
                        "stage_id": stage,
                        "bid_currency": rng.choice(CURRENCIES),
                        "bid_type": rng.choice((0, 0, 0, 0, 1, 2, 3, 4, 5)),
                        "bid_value": Decimal(rng.randint(0, 2_000_000)) / 100,
                        "per_period_value": rng.randint(0, 12),
                        "success_probability": rng.randint(0, 100),
                        "actual_close_date": _date(rng, now, 200) if stage > 6 else None,
                        "expected_close_date": _date(rng, now, 365) if n % 3 else None,
                        "is_private": n % 20 == 7,
                        "created_at": _date(rng, now, 700),
                        "created_by": creator,
                        "updated_at": now,
                        "updated_by": creator,
                    }
                )
            deal_ids = list(
                (
                    await conn.execute(
                        insert(opportunity_t).returning(
                            opportunity_t.c.id, sort_by_parameter_order=True
                        ),
                        deal_rows,
                    )
                ).scalars()
            )
            members, values, access = [], [], []
            for deal_id, row in zip(deal_ids, deal_rows, strict=True):
                # Two members; the primary contact is one of them, as a create makes it.
                first = row["contact_id"] or rng.choice(contact_ids)
                second = rng.choice(contact_ids)
                while second == first:
                    second = rng.choice(contact_ids)
                members += [
                    {"opportunity_id": deal_id, "contact_id": first},
                    {"opportunity_id": deal_id, "contact_id": second},
                ]
                values += [
                    {"opportunity_id": deal_id, "field_id": fid, "value": f"{rng.choice(WORDS)}"}
                    for fid in field_ids
                ]
                if row["is_private"]:
                    holders = {row["created_by"], rng.choice(staff)}
                    if deal_id % 2:
                        holders.add(user_id)
                    access += [{"opportunity_id": deal_id, "employee_id": e} for e in holders]
            await conn.execute(insert(member_t), members)
            await conn.execute(insert(field_value_t), values)
            await conn.execute(insert(access_t), access)
        async with db.read() as conn:
            stored = int(
                (await conn.execute(select(func.count()).select_from(opportunity_t))).scalar_one()
            )
        return Dataset(
            url=url,
            admin_id=admin_id,
            admin_key=admin_key,
            user_id=user_id,
            user_key=user_key,
            field_ids=field_ids,
            readable_contacts=readable,
            opportunity_ids=deal_ids,
            counts={
                "opportunities": stored,
                "contacts": len(contact_ids),
                "private_contacts": len(private_contacts),
                "members": len(members),
                "custom_field_values": len(values),
                "private_opportunities": sum(1 for r in deal_rows if r["is_private"]),
                "access_list_entries": len(access),
                "employees": len(people) + 1,
            },
        )
    finally:
        await db.dispose()


def seed_sync(url: str, *, opportunities: int, contacts: int) -> Dataset:
    """`seed` for synchronous callers."""
    return asyncio.run(seed(url, opportunities=opportunities, contacts=contacts))
