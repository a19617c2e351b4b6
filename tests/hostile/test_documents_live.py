"""Costly documents and hostile values against a live production server: fast, clear refusals."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from tests.hostile.conftest import Bystander, Live

GQL = "application/graphql-response+json"


def doubling(fragments: int) -> str:
    chain = "".join(
        f"fragment F{i} on Query {{ me {{ id }} ...F{i + 1} ...F{i + 1} }}\n"
        for i in range(fragments)
    )
    return f"query {{ ...F0 }}\n{chain}fragment F{fragments} on Query {{ me {{ id }} }}"


def nested_pages(size: int) -> str:
    return (
        "{ "
        + " ".join(
            f"c{i}: contact(id: {i + 1}) {{ opportunities(first: {size}) {{ edges {{ node {{"
            f" members {{ opportunities(first: {size}) {{ edges {{ node {{ id title }} }} }} }}"
            " } } } }"
            for i in range(10)
        )
        + " }"
    )


HOSTILE = [
    pytest.param({"query": doubling(30)}, {200}, id="fragments-spread-twice-30-deep"),
    pytest.param({"query": nested_pages(100)}, {400}, id="ten-aliased-nested-pages-100"),
    pytest.param({"query": nested_pages(40)}, {400}, id="ten-aliased-nested-pages-40"),
    pytest.param(
        {
            "query": "query($s: String) { opportunities(filter: {search: $s}) { totalCount } }",
            "variables": {"s": " ".join(f"w{i}" for i in range(500))},
        },
        {200},
        id="search-of-500-words",
    ),
    pytest.param(
        {
            "query": "query($s: String) { opportunities(filter: {search: $s}) { totalCount } }",
            "variables": {"s": " ".join(f"w{i}" for i in range(20_000))},
        },
        {200},
        id="search-of-20000-words",
    ),
    pytest.param(
        {
            "query": "query($o: [OpportunityOrder!]) { opportunities(orderBy: $o) { totalCount } }",
            "variables": {"o": [{"field": "TITLE"}] * 5000},
        },
        {400},
        id="order-by-5000-terms",
    ),
    pytest.param(
        {
            "query": "query($d: DateTime) { opportunities(filter: {closeDateFrom: $d}) {"
            " totalCount } }",
            "variables": {"d": "9999-12-31T23:59:59-14:00"},
        },
        {400},
        id="date-past-9999-in-utc",
    ),
]


@pytest.mark.parametrize(("body", "statuses"), HOSTILE)
async def test_each_hostile_document_gets_a_fast_clear_answer_while_others_are_served(
    live: Live, body: dict[str, Any], statuses: set[int]
) -> None:
    headers = {"Authorization": live.key, "Accept": GQL}
    async with Bystander(live) as other, httpx.AsyncClient(base_url=live.base, timeout=30) as http:
        # when: eight of them at once
        started = time.monotonic()
        answers = await asyncio.gather(
            *(http.post("/graphql", json=body, headers=headers) for _ in range(8))
        )
        took = time.monotonic() - started
        await asyncio.sleep(0.5)

    # then: a clear answer, never a 500 or a masked crash, quickly; the bystander was served
    for response in answers:
        assert response.status_code in statuses, response.text[:300]
        assert "Unexpected error" not in response.text
        if response.status_code != 200 or "errors" in response.json():
            assert response.json()["errors"][0]["extensions"]["code"]
    assert took < 3, took
    other.assert_served()


async def test_the_legacy_search_of_500_words_is_a_fast_400(live: Live) -> None:
    async with Bystander(live) as other, httpx.AsyncClient(base_url=live.base, timeout=30) as http:
        # when
        started = time.monotonic()
        response = await http.get(
            "/api/2.0/crm/opportunity/filter",
            params={"filterValue": " ".join(f"w{i}" for i in range(500))},
            headers={"Authorization": live.key},
        )
        took = time.monotonic() - started
        await asyncio.sleep(0.6)

    # then
    assert response.status_code == 400
    assert response.json()["statusCode"] == 400
    assert took < 1
    other.assert_served()
