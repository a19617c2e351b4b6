"""The legacy JSON encoder against a plain, character-by-character statement of the rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.rest.wire import UNSET_DATE, api_datetime, dumps


def _escaped(text: str) -> str:
    """Json.NET as ONLYOFFICE configures it: '/' escaped, controls and surrogates as \\uXXXX."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\/':
            out.append("\\" + char)
        elif code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\u{code:04x}")
        elif code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def reference(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{_escaped(k)}:{reference(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(reference(item) for item in value) + "]"
    if isinstance(value, str):
        return _escaped(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    return repr(value)  # integers


# Any character but lone surrogates (they are not text and never reach the wire).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
SCALARS = (
    TEXT
    | st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.decimals(allow_nan=False, allow_infinity=False, places=9)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_matches_the_rules_for_any_value(value: Any) -> None:
    assert dumps(value) == reference(value).encode()


@pytest.mark.parametrize(
    ("text", "wire"),
    [
        ("a/b", '"a\\/b"'),
        ('say "hi" \\ bye', '"say \\"hi\\" \\\\ bye"'),
        ("\n\t\r\b\f", '"\\u000a\\u0009\\u000d\\u0008\\u000c"'),
        ("\\n", '"\\\\n"'),  # a backslash and an n, not a newline
        ('{"size":40}', '"{\\"size\\":40}"'),  # quotes alone: no short escape to rewrite
        ('\\"\n', '"\\\\\\"\\u000a"'),  # backslash, quote, newline
        ("\x00\x1f\x7f\x80\x9f\xa0", '"\\u0000\\u001f\\u007f\\u0080\\u009f\xa0"'),
        ("€ 😀", '"€ \\ud83d\\ude00"'),
    ],
)
def test_escapes(text: str, wire: str) -> None:
    assert dumps({"k": text}) == f'{{"k":{wire}}}'.encode()


def test_decimals_are_exact_numbers() -> None:
    assert dumps([Decimal("12345678901234567890.123456789"), Decimal("1E+3")]) == (
        b"[12345678901234567890.123456789,1000]"
    )


def test_refuses_what_the_wire_has_no_form_for() -> None:
    with pytest.raises(TypeError):
        dumps({"when": object()})


@pytest.mark.parametrize(
    ("value", "zone", "wire"),
    [
        (datetime(2026, 11, 30, 9, 5, 7, 123456, tzinfo=UTC), UTC, "2026-11-30T09:05:07.1234560Z"),
        (
            datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
            timezone(timedelta(hours=5, minutes=30)),
            "2026-12-01T05:00:00.0000000+05:30",
        ),
        (
            datetime(2026, 1, 1, tzinfo=UTC),
            timezone(-timedelta(hours=3)),
            "2025-12-31T21:00:00.0000000-03:00",
        ),
        # Years before 1000 keep four digits, as .NET writes them.
        (datetime(999, 3, 4, tzinfo=UTC), UTC, "0999-03-04T00:00:00.0000000Z"),
        (None, UTC, UNSET_DATE),
    ],
)
def test_api_datetime(value: datetime | None, zone: timezone, wire: str) -> None:
    assert api_datetime(value, zone) == wire
