"""A compiled plan names an enum's members from a table: the same names, and the same errors."""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest
from graphql import GraphQLEnumType

from app.graphql.exact_leaves import enum_serializer
from app.graphql.schema import build_schema
from app.settings import Settings

ENUMS = [
    type_
    for type_ in build_schema(Settings())._schema.type_map.values()
    if isinstance(type_, GraphQLEnumType) and hasattr(type_, "wrapped_cls")
]


def _outcome(serialize: Any, value: Any) -> Any:
    try:
        return serialize(value)
    except Exception as error:  # the error itself is part of what must match
        return (type(error), str(error))


def test_the_schema_has_strawberry_enums() -> None:
    assert {"BidType", "ShareType", "StageType", "CustomFieldType"} <= {t.name for t in ENUMS}


@pytest.mark.parametrize("enum_type", ENUMS, ids=lambda t: t.name)
def test_every_member_and_stranger_serializes_as_strawberry_does(enum_type: Any) -> None:
    fast = enum_serializer(enum_type)
    members: list[Any] = list(enum_type.wrapped_cls)
    strangers = ["NOT_A_MEMBER", 10_000, None, *(m.value for m in members), *enum_type.values]

    assert [fast(m) for m in members] == [enum_type.serialize(m) for m in members]
    for value in strangers:
        assert _outcome(fast, value) == _outcome(enum_type.serialize, value)


def test_a_graphql_core_enum_keeps_its_own_serialize() -> None:
    plain = GraphQLEnumType("Plain", {"A": 1})

    assert enum_serializer(plain) == plain.serialize


def test_a_member_of_another_enum_is_left_to_strawberry() -> None:
    enum_type = next(t for t in ENUMS if t.name == "BidType")
    other = Enum("Other", {"FIXED_BID": enum_type.wrapped_cls["FIXED_BID"].value})

    assert _outcome(enum_serializer(enum_type), other.FIXED_BID) == _outcome(
        enum_type.serialize, other.FIXED_BID
    )
