"""A search reads the same rows whether its words are judged common (walked) or rare (indexed)."""

from __future__ import annotations

from typing import Any

import pytest

from app.db.engine import Database
from app.domain import search
from tests.conftest import GraphQL, Person
from tests.factories import opportunity
from tests.paging import walk_pages

TOTAL = "query T($filter: OpportunityFilter) { opportunities(filter: $filter) { totalCount } }"
ORDERS: list[list[dict[str, str]]] = [
    [],
    [{"field": "TITLE", "direction": "DESC"}],
    [{"field": "CREATED", "direction": "ASC"}],
]


def _starts_a_word(text: str, word: str) -> bool:
    return f" {text.lower()}".find(f" {word.lower()}") >= 0


@pytest.fixture
async def deals(gql: GraphQL, user: Person, other: Person) -> list[dict[str, Any]]:
    """Deals where "cloud" starts a word in most, "zeppelin" in two; some private to other."""
    made = []
    for n in range(24):
        title = ["Cloud move", "cloudy sky", "Precloud", "Renewal"][n % 4] + f" {n}"
        description = "the zeppelin pilot" if n in (3, 17) else None
        fields = {"title": title, "description": description, "stageId": 1 + n % 3}
        private = n % 5 == 0
        await opportunity(
            gql,
            other,
            **fields,
            isPrivate=private,
            # Private only with a non-empty list (the original's rule): other's own, or user too.
            accessList=[str(other.id), str(user.id)] if n % 10 == 0 else [str(other.id)],
        )
        made.append({**fields, "hidden": private and n % 10 != 0})
    return made


@pytest.mark.parametrize("plan", ["common", "rare"])
@pytest.mark.parametrize("word", ["cloud", "zeppelin", "clo"])
@pytest.mark.parametrize("order", ORDERS, ids=["default", "title-desc", "created"])
async def test_both_plans_find_the_rows_of_the_list_in_its_order(
    gql: GraphQL,
    user: Person,
    deals: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    plan: str,
    word: str,
    order: list[dict[str, str]],
) -> None:
    # given: the probe forced to judge every search common, or none
    threshold = 0 if plan == "common" else 10**9
    monkeypatch.setattr(search, "COMMON_IN_SAMPLE", threshold)
    monkeypatch.setattr(search, "COMMON_AT", threshold)
    whole = await walk_pages(gql, user, order, backward=False)
    expected_count = sum(
        1
        for deal in deals
        if not deal["hidden"]
        and (_starts_a_word(deal["title"], word) or _starts_a_word(deal["description"] or "", word))
    )

    # when
    found = await walk_pages(gql, user, order, backward=False, filter_={"search": word})
    total = await gql(TOTAL, user, filter={"search": word})

    # then: the list's own order, only the matching deals, counted alike
    assert found == [deal_id for deal_id in whole if deal_id in set(found)]
    assert len(found) == expected_count > 0
    assert total["opportunities"]["totalCount"] == expected_count


async def test_the_sqlite_probe_reads_a_sample_not_the_index(
    deals: list[dict[str, Any]], db: Database
) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite's probe")
    async with db.read() as conn:
        assert await search.common_words(conn, ["cloud"], sqlite=True) is False  # 12 < 20
        assert await search.common_words(conn, ["zeppelin"], sqlite=True) is False
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "COMMON_IN_SAMPLE", 10)
        async with db.read() as conn:
            assert await search.common_words(conn, ["cloud"], sqlite=True) is True
            assert await search.common_words(conn, ["zeppelin"], sqlite=True) is False
