"""Exact conditions hold only for values that serialize returns as they are."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest
from graphql import (
    GraphQLBoolean,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLScalarType,
    GraphQLString,
)

from app.graphql.exact_leaves import exact_condition


class Text(str):
    """A str subclass: not the exact type, so serialize decides."""


class Color(StrEnum):
    RED = "red"


def _holds(scalar: GraphQLScalarType, value: Any) -> bool:
    condition = exact_condition(scalar.serialize)
    assert condition is not None
    return bool(eval(condition.format(v="value")))  # our own condition text, on a local


@pytest.mark.parametrize(
    ("scalar", "value", "short"),
    [
        (GraphQLString, "deal", True),
        (GraphQLString, Text("deal"), False),
        (GraphQLString, Color.RED, False),
        (GraphQLString, 5, False),
        (GraphQLString, None, False),
        (GraphQLID, "Q29udGFjdDo1", True),
        (GraphQLID, 5, False),
        (GraphQLInt, 0, True),
        (GraphQLInt, 2**31 - 1, True),
        (GraphQLInt, -(2**31), True),
        (GraphQLInt, 2**31, False),
        (GraphQLInt, True, False),
        (GraphQLInt, 3.0, False),
        (GraphQLBoolean, False, True),
        (GraphQLBoolean, 1, False),
    ],
)
def test_the_short_path_is_taken_only_where_serialize_returns_the_value_itself(
    scalar: GraphQLScalarType, value: Any, short: bool
) -> None:
    assert _holds(scalar, value) is short
    if short:
        served = scalar.serialize(value)
        assert served == value and type(served) is type(value)


def test_other_scalars_have_no_short_path() -> None:
    assert exact_condition(GraphQLFloat.serialize) is None
