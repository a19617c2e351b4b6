"""Rows built by a generated function equal a zip into a dict and a converter per column."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.db.row_builder import Convert, keeps_null, row_builder


def _reference(
    keys: Sequence[str], converters: Sequence[Convert], raw: Any
) -> list[dict[str, Any]]:
    """What direct.Prepared.rows did before: dict(zip()), then each converted column."""
    rows = [dict(zip(keys, row, strict=True)) for row in raw]
    for index, (key, convert) in enumerate(zip(keys, converters, strict=True)):
        if convert is None:
            continue
        for row, values in zip(raw, rows, strict=True):
            if row[index] is not None or not keeps_null(convert):
                values[key] = convert(row[index])
    return rows


def _null_to_zero(value: Any) -> Any:
    return 0 if value is None else value * 2


CONVERTERS: list[Callable[[Any], Any] | None] = [
    None,
    lambda value: None if value is None else value + 1,  # keeps NULL: a NULL skips it
    _null_to_zero,  # turns None into 0: a NULL must go through it
    str,  # str(None) is 'None': a NULL goes through it
]
KEYS = st.text(min_size=1, max_size=12)


@given(
    st.lists(
        st.tuples(KEYS, st.sampled_from(range(len(CONVERTERS)))),
        min_size=1,
        max_size=30,
        unique_by=lambda column: column[0],
    ),
    st.data(),
)
def test_rows_equal_a_zip_and_a_converter_per_column(
    columns: list[tuple[str, int]], data: st.DataObject
) -> None:
    keys = [key for key, _ in columns]
    converters = [CONVERTERS[which] for _, which in columns]
    raw = data.draw(
        st.lists(
            st.tuples(*(st.one_of(st.none(), st.integers(-5, 5)) for _ in columns)), max_size=8
        )
    )

    assert row_builder(keys, converters)(raw) == _reference(keys, converters, raw)


def test_keys_that_are_not_identifiers_and_real_converters() -> None:
    keys = ["_opportunity", "it's", 'a "quoted" key', "lower(title)", "1"]
    when = datetime(2026, 12, 7, tzinfo=UTC)
    converters: list[Convert] = [
        None,
        lambda text: None if text is None else datetime.fromisoformat(text + "+00:00"),
        lambda text: None if text is None else Decimal(text),
        lambda flag: None if flag is None else bool(flag),
        None,
    ]
    raw = [(1, "2026-12-07 00:00:00", "1.500000000", 0, None), (2, None, None, None, "x")]

    rows = row_builder(keys, converters)(raw)

    assert rows == [
        {
            "_opportunity": 1,
            "it's": when,
            'a "quoted" key': Decimal("1.5"),
            "lower(title)": False,
            "1": None,
        },
        {"_opportunity": 2, "it's": None, 'a "quoted" key': None, "lower(title)": None, "1": "x"},
    ]


def test_a_row_of_another_width_is_refused() -> None:
    build = row_builder(["a", "b"], [None, None])

    with pytest.raises(ValueError, match="too many values"):
        build([(1, 2, 3)])
    with pytest.raises(ValueError, match="not enough values"):
        build([(1,)])
    assert build([]) == []


def test_a_single_column() -> None:
    assert row_builder(["id"], [None])([(1,), (2,)]) == [{"id": 1}, {"id": 2}]
