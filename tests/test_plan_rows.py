"""Compiled plans read a row_backed object's fields from its row, answering as its descriptors do.

An exact instance of the type's class (not a subclass, not cast) skips strawberry's type check
and its descriptors: a field kept on the object is read from it, the others from the row, by
key for a column as it is and through the field's own function otherwise. Every other object
goes the ordinary way. Each case runs through stock strawberry and the compiled plans; data and
errors must be the same.
"""

from __future__ import annotations

import asyncio
from operator import itemgetter
from typing import Any

import pytest
import strawberry
from strawberry.extensions import ParserCache

from app.graphql.execution import execution_for
from app.graphql.types.row_backed import ROW, row_backed
from tests.plan_runs import completed_by_plans


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Card(Named):
    size: int
    note: str | None
    label: str


@strawberry.type
class Other:
    name: str


build_card = row_backed(
    Card,
    {
        "name": itemgetter("name"),
        "size": itemgetter("size"),
        "note": itemgetter("note"),
        "label": lambda row: f"{row['name']} ({row['size']})",
    },
)


class SubCard(Card):
    """Not the type's class itself: strawberry's check and the descriptors decide."""


@strawberry.type
class Query:
    @strawberry.field
    def cards(self, info: strawberry.Info) -> list[Card | None]:
        return info.context["cards"]  # type: ignore[no-any-return]


DOCUMENT = "{ cards { name size note label again: label __typename } }"
STOCK = strawberry.Schema(query=Query, types=[Other], extensions=[ParserCache])
COMPILED = strawberry.Schema(query=Query, types=[Other], extensions=[ParserCache])
COMPILED.execution_context_class = execution_for(COMPILED._schema)
ROWS = [
    {"name": "a", "size": 1, "note": None},
    {"name": "b", "size": 2**40, "note": "big"},  # past Int's range: an error on that field
    {"name": "c", "note": "no size"},  # a missing column: the descriptor's KeyError
]


def _cards() -> list[Any]:
    """Each kind of object a field may hold, built afresh (answers may keep values on them)."""
    kept = build_card(ROWS[0])
    kept.name = "renamed"  # a value kept on the object wins over its row
    sub: Any = object.__new__(SubCard)
    sub.__dict__[ROW] = {"name": "sub", "size": 3, "note": None}
    cast = strawberry.cast(Other, build_card({"name": "cast", "size": 4, "note": None}))
    plain = Card(name="plain", size=5, note=None, label="built the ordinary way")
    return [*map(build_card, ROWS), kept, sub, cast, plain, None]


async def _answer(schema: strawberry.Schema, cards: list[Any]) -> tuple[Any, Any]:
    result = await schema.execute(DOCUMENT, context_value={"cards": cards})
    errors = sorted((error.message, error.path) for error in result.errors or [])
    return result.data, errors


@pytest.mark.parametrize("index", range(len(_cards())))
def test_each_kind_of_object_is_answered_as_graphql_core_does(index: int) -> None:
    async def both() -> tuple[Any, Any]:
        return await _answer(STOCK, [_cards()[index]]), await _answer(COMPILED, [_cards()[index]])

    stock, compiled = asyncio.run(both())
    assert compiled == stock


def test_exact_instances_are_read_from_their_rows_by_the_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    completed = completed_by_plans(monkeypatch)
    cards = [build_card(ROWS[0]), build_card({"name": "d", "size": 7, "note": "x"})]
    data, errors = asyncio.run(_answer(COMPILED, cards))
    assert not errors
    assert data == {
        "cards": [
            {"name": "a", "size": 1, "note": None, "label": "a (1)", "again": "a (1)",
             "__typename": "Card"},
            {"name": "d", "size": 7, "note": "x", "label": "d (7)", "again": "d (7)",
             "__typename": "Card"},
        ]
    }  # fmt: skip
    assert completed == ["Card", "Card"]
    # Read from the rows: no descriptor ran, so nothing was kept on the objects.
    assert [sorted(vars(card)) for card in cards] == [[ROW], [ROW]]
