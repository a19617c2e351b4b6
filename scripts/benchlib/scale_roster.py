"""The people and definitions of the scale benchmark, made through the app's own functions.

Migrations and reference data (`prepare_database`), employees with their API keys
(`create_employee`) and custom-field definitions (`create_definition`): what the bulk rows
refer to.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from app.db.models import currency_t, stage_t
from app.domain.caller import Caller
from app.domain.custom_fields import NewCustomFieldDefinition, create_definition
from app.domain.employees import create_employee
from app.domain.enums import CustomFieldType
from app.main import open_database, prepare_database
from app.settings import Settings
from scripts.benchlib.scale_data import Roster

STAFF = (
    "Ann Lee/Sales",
    "Ben Novak/Sales",
    "Carla Rossi/Key accounts",
    "Dmitri Ivanov/Presales",
    "Eva Berg/Sales",
    "Farid Haddad/Partner sales",
    "Greta Holm/Sales",
    "Hugo Costa/Renewals",
    "Ines Dubois/Sales",
    "Jonas Weber/Key accounts",
    "Kira Tanaka/Sales",
    "Luis Garcia/Presales",
    "Mona Okafor/Sales",
    "Nils Schmidt/Renewals",
    "Olga Petrova/Sales",
    "Paul Martin/Sales director",
    "Rita Moreau/Sales",
)
SEGMENTS = ("SMB", "Mid-market", "Enterprise", "Public sector")
FIELDS = (
    ("Source", CustomFieldType.TEXT_FIELD, None),
    ("Notes", CustomFieldType.TEXT_AREA, None),
    ("Segment", CustomFieldType.SELECT_BOX, json.dumps(SEGMENTS)),
    ("Signed", CustomFieldType.CHECK_BOX, ""),
    ("Renewal date", CustomFieldType.DATE, ""),
    ("Contract", CustomFieldType.HEADING, ""),
)


async def roster(settings: Settings) -> tuple[Roster, dict[str, Any]]:
    """Employees, keys and custom fields through the app, and the ids the rows refer to."""
    db = open_database(settings)
    try:
        await prepare_database(db, settings)
        admin_id, admin_key = await create_employee(
            db, display_name="Bench Admin", title="CRM administrator", is_admin=True
        )
        user_id, user_key = await create_employee(db, display_name="Bench User", title="Sales")
        staff = []
        for entry in STAFF:
            name, title = entry.split("/")
            staff.append((await create_employee(db, display_name=name, title=title))[0])
        admin = Caller(id=admin_id, display_name="Bench Admin", is_admin=True)
        fields = []
        for label, kind, mask in FIELDS:
            new = NewCustomFieldDefinition(label=label, field_type=kind, mask=mask)
            fields.append((int((await create_definition(db, admin, new))["id"]), int(kind)))
        async with db.read() as conn:
            stages = (
                await conn.execute(
                    select(stage_t.c.id, stage_t.c.stage_type).order_by(stage_t.c.sort_order)
                )
            ).all()
            currencies = list((await conn.execute(select(currency_t.c.abbreviation))).scalars())
    finally:
        await db.dispose()
    roster = Roster(
        people=[admin_id, user_id, *staff],
        user_id=user_id,
        stage_types={int(s.id): int(s.stage_type) for s in stages},
        currencies=sorted(currencies),
        fields=[
            (fid, kind, SEGMENTS if kind == CustomFieldType.SELECT_BOX else ())
            for fid, kind in fields
            if kind != CustomFieldType.HEADING  # headings hold no values
        ],
    )
    keys = {
        "user_id": str(user_id),
        "user_key": user_key,
        "admin_id": str(admin_id),
        "admin_key": admin_key,
        "field_ids": [fid for fid, _ in fields],
        "stage_ids": [int(s.id) for s in stages],
        "open_stage_id": next(int(s.id) for s in stages if s.stage_type == 0),
    }
    return roster, keys
