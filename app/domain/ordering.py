"""Storing a new order of the rows of a reference table (stages, custom fields)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.domain.caller import Caller


async def store_order(
    conn: AsyncConnection,
    table: Table,
    column: str,
    ids: Sequence[int],
    *,
    start: int,
    caller: Caller,
    now: datetime,
) -> list[Mapping[Any, Any]]:
    """Give each of `ids` its index (counted from `start`) in `column`; returns them in order.

    The table is short: reading every row back avoids an IN list as long as the input.
    """
    if not ids:
        return []
    await conn.execute(
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(
            {
                column: bindparam("new_position"),
                "updated_at": now,
                "updated_by": caller.id,
                "version": table.c.version + 1,
            }
        ),
        [{"row_id": row_id, "new_position": index} for index, row_id in enumerate(ids, start)],
    )
    rows = {row["id"]: row for row in (await conn.execute(select(table))).mappings()}
    return [rows[row_id] for row_id in ids]
