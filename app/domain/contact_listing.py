"""Filtered, ordered, paged lists of contacts: `contacts(filter, orderBy)` and GraphiQL pickers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, case, func, select

from app.db.engine import Database
from app.db.models import contact_t
from app.domain.access import contact_readable
from app.domain.caller import Caller
from app.domain.enums import ShareType
from app.domain.listing import order_terms
from app.domain.page_query import fetch_page
from app.domain.paging import Page, PageRequest, SortKey
from app.domain.search import search_words, word_start


class ContactSort(StrEnum):
    """What contacts can be ordered by."""

    DISPLAY_NAME = "display_name"
    CREATED = "created"
    ID = "id"


@dataclass(frozen=True, kw_only=True)
class ContactFilter:
    """Conditions a contact must meet."""

    search: str | None = None
    is_company: bool | None = None
    is_shared: bool | None = None  # shared (read or read-write) or private
    created_from: datetime | None = None
    created_to: datetime | None = None


def contact_display_name() -> ColumnElement[str]:
    """The name a contact is shown and sorted by."""
    person = func.trim(
        func.coalesce(contact_t.c.first_name, "") + " " + func.coalesce(contact_t.c.last_name, "")
    )
    return case(
        (contact_t.c.is_company.is_(True), func.coalesce(contact_t.c.company_name, "")),
        else_=person,
    )


async def contact_page(
    *,
    db: Database,
    caller: Caller,
    where: ContactFilter,
    order: Sequence[tuple[ContactSort, bool]],
    page: PageRequest,
    with_total: bool,
) -> Page:
    """One page of the contacts the caller may read."""
    order_terms(order)
    order = list(order or ((ContactSort.DISPLAY_NAME, False),))
    keys = []
    for sort, descending in order:
        if sort is ContactSort.DISPLAY_NAME:
            keys.append(SortKey(func.lower(contact_display_name()), descending, "str"))
        elif sort is ContactSort.CREATED:
            keys.append(SortKey(contact_t.c.created_at, descending, "datetime"))
        else:
            keys.append(SortKey(contact_t.c.id, descending, "int"))
    if all(sort is not ContactSort.ID for sort, _ in order):
        keys.append(SortKey(contact_t.c.id, order[-1][1], "int"))
    conditions = [contact_readable(caller)]
    if where.is_company is not None:
        conditions.append(contact_t.c.is_company.is_(where.is_company))
    if where.is_shared is not None:
        private = int(ShareType.NONE)
        shared = contact_t.c.share_type
        conditions.append(shared != private if where.is_shared else shared == private)
    if where.created_from is not None:
        conditions.append(contact_t.c.created_at >= where.created_from)
    if where.created_to is not None:
        conditions.append(contact_t.c.created_at <= where.created_to)
    if words := search_words(where.search):
        conditions.append(word_start([contact_display_name()], words))
    query = select(contact_t).where(*conditions)
    async with db.read() as conn:
        return await fetch_page(conn, query, keys, page, with_total=with_total)
