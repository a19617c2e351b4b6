"""Plain attributes of a built-in scalar type, read by a compiled plan in one call.

A plan completes a leaf field in four calls (read the attribute, check non-null, check for an
awaitable, serialize), about a fifth of a list page's completion. For String, ID, Int and
Boolean, serialize returns a value of the exact Python type (a str, an int in Int's range, a
bool) as it is; such a value is returned at once, anything else takes the general path, so the
answer and its errors are graphql-core's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLID,
    GraphQLInt,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLString,
)

# (source, the request's run) -> the completed value, as in app.graphql.compiled_objects.
Complete = Callable[[Any, Any], Any]
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def _exact_str(attribute: str, general: Complete) -> Complete:
    def read(source: Any, run: Any) -> Any:
        value = getattr(source, attribute)
        return value if type(value) is str else general(value, run)

    return read


def _exact_int(attribute: str, general: Complete) -> Complete:
    def read(source: Any, run: Any) -> Any:
        value = getattr(source, attribute)
        if type(value) is int and INT_MIN <= value <= INT_MAX:
            return value
        return general(value, run)

    return read


def _exact_bool(attribute: str, general: Complete) -> Complete:
    def read(source: Any, run: Any) -> Any:
        value = getattr(source, attribute)
        return value if type(value) is bool else general(value, run)

    return read


_EXACT: dict[Any, Callable[[str, Complete], Complete]] = {
    GraphQLString.serialize: _exact_str,
    GraphQLID.serialize: _exact_str,
    GraphQLInt.serialize: _exact_int,
    GraphQLBoolean.serialize: _exact_bool,
}


def exact_leaf(type_: GraphQLOutputType, attribute: str, general: Complete) -> Complete | None:
    """A one-call reader of `attribute` for a built-in scalar field; None for other types.

    `general`: how the plan completes the value otherwise (null checks and serialize).
    """
    named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    make = _EXACT.get(getattr(named, "serialize", None))
    return None if make is None else make(attribute, general)
