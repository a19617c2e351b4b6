"""Privacy rules (spec 7): who may see and change deals and contacts."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, exists, or_, true

from app.db.models import access_t, contact_access_t, contact_t, opportunity_t
from app.domain.caller import Caller
from app.domain.enums import ShareType


def opportunity_visible(caller: Caller) -> ColumnElement[bool]:
    """SQL condition: the caller may read the deal (admin, public, or on its access list)."""
    if caller.is_admin:
        return true()
    on_list = exists().where(
        and_(
            access_t.c.opportunity_id == opportunity_t.c.id,
            access_t.c.employee_id == caller.id,
        )
    )
    return or_(opportunity_t.c.is_private.is_(False), on_list)


def contact_readable(caller: Caller) -> ColumnElement[bool]:
    """SQL condition: the caller may read the contact (admin, shared, or on its access list)."""
    if caller.is_admin:
        return true()
    on_list = exists().where(
        and_(
            contact_access_t.c.contact_id == contact_t.c.id,
            contact_access_t.c.employee_id == caller.id,
        )
    )
    return or_(contact_t.c.share_type != int(ShareType.NONE), on_list)


def readable_contact_ids(caller: Caller, ids: Collection[int]) -> ColumnElement[bool]:
    """SQL condition: the contact is one of `ids` and readable by the caller."""
    return and_(contact_t.c.id.in_(ids), contact_readable(caller))


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
