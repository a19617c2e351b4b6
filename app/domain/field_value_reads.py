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


_DEFINITION_COLUMNS = (
    custom_field_t.c.id,
    custom_field_t.c.label,
    custom_field_t.c.field_type,
    custom_field_t.c.position,
    custom_field_t.c.mask,
)


def _values_and_definitions() -> Any:
    definitions = custom_field_t.c
    # The values of these deals by their key, and every definition apart (its deal NULL): the
    # definitions say which fields show, and in what order, and a worker keeps them per
    # reference stamp (`stored_values_read` then reads the values alone).
    stored = (
        select(field_value_t.c.opportunity_id, *_DEFINITION_COLUMNS, field_value_t.c.value)
        .join(custom_field_t, definitions.id == field_value_t.c.field_id)
        .where(field_value_t.c.opportunity_id.in_(IDS), definitions.entity_type == "opportunity")
    )
    every = select(
        null().label("opportunity_id"), *_DEFINITION_COLUMNS, null().label("value")
    ).where(definitions.entity_type == "opportunity")
    return union_all(stored, every)


_VALUES_AND_DEFINITIONS = _values_and_definitions()
# A deal's values alone, by the primary key's index: what a page reads once the worker knows
# the definitions.
_STORED_VALUES = select(
    field_value_t.c.opportunity_id, field_value_t.c.field_id, field_value_t.c.value
).where(field_value_t.c.opportunity_id.in_(IDS))


def custom_field_values_read(opportunity_ids: Sequence[int]) -> tuple[Any, dict[str, Any]]:
    """The statement and parameters of `custom_field_values`, for reading it with others."""
    return _VALUES_AND_DEFINITIONS, {"ids": opportunity_ids}


def stored_values_read(opportunity_ids: Sequence[int]) -> tuple[Any, dict[str, Any]]:
    """The deals' stored values alone (`fields_by_deal` shows them with known definitions)."""
    return _STORED_VALUES, {"ids": opportunity_ids}


def definitions_in(rows: Sequence[Row]) -> list[Row]:
    """The definitions a `custom_field_values_read` brought, in display order."""
    found: list[Row] = [
        {column.name: row[column.name] for column in _DEFINITION_COLUMNS}
        for row in rows
        if row["opportunity_id"] is None
    ]
    found.sort(key=lambda d: (d["position"], d["id"]))
    return found


def fields_by_deal(
    definitions: Sequence[Row], values: Sequence[Row], opportunity_ids: Sequence[int]
) -> dict[int, list[Mapping[Any, Any]]]:
    """Each deal's fields as shown: its stored values and every Heading, in display order.

    `definitions` in display order; `values` rows with `opportunity_id`, the field's id (as
    `field_id` or `id`) and `value`. A value of a field that is not a deal's (or is gone) shows
    nowhere; a Heading shows on every deal, without a value.
    """
    stored: dict[int, dict[int, Any]] = defaultdict(dict)
    for row in values:
        field_id = row["field_id"] if "field_id" in row else row["id"]
        stored[row["opportunity_id"]][field_id] = row["value"]
    headings = {d["id"] for d in definitions if d["field_type"] == CustomFieldType.HEADING}
    result: dict[int, list[Mapping[Any, Any]]] = {}
    for opportunity_id in opportunity_ids:
        mine = stored.get(opportunity_id, {})
        shown: list[Mapping[Any, Any]] = []
        for definition in definitions:
            field_id = definition["id"]
            if field_id in headings:
                shown.append({"opportunity_id": opportunity_id, **definition, "value": None})
            elif field_id in mine:
                shown.append(
                    {"opportunity_id": opportunity_id, **definition, "value": mine[field_id]}
                )
        result[opportunity_id] = shown
    return result


def grouped_field_values(
    rows: Sequence[Row], opportunity_ids: Sequence[int]
) -> dict[int, list[Mapping[Any, Any]]]:
    """The rows of `custom_field_values_read` by deal, every Heading in each."""
    stored = [row for row in rows if row["opportunity_id"] is not None]
    return fields_by_deal(definitions_in(rows), stored, opportunity_ids)


async def custom_field_values(
    conn: AsyncConnection, opportunity_ids: Sequence[int]
) -> dict[int, list[Mapping[Any, Any]]]:
    """Each deal's custom fields as shown (spec 4.6): stored values plus every Heading field."""
    statement, params = custom_field_values_read(opportunity_ids)
    return grouped_field_values(await direct.fetch(conn, statement, params), opportunity_ids)
