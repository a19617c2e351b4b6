"""A legacy Int32 parameter given as a JSON number is read as its text would be: the same
value, the same refusal, whichever path reads it."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.rest.kinds import INT, INT32, INT_RE, BindingError


def _through_text(raw: Any) -> int | None:
    """The reading of a value by its text alone (what the original's binder sees)."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = ("true" if raw else "false") if isinstance(raw, bool) else str(raw)
    if re.fullmatch(INT_RE, text) is None or not INT32[0] <= int(text) <= INT32[1]:
        raise BindingError(f"Parameter 'n': '{text}' is not a valid Int32.")
    return int(text)


def _outcome(read: Any, raw: Any) -> tuple[str, Any]:
    try:
        return "value", read(raw)
    except BindingError as refused:
        return "refused", str(refused)


@given(st.integers(-(2**40), 2**40) | st.booleans() | st.floats(-(2**33), 2**33))
def test_a_number_reads_as_its_text(raw: Any) -> None:
    assert _outcome(lambda v: INT.convert("n", v, UTC), raw) == _outcome(_through_text, raw)


@pytest.mark.parametrize("raw", [INT32[0], INT32[1], 0, INT32[1] + 1, INT32[0] - 1, True, 3.0])
def test_the_edges(raw: Any) -> None:
    assert _outcome(lambda v: INT.convert("n", v, UTC), raw) == _outcome(_through_text, raw)
