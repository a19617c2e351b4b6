"""Who may see a deal: made private to a list, or public, by administrators and its creator.

These changes do not go through canEdit: as in the original (spec 2.5, step 5), only owning
the deal counts, and no notices are queued.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.engine import Database
from app.db.models import utcnow
from app.domain.bounds import MAX_BATCH, access_list_errors, batch_errors
from app.domain.caller import Caller
from app.domain.errors import DomainError, ErrorCode
from app.domain.listing import OpportunityFilter, opportunity_ids_where
from app.domain.opportunity_locks import visible_opportunities, visible_opportunity
from app.domain.opportunity_parts import access_holders, replace_access

Row = Mapping[Any, Any]
MSG_ACCESS_OWNERS_ONLY = "Only administrators and the deal's creator can change who may see it."


def owns_access(caller: Caller, opportunity: Row) -> bool:
    """Only administrators and the creator may change who sees a deal (spec 2.5, step 5)."""
    return caller.is_admin or opportunity["created_by"] == caller.id


async def set_access(
    *,
    db: Database,
    caller: Caller,
    opportunity_id: int,
    is_private: bool,
    access_list: Sequence[uuid.UUID],
) -> Row:
    """Make a deal private to a list (the caller added) or public; administrators and creator."""
    if errors := access_list_errors(access_list, caller.id, is_private=is_private):
        raise DomainError(errors)
    async with db.write() as conn:
        stored = await visible_opportunity(conn, caller, opportunity_id)
        if not owns_access(caller, stored):
            raise DomainError.one(ErrorCode.FORBIDDEN, "id", MSG_ACCESS_OWNERS_ONLY)
        holders = await access_holders(conn, caller, is_private=is_private, access_list=access_list)
        [row] = await replace_access(conn, caller, [opportunity_id], holders, now=utcnow())
        return row


async def set_access_many(
    *,
    db: Database,
    caller: Caller,
    ids: Sequence[int],
    is_private: bool,
    access_list: Sequence[uuid.UUID],
) -> list[Row]:
    """set_access for each listed deal the caller may see and owns; the others are skipped.

    Returns the changed deals, in the order listed; none listed changes nothing, as the
    original's SetAccessToBatchDeal of no ids.
    """
    if not ids:
        return []
    errors = batch_errors(ids) + access_list_errors(access_list, caller.id, is_private=is_private)
    if errors:
        raise DomainError(errors)
    async with db.write() as conn:
        return await _replace_owned(conn, caller, ids, is_private, access_list)


async def set_access_where(
    *,
    db: Database,
    caller: Caller,
    where: OpportunityFilter,
    is_private: bool,
    access_list: Sequence[uuid.UUID],
) -> list[Row]:
    """set_access for every deal meeting `where` that the caller may see and owns.

    The original's PUT opportunity/filter/access; an empty filter means every deal. More than
    MAX_BATCH matching deals change none (TOO_LONG). Returns the changed deals in list order.
    """
    if errors := access_list_errors(access_list, caller.id, is_private=is_private):
        raise DomainError(errors)
    async with db.write() as conn:
        ids = await batch_where(conn, caller, where)
        return await _replace_owned(conn, caller, ids, is_private, access_list)


async def batch_where(conn: AsyncConnection, caller: Caller, where: OpportunityFilter) -> list[int]:
    """The ids of the deals the caller sees that meet `where`; TOO_LONG over MAX_BATCH."""
    ids = await opportunity_ids_where(conn, caller, where, limit=MAX_BATCH + 1)
    if len(ids) > MAX_BATCH:
        # All or nothing: changing a part would leave the caller guessing what changed.
        raise DomainError.one(
            ErrorCode.TOO_LONG,
            "filter",
            f"More than {MAX_BATCH} opportunities match; narrow the filter.",
        )
    return list(ids)


async def _replace_owned(
    conn: AsyncConnection,
    caller: Caller,
    ids: Sequence[int],
    is_private: bool,
    access_list: Sequence[uuid.UUID],
) -> list[Row]:
    """Who may see those of `ids` the caller may see and owns; the others are skipped."""
    visible = await visible_opportunities(conn, caller, ids)
    owned = [row["id"] for row in visible if owns_access(caller, row)]
    holders = await access_holders(conn, caller, is_private=is_private, access_list=access_list)
    return await replace_access(conn, caller, owned, holders, now=utcnow())
