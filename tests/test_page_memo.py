"""Kept page statements answer what a freshly built statement does, caller by caller."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from app.db.engine import Database
from app.domain import listing
from app.domain.listing import OpportunityFilter, OpportunitySort
from app.domain.page_memo import MAX_KEPT_PAGES, kept_pages
from app.domain.paging import Page, PageRequest
from tests.factories import Person, opportunity_via_domain

STAGES = (1, 3, 8)


@pytest.fixture
async def deals(db: Database, user: Person, other: Person) -> list[int]:
    """Twelve deals over three stages, two owners, some private."""
    made = []
    for n in range(12):
        owner = user if n % 3 else other
        made.append(
            await opportunity_via_domain(
                db,
                as_=owner,
                title=f"Deal {n:02d}",
                stage_id=STAGES[n % 3],
                bid_value=Decimal(100 * (12 - n)),
                is_private=n % 4 == 0,
                access_list=[owner.id] if n % 4 == 0 else [],
            )
        )
    return made


def shown(page: Page) -> dict[str, Any]:
    return {
        "ids": [row["id"] for row in page.rows],
        "titles": [row["title"] for row in page.rows],
        "cursors": page.cursors,
        "next": page.has_next,
        "previous": page.has_previous,
        "total": page.total,
    }


async def read(db: Database, caller: Person, **arguments: Any) -> Page:
    return await listing.opportunity_page(db=db, caller=caller.caller, **arguments)


ORDERS = [
    [],
    [(OpportunitySort.TITLE, True)],
    [(OpportunitySort.BID_VALUE, False), (OpportunitySort.TITLE, False)],
    [(OpportunitySort.RESPONSIBLE, False)],
]


@pytest.mark.parametrize("order", ORDERS, ids=["default", "title desc", "bid", "responsible"])
@pytest.mark.parametrize("with_total", [False, True], ids=["rows", "total"])
async def test_a_kept_page_equals_a_built_one(
    db: Database,
    user: Person,
    deals: list[int],
    order: Any,
    with_total: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reused: list[int] = []
    read_kept = listing.read_kept_page

    async def counted(*args: Any, **kwargs: Any) -> Page:
        reused.append(1)
        return await read_kept(*args, **kwargs)

    monkeypatch.setattr(listing, "read_kept_page", counted)
    wheres = [OpportunityFilter(), OpportunityFilter(stage_id=3)]
    for where in wheres:
        first = PageRequest(first=4)
        arguments = {"where": where, "order": order, "with_total": with_total}
        built = await read(db, user, page=first, **arguments)
        kept = await read(db, user, page=first, **arguments)
        assert shown(kept) == shown(built)
        assert built.rows  # the page is not empty: the comparison says something
        # The following page, and the one before it, by cursor: built each time, the same.
        after = PageRequest(first=4, after=built.cursors[-1])
        before = PageRequest(last=2, before=built.cursors[-1])
        for request in (after, before):
            once = await read(db, user, page=request, **arguments)
            again = await read(db, user, page=request, **arguments)
            assert shown(again) == shown(once)
    assert len(reused) == len(wheres)  # every first page's second read ran a kept statement


async def test_each_caller_has_its_own_kept_page(
    db: Database, user: Person, other: Person, admin: Person, deals: list[int]
) -> None:
    first = {"where": OpportunityFilter(), "order": [], "with_total": True}
    pages = {}
    for person in (user, other, admin, user, other, admin):
        pages.setdefault(person.caller.id, []).append(
            shown(await read(db, person, page=PageRequest(first=20), **first))
        )
    for seen in pages.values():
        assert seen[0] == seen[1]
    users, others, admins = (pages[p.caller.id][0] for p in (user, other, admin))
    assert len(admins["ids"]) == 12
    # Private deals are their owners' only: each sees their own and no one else's.
    assert set(users["ids"]) != set(others["ids"])
    assert len(users["ids"]) < 12
    assert len(others["ids"]) < 12


async def test_a_kept_page_reads_the_data_of_now(
    db: Database, user: Person, deals: list[int]
) -> None:
    arguments = {"where": OpportunityFilter(), "order": [], "with_total": True}
    before = await read(db, user, page=PageRequest(first=50), **arguments)
    again = await read(db, user, page=PageRequest(first=50), **arguments)
    assert shown(again) == shown(before)
    made = await opportunity_via_domain(db, as_=user, title="Deal new", stage_id=1)
    after = await read(db, user, page=PageRequest(first=50), **arguments)
    assert made in [row["id"] for row in after.rows]
    assert after.total == (before.total or 0) + 1


async def test_an_offset_page_is_not_kept(db: Database, user: Person, deals: list[int]) -> None:
    kept_pages(db).clear()
    await read(
        db,
        user,
        page=PageRequest(first=3, offset=2),
        where=OpportunityFilter(),
        order=[],
        with_total=False,
    )
    assert not kept_pages(db)


async def test_few_pages_are_kept(db: Database, user: Person, deals: list[int]) -> None:
    arguments = {"where": OpportunityFilter(), "order": [], "with_total": False}
    for size in range(1, MAX_KEPT_PAGES + 10):
        await read(db, user, page=PageRequest(first=size), **arguments)
        assert len(kept_pages(db)) <= MAX_KEPT_PAGES
    page = await read(db, user, page=PageRequest(first=5), **arguments)
    assert len(page.rows) == 5
