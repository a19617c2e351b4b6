"""Relay-style connections: edges with cursors, page info and a total count."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from enum import Enum
from typing import Any, Generic, TypeVar

import strawberry
from graphql import GraphQLError

from app.domain.errors import DomainError
from app.domain.paging import Page, PageRequest
from app.graphql.context import Info
from app.graphql.selection import selected_names

T = TypeVar("T")

FIRST = (
    "Return at most this many items from the start (or after `after`); at most 100 "
    "(1000 when a legacy REST route asks)."
)
AFTER = "A cursor: return the items after it."
LAST = (
    "Return at most this many items from the end (or before `before`); at most 100 "
    "(1000 when a legacy REST route asks)."
)
BEFORE = "A cursor: return the items before it."
OFFSET = (
    "Skip this many items from the start: the legacy-style alternative to cursors (the legacy "
    "REST startIndex). Goes with `first`; not together with after, before or last."
)


def page_request(
    info: Info,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    offset: int | None = None,
) -> PageRequest:
    """The page arguments, with the largest page this request may ask for."""
    return PageRequest(
        first=first,
        after=after,
        last=last,
        before=before,
        offset=offset,
        max_page=info.context.max_page,
    )


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(description="Whether items come before this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item, if any.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item, if any.")


@strawberry.type(description="An item of a list, with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of the item; pass as after/before.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    total_count: int = strawberry.field(
        description="How many items the whole list has under the filter (what the caller may see)."
    )


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Smallest first.")
    DESC = strawberry.enum_value("DESC", description="Largest first.")


@contextmanager
def refusals_as_graphql_errors() -> Iterator[None]:
    """Turn a refused read (bad page size, foreign cursor) into a GraphQL error, unmasked."""
    try:
        yield
    except DomainError as refused:
        first = refused.errors[0]
        raise GraphQLError(first.message, extensions={"code": first.code.value}) from None


def connection(page: Page, node: Callable[[Mapping[str, Any]], T]) -> Connection[T]:
    """A page of rows as a connection of GraphQL objects."""
    edges = [Edge(cursor=c, node=node(r)) for r, c in zip(page.rows, page.cursors, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        total_count=page.total if page.total is not None else 0,
    )


def selects(info: Info, name: str) -> bool:
    """Whether this field's selection asks for `name` directly (or through fragments)."""
    return name in selected_names(info)


def wants_total(info: Info) -> bool:
    """Whether this field's selection asks for totalCount (it costs a count)."""
    return selects(info, "totalCount")
