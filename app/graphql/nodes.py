"""`node(id:)` and `nodes(ids:)`: records by global id, one batched read per type, privacy applied.

Only global ids name a node (a legacy integer does not say its type). An id that is malformed,
of a type that is no Node, of a record that does not exist or of one the caller may not see
answers null: the four cannot be told apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from graphql import GraphQLError
from strawberry import relay

from app.domain import reads
from app.domain.bounds import MAX_BATCH
from app.graphql.context import Info
from app.graphql.error_codes import ErrorCode
from app.graphql.ids import EMPLOYEE, INT_NODES, decode_employee, decode_int, parse_global
from app.graphql.loaders import Row
from app.graphql.prefetch import load_opportunity_relations
from app.graphql.types import Contact, CustomFieldDefinition, Employee, Opportunity, Stage

DEFINITION = "CustomFieldDefinition"
# Node types: how rows become objects.
_BUILD: dict[str, Callable[[Row], relay.Node]] = {
    "Opportunity": Opportunity.from_row,
    "Contact": Contact.from_row,
    "Stage": Stage.from_row,
    "CustomFieldDefinition": CustomFieldDefinition.from_row,
    EMPLOYEE: Employee.from_row,
}


def node_key(value: str) -> tuple[str, Any] | None:
    """(type name, database id) a global id names, or None when it names no Node."""
    parsed = parse_global(value)
    if parsed is None:
        return None
    type_name = parsed[0]
    if type_name == EMPLOYEE:
        employee = decode_employee(value)
        return None if employee is None else (EMPLOYEE, employee)
    for int_node in INT_NODES:
        if type_name == int_node:
            number = decode_int(value, int_node)
            return None if number is None else (int_node, number)
    return None


async def _stages(info: Info, ids: Sequence[int]) -> list[Row | None]:
    stages = info.context.loaders.stages
    return [await stages.get(stage_id) for stage_id in ids]


def _rows(info: Info, type_name: str, ids: Sequence[Any]) -> Awaitable[Sequence[Row | None]]:
    """The rows of one type, by one batched read (the caller's privacy applied)."""
    loaders = info.context.loaders
    if type_name == "Stage":
        return _stages(info, ids)
    loader: Any = {
        "Opportunity": loaders.opportunity_by_id,
        "Contact": loaders.contact_by_id,
        "CustomFieldDefinition": loaders.field_definition_by_id,
        EMPLOYEE: loaders.employee_by_id,
    }[type_name]
    return loader.load_many(ids)  # type: ignore[no-any-return]


async def nodes_by_id(info: Info, ids: Sequence[str]) -> list[relay.Node | None]:
    """The records the global ids name, in order; None for each that names none visible."""
    if len(ids) > MAX_BATCH:
        raise GraphQLError(
            f"nodes takes at most {MAX_BATCH} ids.", extensions={"code": ErrorCode.TOO_LONG.value}
        )
    keys = [node_key(value) for value in ids]
    wanted: dict[str, list[Any]] = {}
    for found in keys:
        if found is not None and found[1] not in wanted.setdefault(found[0], []):
            wanted[found[0]].append(found[1])
    types = list(wanted)
    loaded = await asyncio.gather(*(_rows(info, name, wanted[name]) for name in types))
    rows: dict[tuple[str, Any], Row] = {}
    for name, type_rows in zip(types, loaded, strict=True):
        for record_id, row in zip(wanted[name], type_rows, strict=True):
            if row is not None:
                rows[(name, record_id)] = row
    opportunities = [row for found, row in rows.items() if found[0] == "Opportunity"]
    if opportunities:
        await load_opportunity_relations(info, opportunities)
    counts = await _value_counts(info, [k[1] for k in rows if k[0] == DEFINITION])
    return [
        _build(found, rows[found], counts) if found is not None and found in rows else None
        for found in keys
    ]


async def _value_counts(info: Info, definition_ids: list[int]) -> dict[int, int]:
    """The valueCount of each definition, in one read, so that no definition reads its own."""
    if not definition_ids:
        return {}
    async with info.context.db.read() as conn:
        return await reads.field_value_counts(conn, info.context.caller, definition_ids)


def _build(found: tuple[str, Any], row: Row, counts: dict[int, int]) -> relay.Node:
    if found[0] == DEFINITION:
        return CustomFieldDefinition.from_row(row, value_count=counts.get(found[1], 0))
    return _BUILD[found[0]](row)
