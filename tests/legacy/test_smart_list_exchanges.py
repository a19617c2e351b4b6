"""GET opportunity/filter and opportunity/bycontact/{id}: order and paging as the original's.

Written from module/ASC.Api/ASC.Api.CRM/CRMApi.Deals.cs (GetDeals), DealDao.cs (GetCrudeDeals),
module/ASC.Api/ASC.Api/Impl/ApiContext.cs (the constructor, GetRequestValue) and
ApiHttpHandlerBase.cs (PostProcessResponse). The scene is described in scene.py: the user sees
Renewal (Suspect, no contact), Pilot (Suspect, Acme) and Archive (won, Ann, closed 2024-02-01).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.legacy.scene import Exchange, Scene, archive, check, item, ok, pilot, renewal

STAGE_ORDER = [item(renewal()), item(pilot()), item(archive())]
BY_TITLE = [item(archive()), item(pilot()), item(renewal())]
BY_ID = [item(pilot()), item(renewal()), item(archive())]


def _filter(name: str, query: str, expected: Any, **more: Any) -> Exchange:
    return Exchange(name, "GET", "opportunity/filter", 200, expected, query=query, **more)


ORDERS = [
    _filter("no-sort-order-ignores-descending", "sortOrder=descending", ok(STAGE_ORDER, total=3)),
    _filter(
        "stage-descending-keeps-contact-ascending",
        "sortBy=stage&sortOrder=descending",
        ok([item(archive()), item(renewal()), item(pilot())], total=3),
    ),
    _filter("number-2-is-stage", "sortBy=2", ok(STAGE_ORDER, total=3)),
    _filter(
        "number-0-is-title",
        "sortBy=0&sortOrder=descending",
        ok(BY_TITLE[::-1], total=3),
    ),
    _filter("number-5-is-id", "sortBy=+5", ok(BY_ID, total=3)),
    _filter(
        "undefined-number-is-stage-order", "sortBy=7&sortOrder=descending", ok(STAGE_ORDER, total=3)
    ),
    _filter("negative-number-is-stage-order", "sortBy=-1", ok(STAGE_ORDER, total=3)),
    _filter("name-any-case-spaces", "sortBy=%20tItLe%20", ok(BY_TITLE, total=3)),
    _filter("one-value-up-to-its-comma", "sortBy=title,id", ok(BY_TITLE, total=3)),
    _filter("repeated-first-wins", "sortBy=id&sortBy=title", ok(BY_ID, total=3)),
    _filter("sort-order-exact-case", "sortBy=title&sortOrder=Descending", ok(BY_TITLE, total=3)),
    _filter("unknown-name-is-stage-order", "sortBy=created", ok(STAGE_ORDER, total=3)),
]


@pytest.mark.parametrize("case", [e.param() for e in ORDERS])
async def test_sort_by(client: httpx.AsyncClient, scene: Scene, case: Exchange) -> None:
    """CRMApi.Deals.cs GetDeals: sortBy parsed by EnumExtension.TryParse (Enum.Parse, any case,
    numbers defined or not); no sortBy is DealSortedByType.Stage ascending; DealDao.cs
    GetCrudeDeals orders Stage by sort_order, contact_id, actual_close_date DESC,
    expected_close_date, title, and an undefined number by sort_order, contact_id, title.
    ApiContext.cs: sortBy's first value up to its first comma; sortOrder exactly "descending"."""
    await check(client, case, scene)


PAGES = [
    _filter("count-zero-answers-one", "count=0", ok(STAGE_ORDER[:1], total=3)),
    _filter(
        "count-repeated-first-wins", "count=1&count=2", ok(STAGE_ORDER[:1], nextIndex=2, total=3)
    ),
    _filter("count-up-to-its-comma", "count=2,1", ok(STAGE_ORDER[:2], nextIndex=3, total=3)),
    _filter(
        "count-array-form-first", "count=2&count[]=1", ok(STAGE_ORDER[:1], nextIndex=2, total=3)
    ),
    _filter("count-name-any-case", "COUNT=1", ok(STAGE_ORDER[:1], nextIndex=2, total=3)),
    _filter(
        "count-with-sign-and-spaces", "count=%20%2B1%20", ok(STAGE_ORDER[:1], nextIndex=2, total=3)
    ),
    _filter("count-negative-is-default", "count=-1", ok(STAGE_ORDER, total=3)),
    _filter("count-unreadable-is-default", "count=1.5", ok(STAGE_ORDER, total=3)),
    Exchange(
        "count-in-the-body-is-not-read",
        "GET",
        "opportunity/filter",
        200,
        ok(STAGE_ORDER, total=3),
        json_body={"count": 1, "sortBy": "id"},
    ),
    _filter(
        "filter-value-up-to-its-comma", "filterValue=pil,renewal", ok([item(pilot())], total=1)
    ),
    _filter(
        "start-index-negative-is-zero",
        "startIndex=-3&count=1",
        ok(STAGE_ORDER[:1], nextIndex=2, total=3),
    ),
]


@pytest.mark.parametrize("case", [e.param() for e in PAGES])
async def test_filter_paging(client: httpx.AsyncClient, scene: Scene, case: Exchange) -> None:
    """ApiContext.cs constructor: count by ulong.TryParse (else the default page), capped at
    the page size, Count = count + 1; startIndex by long.TryParse, at least 0; GetRequestValue:
    query string only, `key[]` first, the first of repeated values, a single one up to its
    comma. CRMApi.Deals.cs GetDeals asks DealDao for Count and the SmartList keeps `count` only
    when it is not 0 (CompiledSmartList.Transform), so count=0 answers one deal;
    ApiHttpHandlerBase.cs PostProcessResponse sets nextIndex only after a full page of count."""
    await check(client, case, scene)


def _by_contact(name: str, query: str | None, expected: Any) -> Exchange:
    return Exchange(name, "GET", "opportunity/bycontact/2", 200, expected, query=query)


BY_CONTACT = [
    _by_contact("whole-list-no-total", None, ok([item(archive()), item(pilot())])),
    _by_contact("first-page", "count=1", ok([item(archive())], nextIndex=2, total=2)),
    _by_contact(
        "last-page-keeps-total", "count=1&startIndex=1", ok([item(pilot())], startIndex=1, total=2)
    ),
    _by_contact("past-the-end-keeps-total", "count=1&startIndex=5", ok([], startIndex=5, total=2)),
    _by_contact("count-zero-answers-all", "count=0", ok([item(archive()), item(pilot())], total=2)),
]


@pytest.mark.parametrize("case", [e.param() for e in BY_CONTACT])
async def test_by_contact_paging(client: httpx.AsyncClient, scene: Scene, case: Exchange) -> None:
    """CRMApi.Deals.cs GetDeals(int contactid) pages nothing: ApiSmartListResponceFilter.cs
    TransformList sets the total whenever the list is longer than `count` (on every page, the
    last too), CompiledSmartList.Transform skips startIndex and takes `count` (all when 0)."""
    await check(client, case, scene)
