"""One-call leaf readers return what serialize would, and leave every other value to it."""

from __future__ import annotations

from enum import StrEnum
from types import SimpleNamespace
from typing import Any

import pytest
from graphql import (
    GraphQLBoolean,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLString,
)

from app.graphql.exact_leaves import exact_leaf


class Text(str):
    """A str subclass: not the exact type, so serialize decides."""


class Color(StrEnum):
    RED = "red"


def general_path(scalar: GraphQLScalarType) -> Any:
    """What a plan does without the short path: None stays None, the rest is serialized."""

    def complete(value: Any, _run: Any) -> Any:
        return ("general", None if value is None else scalar.serialize(value))

    return complete


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
    for type_ in (scalar, GraphQLNonNull(scalar)):
        read = exact_leaf(type_, "field", general_path(scalar))
        assert read is not None
        source = SimpleNamespace(field=value)
        try:
            expected: Any = ("general", None if value is None else scalar.serialize(value))
        except Exception as error:  # the general path raises it, and so must the reader
            with pytest.raises(type(error)):
                read(source, None)
            assert not short
            continue
        got = read(source, None)
        if short:
            assert got == value and type(got) is type(value) and got == expected[1]
        else:
            assert got == expected


def test_other_scalars_have_no_short_path() -> None:
    assert exact_leaf(GraphQLFloat, "field", general_path(GraphQLFloat)) is None
    assert exact_leaf(GraphQLNonNull(GraphQLFloat), "field", general_path(GraphQLFloat)) is None
