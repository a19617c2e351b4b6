"""Each deal's custom fields as shown: its stored values and every Heading field."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import BindParameter, bindparam, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import direct
from app.db.models import custom_field_t, field_value_t
from app.domain.enums import CustomFieldType

Row = Mapping[str, Any]
IDS: BindParameter[Any] = bindparam("ids", expanding=True)


def _custom_field_values() -> Any:
    definitions = custom_field_t.c
    columns = (
        definitions.id,
        definitions.label,
        definitions.field_type,
        definitions.position,
        definitions.mask,
    )
    # The values of these deals by their key, and every Heading apart: an OR across the
    # outer join read every stored value.
    stored = (
        select(field_value_t.c.opportunity_id, *columns, field_value_t.c.value)
        .join(custom_field_t, definitions.id == field_value_t.c.field_id)
        .where(field_value_t.c.opportunity_id.in_(IDS), definitions.entity_type == "opportunity")
    )
    headings = select(null().label("opportunity_id"), *columns, null().label("value")).where(
        definitions.entity_type == "opportunity",
        definitions.field_type == int(CustomFieldType.HEADING),
    )
    both = union_all(stored, headings).subquery()
    return select(both).order_by(both.c.position, both.c.id)


_CUSTOM_FIELD_VALUES = _custom_field_values()


def custom_field_values_read(opportunity_ids: Sequence[int]) -> tuple[Any, dict[str, Any]]:
    """The statement and parameters of `custom_field_values`, for reading it with others."""
    return _CUSTOM_FIELD_VALUES, {"ids": opportunity_ids}


def grouped_field_values(
    rows: Sequence[Row], opportunity_ids: Sequence[int]
) -> dict[int, list[Mapping[Any, Any]]]:
    """The rows of `custom_field_values_read` by deal, every Heading in each."""
    grouped: dict[int, list[Mapping[Any, Any]]] = defaultdict(list)
    headings: dict[int, Mapping[Any, Any]] = {}
    for row in rows:
        if row["field_type"] == CustomFieldType.HEADING:
            headings.setdefault(row["id"], row)
            continue
        grouped[row["opportunity_id"]].append(row)
    if not headings:
        return {
            opportunity_id: grouped.get(opportunity_id, []) for opportunity_id in opportunity_ids
        }
    result: dict[int, list[Mapping[Any, Any]]] = {}
    for opportunity_id in opportunity_ids:
        merged = [
            *grouped.get(opportunity_id, []),
            *({**h, "value": None, "opportunity_id": opportunity_id} for h in headings.values()),
        ]
        merged.sort(key=lambda r: (r["position"], r["id"]))
        result[opportunity_id] = merged
    return result


async def custom_field_values(
    conn: AsyncConnection, opportunity_ids: Sequence[int]
) -> dict[int, list[Mapping[Any, Any]]]:
    """Each deal's custom fields as shown (spec 4.6): stored values plus every Heading field."""
    statement, params = custom_field_values_read(opportunity_ids)
    return grouped_field_values(await direct.fetch(conn, statement, params), opportunity_ids)
