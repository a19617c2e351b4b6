"""Walking a whole opportunity list page by page, as a client following cursors would."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQL, Person
from tests.ids import (
    database_id,
)

PAGE_OF_IDS = """
query Page($first: Int, $after: String, $last: Int, $before: String,
           $orderBy: [OpportunityOrder!], $filter: OpportunityFilter) {
  opportunities(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy,
                filter: $filter) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { node { id } }
  }
}
"""
# A cursor that does not move the list on would page forever: stop and fail instead.
MAX_PAGES = 200


async def walk_pages(
    gql: GraphQL,
    who: Person,
    order: list[Any],
    *,
    backward: bool,
    size: int = 3,
    filter_: dict[str, Any] | None = None,
) -> list[int]:
    """Every id of the list (filtered by `filter_`) in its order, read `size` at a time."""
    found: list[int] = []
    cursor = None
    for _ in range(MAX_PAGES):
        if backward:
            page = await gql(
                PAGE_OF_IDS, who, last=size, before=cursor, orderBy=order, filter=filter_
            )
        else:
            page = await gql(
                PAGE_OF_IDS, who, first=size, after=cursor, orderBy=order, filter=filter_
            )
        connection = page["opportunities"]
        ids = [database_id(edge["node"]["id"]) for edge in connection["edges"]]
        found = ids + found if backward else found + ids
        info = connection["pageInfo"]
        if not (info["hasPreviousPage"] if backward else info["hasNextPage"]):
            return found
        cursor = info["startCursor"] if backward else info["endCursor"]
    raise AssertionError(f"still paging after {MAX_PAGES} pages: {found[:30]}...")
