"""How much one thing may hold or one request may name: the caps that keep work finite.

Every list an answer can contain has a cap here, enforced where the list is written, so the
worst case of any document can be computed before it runs (`app.graphql.cost`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.domain.errors import DomainError, ErrorCode, FieldError

MAX_MEMBERS = 100  # contacts on a deal, its primary contact included
MAX_ACCESS_LIST = 100  # employees a private deal or contact is shared with, the creator included
MAX_FIELD_DEFINITIONS = 100  # custom-field definitions (headings included) per kind of entity
MAX_STAGES = 100  # stages of the pipeline
MAX_EMPLOYEES = 10_000  # people of the portal
MAX_CURRENCIES = 200  # seeded reference data; 74 today
MAX_BATCH = 1000  # deals one batch change names, or one filtered delete may match
MAX_USER_ERRORS = 50  # refusals one payload lists
MAX_SEARCH_LENGTH = 200  # characters of a search
MAX_SEARCH_WORDS = 10  # words of a search
MAX_ORDER_TERMS = 8  # terms of an orderBy


def over_cap(field: str, count: int, cap: int, what: str) -> list[FieldError]:
    """TOO_LONG when `count` things exceed `cap`; `what` names them for the message."""
    if count <= cap:
        return []
    return [FieldError(ErrorCode.TOO_LONG, field, f"At most {cap} {what}; {count} were given.")]


def member_errors(members: Sequence[int], contact_id: int | None) -> list[FieldError]:
    """A deal's members, its primary contact included, within MAX_MEMBERS."""
    wanted = {*members, *([contact_id] if contact_id and contact_id > 0 else [])}
    return over_cap("members", len(wanted), MAX_MEMBERS, "members, the primary contact included")


def access_list_errors(
    access_list: Sequence[uuid.UUID], caller_id: uuid.UUID, *, is_private: bool
) -> list[FieldError]:
    """A private thing's access list, its creator included, within MAX_ACCESS_LIST."""
    if not (is_private and access_list):
        return []
    holders = {*access_list, caller_id}
    return over_cap("accessList", len(holders), MAX_ACCESS_LIST, "people, yourself included")


def custom_value_errors(values: Sequence[tuple[int, Any]]) -> list[FieldError]:
    """No more distinct custom fields than there can be definitions."""
    fields = {field_id for field_id, _ in values}
    return over_cap("customFields", len(fields), MAX_FIELD_DEFINITIONS, "custom fields")


def batch_errors(ids: Sequence[Any], field: str = "ids") -> list[FieldError]:
    """A batch change names at most MAX_BATCH things."""
    return over_cap(field, len(set(ids)), MAX_BATCH, "items in one batch")


async def ensure_room(
    conn: AsyncConnection, table: Table, cap: int, what: str, **where: Any
) -> None:
    """Refuse (TOO_LONG) adding a row to `table` when it already holds `cap` rows like it."""
    counted = select(func.count()).select_from(table)
    for column, value in where.items():
        counted = counted.where(table.c[column] == value)
    held = (await conn.execute(counted)).scalar_one()
    if held >= cap:
        raise DomainError.one(ErrorCode.TOO_LONG, None, f"There can be at most {cap} {what}.")
