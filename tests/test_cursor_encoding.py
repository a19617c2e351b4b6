"""A page's cursors, made by one encoder for all its rows, are the cursors encode_cursor makes,
and decode back to the row's sort keys."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import column

from app.domain.paging import KeyKind, SortKey, cursor_encoder, decode_cursor, encode_cursor

VALUES: dict[KeyKind, st.SearchStrategy[Any]] = {
    "int": st.integers(-(2**63), 2**63 - 1),
    "str": st.text(max_size=40),
    "datetime": st.datetimes(timezones=st.just(UTC)),
    "decimal": st.integers(-(10**14), 10**14).map(lambda cents: Decimal(cents).scaleb(-2)),
    "float": st.floats(allow_nan=False, allow_infinity=False),
}
KINDS: list[KeyKind] = ["int", "str", "datetime", "decimal", "float"]


@st.composite
def keyed_rows(draw: st.DrawFn) -> tuple[list[SortKey], list[Any]]:
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=4))
    keys = [SortKey(column(f"c{i}"), draw(st.booleans()), kind) for i, kind in enumerate(kinds)]
    values = [draw(st.none() | VALUES[kind]) for kind in kinds]
    return keys, values


# No deadline: a first example on a busy machine can take longer than hypothesis' 200 ms.
@settings(max_examples=300, deadline=None)
@given(keyed_rows())
def test_the_page_encoder_makes_encode_cursors_cursor(
    found: tuple[list[SortKey], list[Any]],
) -> None:
    # given
    keys, values = found
    row = {f"_k{i}": value for i, value in enumerate(values)}

    # when
    cursor = cursor_encoder(keys)(row)

    # then: the same text, URL-safe and unpadded, decoding to the same keys
    assert cursor == encode_cursor(values, keys)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(cursor, keys, "after") == values


@pytest.mark.parametrize(
    ("kinds", "values", "cursor"),
    [
        (["int", "str"], [3, "abc/?>>"], "WzMsImFiYy8_Pj4iXQ"),
        (["datetime", "decimal"], [datetime(2024, 1, 2, tzinfo=UTC), Decimal("1.50")], None),
    ],
)
def test_cursors_keep_their_published_form(
    kinds: list[KeyKind], values: list[Any], cursor: str | None
) -> None:
    # given: cursors clients hold from earlier pages (base64url of the JSON list, unpadded)
    keys = [SortKey(column(f"c{i}"), False, kind) for i, kind in enumerate(kinds)]
    row = {f"_k{i}": value for i, value in enumerate(values)}

    # when
    made = cursor_encoder(keys)(row)

    # then
    if cursor is not None:
        assert made == cursor
    assert decode_cursor(made, keys, "after") == values
