"""The original's stage order (stage, contact, actual close date latest first, expected close
date, title): pages equal the sorted rows, on cursors and offsets, read on migration 0013's index.

The legacy filter's default order (CRMApi.Deals.cs GetDeals, DealSortedByType.Stage; DealDao.cs
GetCrudeDeals) and GraphQL's `orderBy: [STAGE, CONTACT, ACTUAL_CLOSE_DATE DESC,
EXPECTED_CLOSE_DATE, TITLE]` run the same resolver.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from app.db.engine import Database
from app.db.models import opportunity_t, stage_t
from app.domain.access import opportunity_visible
from app.main import create_app
from app.settings import Settings
from tests.conftest import GraphQL, Person
from tests.factories import contact, opportunity
from tests.paging import walk_pages
from tests.statements import reads_with_parameters as _statements

STAGE_ORDER = [
    {"field": "STAGE", "direction": "ASC"},
    {"field": "CONTACT", "direction": "ASC"},
    {"field": "ACTUAL_CLOSE_DATE", "direction": "DESC"},
    {"field": "EXPECTED_CLOSE_DATE", "direction": "ASC"},
    {"field": "TITLE", "direction": "ASC"},
]
EARLIEST = datetime.min.replace(tzinfo=UTC)
INDEX = "stage_contact_dates_title"  # ix_opportunity_(responsible_)stage_contact_dates_title


@pytest.fixture
async def app_client(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """The service in-process, with its own database handle (to see the SQL it runs)."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http, app.state.db
    await app.state.db.dispose()


async def _deals(gql: GraphQL, user: Person, other: Person) -> None:
    """Deals at three stages sharing contacts, dates and titles (in any case); some hidden."""
    contacts = [None, await contact(gql, user), await contact(gql, user, companyName="Zed")]
    titles = ["beta", "Alpha", "alpha", "Gamma"]
    for n in range(26):
        actual = f"2024-0{1 + n % 3}-10T00:00:00Z" if n % 4 else None
        expected = f"2024-0{1 + n % 2}-20T00:00:00Z" if n % 3 else None
        await opportunity(
            gql,
            user if n % 6 else other,
            title=titles[n % len(titles)],
            stageId=[3, 3, 3, 1, 7][n % 5],
            contactId=contacts[n % 3],
            actualCloseDate=actual,
            expectedCloseDate=expected,
            isPrivate=n % 6 == 0,
            accessList=[str(other.id)] if n % 6 == 0 else [],
        )


async def _in_stage_order(db: Database, who: Person) -> list[int]:
    async with db.read() as conn:
        stages = dict((await conn.execute(select(stage_t.c.id, stage_t.c.sort_order))).all())
        query = select(opportunity_t).where(opportunity_visible(who.caller))
        rows = list((await conn.execute(query)).mappings())

    def key(row: Any) -> tuple[Any, ...]:
        actual = row["actual_close_date"] or EARLIEST
        return (
            stages[row["stage_id"]],
            row["contact_id"] or 0,
            -actual.replace(tzinfo=UTC).timestamp() if row["actual_close_date"] else float("inf"),
            (row["expected_close_date"] or EARLIEST).replace(tzinfo=UTC),
            row["title"].lower(),
            row["id"],
        )

    return [row["id"] for row in sorted(rows, key=key)]


async def test_graphql_pages_both_ways_are_the_sorted_rows(
    db: Database, gql: GraphQL, user: Person, other: Person
) -> None:
    # given
    await _deals(gql, user, other)
    expected = await _in_stage_order(db, user)

    # when
    forward = await walk_pages(gql, user, STAGE_ORDER, backward=False)
    backward = await walk_pages(gql, user, STAGE_ORDER, backward=True)

    # then
    assert forward == expected
    assert backward == expected
    assert len(expected) == 26 - 5  # other's private deals are not shown


async def test_every_legacy_offset_pages_the_sorted_rows(
    db: Database,
    gql: GraphQL,
    user: Person,
    other: Person,
    app_client: tuple[httpx.AsyncClient, Database],
) -> None:
    # given
    await _deals(gql, user, other)
    expected = await _in_stage_order(db, user)
    client, _ = app_client

    # when: every start index (inside a stage from either end), three deals at a time
    pages = []
    for start in range(len(expected) + 1):
        response = await client.get(
            "/api/2.0/crm/opportunity/filter",
            params={"startIndex": start, "count": 3},
            headers={"Authorization": user.key},
        )
        assert response.status_code == 200, response.text
        pages.append([deal["id"] for deal in response.json()["response"]])

    # then
    for start, page in enumerate(pages):
        assert page == expected[start : start + 3], start


async def _plans(db: Database, statements: list[tuple[str, Any]]) -> list[str]:
    """Each statement's plan; PostgreSQL's with sequential scans priced out, as at scale."""
    plans = []
    for engine in db.engines[:1]:
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver: Any = raw.driver_connection
            for sql, parameters in statements:
                if db.is_sqlite:
                    cursor = await driver.execute(f"EXPLAIN QUERY PLAN {sql}", parameters)
                    plans.append("\n".join(str(row[-1]) for row in await cursor.fetchall()))
                else:
                    await conn.execute(text("SET enable_seqscan = off"))
                    rows = await driver.fetch(f"EXPLAIN {sql}", *parameters)
                    plans.append("\n".join(row[0] for row in rows))
    return plans


PAGE = """
query Page($orderBy: [OpportunityOrder!], $offset: Int, $filter: OpportunityFilter) {
  opportunities(orderBy: $orderBy, first: 3, offset: $offset, filter: $filter) {
    edges { node { databaseId } }
  }
}
"""


def _sorts(plan: str, sqlite: bool) -> int:
    """How many sorts a plan has."""
    marker = "USE TEMP B-TREE" if sqlite else "Sort  ("
    return plan.count(marker)


async def _page_plans(
    client: httpx.AsyncClient,
    db: Database,
    who: Person,
    order: list[Any],
    start: int,
    where: dict[str, Any],
) -> str:
    with _statements(db) as statements:
        response = await client.post(
            "/graphql",
            json={
                "query": PAGE,
                "variables": {"orderBy": order, "offset": start, "filter": where},
            },
            headers={"Authorization": who.key},
        )
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    page = [s for s in statements if "lower(opportunity.title)" in s[0]]
    return "\n".join(await _plans(db, page))


@pytest.mark.parametrize("responsible", [False, True], ids=["all", "a-responsible"])
@pytest.mark.parametrize("start", [0, 9, 15], ids=["first-page", "inside-a-stage", "from-its-end"])
async def test_a_page_reads_the_index_as_the_stage_title_order_reads_its_own(
    gql: GraphQL,
    user: Person,
    other: Person,
    app_client: tuple[httpx.AsyncClient, Database],
    start: int,
    responsible: bool,
) -> None:
    # given: the stage-title order, whose pages cost the same at 1M deals (README), as baseline
    await _deals(gql, user, other)
    client, service_db = app_client
    where = {"responsibleId": str(user.id)} if responsible else {}
    baseline = await _page_plans(client, service_db, user, [], start, where)

    # when
    plan = await _page_plans(client, service_db, user, STAGE_ORDER, start, where)

    # then: on one of migration 0013's indexes, with no more sorts than the baseline, no scan
    if not (responsible and start):
        # (An offset into a responsible's list skips in a sorted list in either order.)
        assert INDEX in plan, plan
    assert _sorts(plan, service_db.is_sqlite) == _sorts(baseline, service_db.is_sqlite), plan
    if service_db.is_sqlite:
        assert not re.findall(r"^\s*SCAN opportunity\b", plan, flags=re.MULTILINE), plan
    else:
        assert "Seq Scan on opportunity" not in plan, plan
