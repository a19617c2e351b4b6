"""Values a built-in scalar's serialize returns as they are, recognised without calling it.

For String, ID, Int and Boolean, serialize returns a value of the exact Python type (a str, an
int in Int's range, a bool) unchanged. A compiled plan (app.graphql.plan_source) tests for that
inline and calls serialize only for anything else, so the answer and its errors are graphql-core's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLBoolean, GraphQLID, GraphQLInt, GraphQLString

INT_MIN, INT_MAX = -(2**31), 2**31 - 1

# Python conditions on a value named {v}: true only where serialize would return it unchanged.
_EXACT: dict[Any, str] = {
    GraphQLString.serialize: "type({v}) is str",
    GraphQLID.serialize: "type({v}) is str",
    GraphQLInt.serialize: f"type({{v}}) is int and {INT_MIN} <= {{v}} <= {INT_MAX}",
    GraphQLBoolean.serialize: "type({v}) is bool",
}


def exact_condition(serialize: Callable[[Any], Any]) -> str | None:
    """The condition (on `{v}`) under which `serialize` returns its value as it is, or None."""
    return _EXACT.get(serialize)
