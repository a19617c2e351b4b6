"""Contacts: the people and companies deals refer to."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, insert, select, union, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.engine import Database
from app.db.models import (
    contact_access_t,
    contact_t,
    employee_t,
    member_t,
    opportunity_t,
    utcnow,
)
from app.domain.access import can_edit_contact, contact_readable
from app.domain.bounds import access_list_errors
from app.domain.caller import Caller
from app.domain.contact_checks import (
    currency_error,
    kind_errors,
    length_errors,
    new_contact_errors,
)
from app.domain.enums import ShareType
from app.domain.errors import (
    MSG_ACCESS_DENIED,
    DomainError,
    ErrorCode,
    check_version,
    found_or_refused,
)
from app.domain.events import CONTACT_REMOVED, EventKind, note
from app.domain.opportunity_parts import written

MSG_NOT_FOUND = "The contact is not found."


@dataclass(frozen=True, kw_only=True)
class NewContact:
    """A person (first and last name) or a company (company name)."""

    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    title: str | None = None
    share_type: ShareType = ShareType.READ_WRITE
    access_list: Sequence[uuid.UUID] = ()
    currency_abbr: str | None = None


def display_name(row: Mapping[Any, Any]) -> str:
    """'First Last' for a person, the company name for a company."""
    if row["is_company"]:
        return str(row["company_name"] or "")
    # Read for every contact of a page: no generator, no join.
    first, last = row["first_name"], row["last_name"]
    if first and last:
        return f"{first} {last}"
    return str(first or last or "")


async def create_contact(*, db: Database, caller: Caller, new: NewContact) -> Mapping[Any, Any]:
    """Store a contact; a private one (share type NONE) is visible to its list and its creator."""
    errors = new_contact_errors(new) + access_list_errors(
        new.access_list, caller.id, is_private=new.share_type == ShareType.NONE
    )
    currency = (new.currency_abbr or "").upper() or None
    async with db.write() as conn:
        if currency and (bad := await currency_error(conn, currency)):
            errors.append(bad)
        if errors:
            raise DomainError(errors)
        now = utcnow()
        is_company = not (new.first_name or new.last_name)
        inserted = await conn.execute(
            insert(contact_t)
            .values(
                is_company=is_company,
                **_columns(new, is_company=is_company, currency=currency),
                created_at=now,
                created_by=caller.id,
                updated_at=now,
                updated_by=caller.id,
            )
            .returning(*contact_t.c)
        )
        row = inserted.mappings().one()
        if new.share_type == ShareType.NONE:
            await _grant(conn, row["id"], [*new.access_list, caller.id])
    return row


def _columns(new: NewContact, *, is_company: bool, currency: str | None) -> dict[str, Any]:
    """The columns a create or an update takes from the input; the kind decides the names."""
    return {
        "first_name": None if is_company else (new.first_name or "").strip(),
        "last_name": None if is_company else (new.last_name or "").strip(),
        "company_name": (new.company_name or "").strip() if is_company else None,
        "title": new.title or None,
        "share_type": int(new.share_type),
        "currency_abbr": currency,
    }


async def _grant(conn: AsyncConnection, contact_id: int, wanted: Sequence[uuid.UUID]) -> None:
    """Put the listed employees on a contact's access list; unknown ids drop out."""
    requested = list(dict.fromkeys(wanted))
    known = set(
        (
            await conn.execute(select(employee_t.c.id).where(employee_t.c.id.in_(requested)))
        ).scalars()
    )
    await conn.execute(
        insert(contact_access_t),
        [{"contact_id": contact_id, "employee_id": uid} for uid in requested if uid in known],
    )


async def _editable(conn: AsyncConnection, caller: Caller, contact_id: int) -> Mapping[Any, Any]:
    """The contact, locked for the change; NOT_FOUND when hidden, FORBIDDEN when read-only."""
    row = (
        (
            await conn.execute(
                select(contact_t)
                .where(contact_t.c.id == contact_id, contact_readable(caller))
                .with_for_update(of=contact_t)
            )
        )
        .mappings()
        .first()
    )
    row = found_or_refused(row, MSG_NOT_FOUND)
    holders = await conn.execute(
        select(contact_access_t.c.employee_id).where(contact_access_t.c.contact_id == contact_id)
    )
    if not can_edit_contact(
        caller,
        share_type=row["share_type"],
        created_by=row["created_by"],
        access_ids=set(holders.scalars()),
    ):
        raise DomainError.one(ErrorCode.FORBIDDEN, "id", MSG_ACCESS_DENIED)
    return row


async def _replace_access(
    conn: AsyncConnection,
    contact_id: int,
    wanted: Sequence[uuid.UUID],
) -> None:
    await conn.execute(delete(contact_access_t).where(contact_access_t.c.contact_id == contact_id))
    if wanted:
        await _grant(conn, contact_id, wanted)


async def update_contact(
    *,
    db: Database,
    caller: Caller,
    contact_id: int,
    new: NewContact,
    expected_version: int | None = None,
) -> Mapping[Any, Any]:
    """Replace a contact's fields, as createContact sets them; a person stays a person.

    A private contact's access list is replaced by the given one plus its creator and the
    caller; a shared contact has none. CONFLICT, after NOT_FOUND and FORBIDDEN, when
    `expected_version` is given and is not the stored one.
    """
    currency = (new.currency_abbr or "").upper() or None
    async with db.write() as conn:
        stored = await _editable(conn, caller, contact_id)
        check_version(stored, expected_version)
        is_company = bool(stored["is_company"])
        errors = kind_errors(new, is_company=is_company) + length_errors(new)
        errors += access_list_errors(
            new.access_list, caller.id, is_private=new.share_type == ShareType.NONE
        )
        if currency and (bad := await currency_error(conn, currency)):
            errors.append(bad)
        if errors:
            raise DomainError(errors)
        updated = await conn.execute(
            update(contact_t)
            .where(contact_t.c.id == contact_id)
            .values(
                **_columns(new, is_company=is_company, currency=currency),
                updated_at=utcnow(),
                updated_by=caller.id,
                version=contact_t.c.version + 1,
            )
            .returning(*contact_t.c)
        )
        row = updated.mappings().one()
        holders: list[uuid.UUID] = []
        if new.share_type == ShareType.NONE:
            keep = [uid for uid in (stored["created_by"], caller.id) if uid is not None]
            holders = [*new.access_list, *keep]
        await _replace_access(conn, contact_id, holders)
    return row


def _deals_of(contact_id: int) -> Any:
    """The ids of the deals a contact is the primary contact or a member of: two index reads."""
    return union(
        select(opportunity_t.c.id).where(opportunity_t.c.contact_id == contact_id),
        select(member_t.c.opportunity_id).where(member_t.c.contact_id == contact_id),
    )


async def delete_contact(*, db: Database, caller: Caller, contact_id: int) -> int:
    """Delete a contact, its memberships and its place as primary contact; returns its id."""
    async with db.write() as conn:
        await _editable(conn, caller, contact_id)
        # The deals it was the primary contact or a member of change: one write to each.
        changed = await conn.execute(
            update(opportunity_t)
            .where(opportunity_t.c.id.in_(_deals_of(contact_id)))
            .values(
                contact_id=case(
                    (opportunity_t.c.contact_id == contact_id, None),
                    else_=opportunity_t.c.contact_id,
                ),
                **written(caller, utcnow()),
            )
            .returning(opportunity_t.c.id, opportunity_t.c.version)
        )
        for deal in changed.mappings():
            note(conn, EventKind.UPDATED, deal, CONTACT_REMOVED)
        await conn.execute(delete(member_t).where(member_t.c.contact_id == contact_id))
        await conn.execute(
            delete(contact_access_t).where(contact_access_t.c.contact_id == contact_id)
        )
        await conn.execute(delete(contact_t).where(contact_t.c.id == contact_id))
    return contact_id
