"""Generated plans answer exactly as graphql-core does, for any value a field may hold.

Each case is an object tree drawn by hypothesis: every field holds a value of its type or
something else (a str subclass, an int out of Int's range, a bool where an int is due, null on a
non-null field, an exception, an awaitable, a tuple for a list), at several depths. The same
document runs through strawberry's stock execution and through the compiled plans; the data and
the errors (message and path) must be the same.
"""

from __future__ import annotations

import asyncio
import enum
from typing import Any

import pytest
import strawberry
from hypothesis import given, settings
from hypothesis import strategies as st
from strawberry.extensions import ParserCache

from app.graphql.execution import execution_for
from tests.plan_runs import completed_by_plans


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Text(str):
    """A str subclass: not the exact type, so serialize decides."""


def _ready(value: Any) -> asyncio.Future[Any]:
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    future.set_result(value)
    return future


class Awaitable:
    """Marks a value a field answers as an awaitable (made when the field is read)."""

    def __init__(self, value: Any) -> None:
        self.value = value


def _held(value: Any) -> Any:
    return _ready(value.value) if isinstance(value, Awaitable) else value


def _realise(value: Any) -> None:
    """Turn the awaitables a tree's fields are marked to answer into futures of this loop."""
    if isinstance(value, list | tuple):
        for item in value:
            _realise(item)
    elif isinstance(value, Box):
        for name, held in list(vars(value).items()):
            if name != "numbers":  # `computed` answers it as an awaitable itself
                _realise(held)
                setattr(value, name, _held(held))


@strawberry.type
class Box:
    text: str
    maybe_text: str | None
    count: int
    flag: bool
    ident: strawberry.ID
    colour: Colour | None
    amount: float | None
    numbers: list[int]
    grid: list[list[int | None]] | None
    child: Box | None
    children: list[Box]

    @strawberry.field
    def computed(self) -> list[int | None] | None:
        return _held(self.numbers)  # type: ignore[no-any-return]

    @strawberry.field
    def looked_up(self, info: strawberry.Info) -> Box | None:
        return info.context.get(self.text)  # type: ignore[no-any-return]


@strawberry.type
class Query:
    @strawberry.field
    def boxes(self, info: strawberry.Info) -> list[Box | None]:
        return info.context["boxes"]  # type: ignore[no-any-return]


DOCUMENT = """
fragment Leaves on Box { text maybeText count flag ident colour amount numbers grid computed }
{
  boxes {
    ...Leaves
    again: text
    child { ...Leaves child { text count } }
    children { ...Leaves children { ident } }
    lookedUp { text __typename }
  }
}
"""

ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**33), max_value=2**33),
    st.floats(allow_nan=True),
    st.text(max_size=3),
    st.text(max_size=3).map(Text),
    st.sampled_from(list(Colour)),
    st.just(ValueError("held an exception")),
)


def _or_odd(usual: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a value of the field's type, sometimes anything at all or an awaitable.

    Rarely: one odd value makes a plan give up, and its request is graphql-core's from then on.
    """
    return st.integers(min_value=0, max_value=29).flatmap(
        lambda n: ANY if n == 0 else usual.map(Awaitable) if n == 1 else usual
    )


def _lists(item: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.lists(item, max_size=3), st.lists(item, max_size=3).map(tuple))


INTS = st.integers(min_value=-(2**31), max_value=2**31 - 1)


def _box(children: st.SearchStrategy[Any] | None) -> st.SearchStrategy[Box]:
    child = st.none() if children is None else st.one_of(st.none(), children)
    many = st.just([]) if children is None else _or_odd(_lists(children))
    return st.builds(
        Box,
        text=_or_odd(st.sampled_from(["a", "b", "c"])),
        maybe_text=_or_odd(st.one_of(st.none(), st.text(max_size=3))),
        count=_or_odd(INTS),
        flag=_or_odd(st.booleans()),
        ident=_or_odd(st.text(max_size=3)),
        colour=_or_odd(st.one_of(st.none(), st.sampled_from(list(Colour)))),
        amount=_or_odd(st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))),
        numbers=_or_odd(_lists(INTS)),
        grid=_or_odd(st.one_of(st.none(), _lists(_lists(st.one_of(st.none(), INTS))))),
        child=child,
        children=many,
    )


BOXES = st.recursive(_box(None), _box, max_leaves=6)
STOCK = strawberry.Schema(query=Query, extensions=[ParserCache])
COMPILED = strawberry.Schema(query=Query, extensions=[ParserCache])
COMPILED.execution_context_class = execution_for(COMPILED._schema)


async def _answer(schema: strawberry.Schema, context: dict[str, Any]) -> tuple[Any, Any]:
    result = await schema.execute(DOCUMENT, context_value=context)
    errors = sorted((error.message, error.path) for error in result.errors or [])
    return result.data, errors


@settings(max_examples=300, deadline=None)
@given(boxes=st.lists(st.one_of(st.none(), BOXES), max_size=3), named=BOXES)
def test_generated_plans_answer_as_graphql_core_does(boxes: list[Box | None], named: Box) -> None:
    context = {"boxes": boxes, "a": named}

    async def both() -> tuple[Any, Any]:
        # Futures are made inside the loop that awaits them (a done future awaits again).
        _realise([boxes, named])
        return await _answer(STOCK, dict(context)), await _answer(COMPILED, dict(context))

    stock, compiled = asyncio.run(both())
    assert compiled == stock


def test_plans_answer_the_usual_case_themselves(monkeypatch: pytest.MonkeyPatch) -> None:
    completed = completed_by_plans(monkeypatch)
    box = Box(
        text="a", maybe_text=None, count=3, flag=True, ident="x", colour=Colour.RED, amount=1.5,
        numbers=[1, 2], grid=[[1, None]], child=None, children=[],
    )  # fmt: skip
    stock, compiled = asyncio.run(_both_answers({"boxes": [box], "a": box}))
    assert compiled == stock and not stock[1]
    assert stock[0]["boxes"][0]["grid"] == [[1, None]]
    assert completed == ["Box", "Box"]  # the listed box and the looked-up one, by plans alone


async def _both_answers(context: dict[str, Any]) -> tuple[Any, Any]:
    return await _answer(STOCK, context), await _answer(COMPILED, context)
