"""Filtered lists read stage by stage page as a plain sort of the visible rows would, both ways.

A responsible's list walks each stage's index range of that employee; a close-date window reads
each stage by its close-date index when the window is rare there and walks the stage's order
otherwise (the bound is lowered here so that one list holds both kinds of stage). The oracle is
the table read whole and sorted in Python, with the privacy rule applied by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from app.db.engine import Database
from app.db.models import access_t, opportunity_t, stage_t
from app.domain import close_dates
from tests.conftest import GraphQL, Person
from tests.factories import opportunity_via_domain
from tests.paging import PAGE_OF_IDS, walk_pages
from tests.statements import counting as _statements

NO_DATE = datetime(1, 1, 1, tzinfo=UTC)
# Letters only: every back end's collation orders them as Python does once lower-cased.
TITLES = ["apple", "Apple", "banana", "Cherry", "cherry", "date", "Elder", "fig", "Grape"]
DEFAULT: list[Any] = []
STAGE_DESC = [{"field": "STAGE", "direction": "DESC"}, {"field": "TITLE", "direction": "DESC"}]
WINDOWS: list[dict[str, Any]] = [
    {"closeDateFrom": "2024-05-01T00:00:00Z", "closeDateTo": "2024-05-31T23:59:59Z"},
    {"closeDateTo": "2024-05-31T23:59:59Z"},  # unset dates count as the earliest: inside
    {"closeDateFrom": "2024-05-15T00:00:00Z"},
]


@dataclass(frozen=True)
class Row:
    """One deal as the oracle sees it."""

    id: int
    title: str
    sort_order: int
    responsible: Any
    closes: datetime


async def _visible(db: Database, who: Person) -> list[Row]:
    """Every deal `who` may see: admins all, others public ones and those listing them."""
    async with db.read() as conn:
        stages = {s.id: (s.sort_order, s.stage_type) for s in await conn.execute(select(stage_t))}
        pairs = select(access_t.c.opportunity_id, access_t.c.employee_id)
        holders = {(row[0], row[1]) for row in await conn.execute(pairs)}
        deals = (await conn.execute(select(opportunity_t))).mappings().all()
    found = []
    for deal in deals:
        if deal["is_private"] and not who.caller.is_admin and (deal["id"], who.id) not in holders:
            continue
        sort_order, stage_type = stages[deal["stage_id"]]
        date = deal["expected_close_date"] if stage_type == 0 else deal["actual_close_date"]
        found.append(
            Row(deal["id"], deal["title"], sort_order, deal["responsible_id"], date or NO_DATE)
        )
    return found


def _in_stage_order(rows: list[Row], order: list[Any]) -> list[int]:
    descending = order == STAGE_DESC
    ordered = sorted(rows, key=lambda r: (r.sort_order, r.title.lower(), r.id), reverse=descending)
    return [r.id for r in ordered]


def _inside(row: Row, window: dict[str, Any]) -> bool:
    start, end = window.get("closeDateFrom"), window.get("closeDateTo")
    return (start is None or row.closes >= datetime.fromisoformat(start)) and (
        end is None or row.closes <= datetime.fromisoformat(end)
    )


async def _assert_pages(
    gql: GraphQL, who: Person, order: list[Any], where: dict[str, Any], expected: list[int]
) -> None:
    forward = await walk_pages(gql, who, order, backward=False, filter_=where)
    backward = await walk_pages(gql, who, order, backward=True, filter_=where)
    assert forward == expected, (order, where)
    assert backward == expected, (order, where)


async def _deals(db: Database, user: Person, other: Person) -> None:
    """Deals at open, won and lost stages, both employees', some private, dates in and out."""
    may = [None, "2024-05-03", "2024-05-20", "2024-05-20", "2024-04-30", "2024-06-01"]
    for n in range(40):
        stage = [1, 1, 2, 8, 1, 9, 8, 3][n % 8]
        expected, actual = may[n % 6], may[(n * 5 + 1) % 6]
        private = n % 5 == 0
        await opportunity_via_domain(
            db,
            as_=other,
            title=TITLES[n % len(TITLES)],
            stage_id=stage,
            responsible_id=(user.id, other.id, user.id)[n % 3],
            expected_close_date=None
            if expected is None
            else datetime.fromisoformat(expected + "T10:00:00+00:00"),
            actual_close_date=None
            if actual is None
            else datetime.fromisoformat(actual + "T10:00:00+00:00"),
            is_private=private,
            access_list=[user.id] if private and n % 10 == 0 else [],
        )


@pytest.mark.parametrize("who", ["user", "admin"])
async def test_a_responsible_list_pages_as_the_sorted_rows_in_every_order(
    db: Database, gql: GraphQL, user: Person, other: Person, admin: Person, who: str
) -> None:
    # given
    await _deals(db, user, other)
    caller = user if who == "user" else admin
    rows = await _visible(db, caller)

    for person in (user, other):
        mine = [r for r in rows if r.responsible == person.id]
        where = {"responsibleId": str(person.id)}
        # when / then: stage orders walk the employee's stages; title order is one sorted range
        for order in (DEFAULT, STAGE_DESC):
            await _assert_pages(gql, caller, order, where, _in_stage_order(mine, order))
        by_title = sorted(mine, key=lambda r: (r.title.lower(), r.id))
        title_order = [{"field": "TITLE", "direction": "ASC"}]
        await _assert_pages(gql, caller, title_order, where, [r.id for r in by_title])


@pytest.mark.parametrize("rare_below", [0, 3, 1000], ids=["all-walked", "mixed", "all-by-date"])
@pytest.mark.parametrize("who", ["user", "admin"])
async def test_a_close_date_window_pages_as_the_sorted_rows(
    db: Database,
    gql: GraphQL,
    user: Person,
    other: Person,
    admin: Person,
    monkeypatch: pytest.MonkeyPatch,
    who: str,
    rare_below: int,
) -> None:
    # given: with a bound of 3, some stages hold more of the window and some fewer
    monkeypatch.setattr(close_dates, "RARE_WINDOW", rare_below)
    await _deals(db, user, other)
    caller = user if who == "user" else admin
    rows = await _visible(db, caller)
    per_stage = [sum(_inside(r, WINDOWS[0]) for r in rows if r.sort_order == s) for s in range(9)]
    assert any(n >= 3 for n in per_stage) and any(0 < n < 3 for n in per_stage), per_stage

    for window in WINDOWS:
        inside = [r for r in rows if _inside(r, window)]
        for order in (DEFAULT, STAGE_DESC):
            # when / then: the window alone, with a responsible, with a stage type
            await _assert_pages(gql, caller, order, window, _in_stage_order(inside, order))
            mine = [r for r in inside if r.responsible == user.id]
            with_responsible = {**window, "responsibleId": str(user.id)}
            await _assert_pages(gql, caller, order, with_responsible, _in_stage_order(mine, order))
            open_ones = [r for r in inside if r.sort_order < 7]
            with_type = {**window, "stageType": "OPEN"}
            await _assert_pages(gql, caller, order, with_type, _in_stage_order(open_ones, order))


@pytest.mark.parametrize(
    "where",
    [WINDOWS[0], {"responsibleId": "USER"}, {**WINDOWS[1], "responsibleId": "USER"}],
    ids=["window", "responsible", "both"],
)
async def test_a_filtered_page_costs_the_same_statements_at_any_size(
    db: Database, gql: GraphQL, user: Person, other: Person, where: dict[str, Any]
) -> None:
    # given
    await _deals(db, user, other)
    where = {k: str(user.id) if v == "USER" else v for k, v in where.items()}

    # when
    counts = {}
    for size in (1, 5, 30):
        with _statements(db) as statements:
            await gql(PAGE_OF_IDS, user, first=size, filter=where)
        counts[size] = len(statements)

    # then: a stage walk reads its later stages by one more statement, only when the page's
    # first stage falls short (here at 30); never one per row or per stage
    assert counts[1] == counts[5] and counts[1] <= counts[30] <= counts[1] + 1, counts
