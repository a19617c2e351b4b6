"""Leaf values serialized without graphql-core's per-call work, always as it would serialize them.

For String, ID, Int and Boolean, serialize returns a value of the exact Python type (a str, an
int in Int's range, a bool) unchanged. A compiled plan (app.graphql.plan_source) tests for that
inline and calls serialize only for anything else, so the answer and its errors are graphql-core's.
A strawberry enum's members are named from a table (`enum_serializer`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLBoolean, GraphQLEnumType, GraphQLID, GraphQLInt, GraphQLString

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


def enum_serializer(enum_type: GraphQLEnumType) -> Callable[[Any], Any]:
    """`enum_type.serialize`, answering a member of a strawberry enum from a table.

    Strawberry's serialize looks a member up by comparing its value with each of the type's
    (two `.value` property reads a step); the table holds the name that loop would find.
    """
    serialize = enum_type.serialize
    wrapped = getattr(enum_type, "wrapped_cls", None)
    if wrapped is None:
        return serialize
    # By identity: members are singletons, and Enum's __hash__ is a Python call.
    names: dict[int, str] = {}
    for member in wrapped:
        for name, value in enum_type.values.items():
            if member.value == value.value:
                names[id(member)] = name
                break

    def serialize_member(value: Any) -> Any:
        if type(value) is wrapped:
            name = names.get(id(value))
            if name is not None:
                return name
        return serialize(value)

    return serialize_member
