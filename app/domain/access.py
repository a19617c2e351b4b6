"""Privacy rules (spec 7): who may see and change deals and contacts."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, literal_column, or_, select, true

from app.db.models import access_t, contact_access_t, contact_t, employee_t, opportunity_t
from app.domain.caller import Caller
from app.domain.enums import ShareType

# A prepared statement's caller: bound at execution with `caller_params`.
CALLER_ID = bindparam("caller_id", type_=employee_t.c.id.type)


def caller_params(caller: Caller) -> dict[str, Any]:
    """The execution parameters of a statement built with `caller=None` conditions."""
    return {"caller_id": caller.id}


def _caller_id(caller: Caller | None) -> Any:
    return CALLER_ID if caller is None else caller.id


def _open_or_listed(
    caller: Caller | None,
    admin: bool,
    *,
    open_to_all: ColumnElement[bool],
    listed: ColumnElement[bool],
    holder: ColumnElement[Any],
) -> ColumnElement[bool]:
    """All for an admin; else `open_to_all`, or the caller as the `holder` of a `listed` row."""
    if caller is not None:
        admin = caller.is_admin
    if admin:
        return true()
    # OFFSET 0 keeps PostgreSQL from turning the EXISTS into a hash of the caller's whole list
    # (tens of thousands of entries at a million deals) to check the few rows a page reads.
    on_list: Select[Any] = select(literal_column("1")).where(listed, holder == _caller_id(caller))
    return or_(open_to_all, on_list.offset(0).exists())


def opportunity_visible(caller: Caller | None, *, admin: bool = False) -> ColumnElement[bool]:
    """SQL condition: the caller may read the deal (admin, public, or on its access list).

    With `caller=None` it is built once for a prepared statement: `admin` says whose, and the
    caller's id is bound at execution (`caller_params`).
    """
    return _open_or_listed(
        caller,
        admin,
        open_to_all=opportunity_t.c.is_private.is_(False),
        listed=access_t.c.opportunity_id == opportunity_t.c.id,
        holder=access_t.c.employee_id,
    )


def contact_readable(caller: Caller | None, *, admin: bool = False) -> ColumnElement[bool]:
    """SQL condition: the caller may read the contact (admin, shared, or on its access list).

    `caller=None` builds it for a prepared statement, as `opportunity_visible`.
    """
    return _open_or_listed(
        caller,
        admin,
        open_to_all=contact_t.c.share_type != int(ShareType.NONE),
        listed=contact_access_t.c.contact_id == contact_t.c.id,
        holder=contact_access_t.c.employee_id,
    )


def can_edit_opportunity(
    caller: Caller,
    *,
    responsible_id: uuid.UUID,
    created_by: uuid.UUID | None,
    is_private: bool,
    access_ids: Collection[uuid.UUID],
) -> bool:
    """Admins, the responsible, the creator, anyone on a public deal, or its access list."""
    return (
        caller.is_admin
        or not is_private
        or caller.id in (responsible_id, created_by)
        or caller.id in access_ids
    )


def can_edit_contact(
    caller: Caller,
    *,
    share_type: int,
    created_by: uuid.UUID | None,
    access_ids: Collection[uuid.UUID],
) -> bool:
    """Admins, the creator, anyone on a read-write shared contact, or its access list."""
    if caller.is_admin or caller.id == created_by:
        return True
    if share_type == ShareType.READ_WRITE:
        return True
    return share_type == ShareType.NONE and caller.id in access_ids
