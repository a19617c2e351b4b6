"""The kinds of legacy parameter values (spec 1.3): how each is read, and how OpenAPI shows it.

Every value is first reduced to text, as the original's JSON-to-XML step does, then converted
by its declared kind. An empty value means "not given"; a value that cannot be converted is a
BindingError naming the parameter.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from enum import IntEnum
from typing import Any

import orjson

INT32 = (-(2**31), 2**31 - 1)


class BindingError(Exception):
    """A parameter could not be read; the legacy answer is 400 with this message."""


@dataclass(frozen=True, slots=True)
class Kind:
    """How to read one parameter, and how OpenAPI describes it in a JSON and a form body."""

    name: str
    convert: Callable[[str, Any, tzinfo], Any]
    json_schema: Mapping[str, Any]
    form_schema: Mapping[str, Any]
    many: bool = False


# The text each kind accepts, as patterns that mean the same in Python and in JSON Schema
# (no \\s or \\d, whose Unicode meanings differ). Binding accepts exactly what they match, and
# "" always means "not given", so the OpenAPI document is a faithful contract for fuzzers.
_WS = "[ \\t]*"
_HEX = "[0-9A-Fa-f]"
INT_RE = rf"{_WS}[+-]?[0-9]{{1,10}}{_WS}"
BOOL_RE = rf"{_WS}([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]){_WS}"
GUID_RE = rf"{_WS}\{{?{_HEX}{{8}}-?{_HEX}{{4}}-?{_HEX}{{4}}-?{_HEX}{{4}}-?{_HEX}{{12}}\}}?{_WS}"
DECIMAL_RE = rf"{_WS}[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{{1,3}})?{_WS}"
DATE_RE = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(T[0-9]{2}(:[0-9]{2}:[0-9]{2}|-[0-9]{2}-[0-9]{2})(\.([0-9]{3}|[0-9]{7}))?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?)?"
)


def _text_schema(pattern: str) -> dict[str, Any]:
    return {"type": "string", "pattern": f"^(|{pattern})$"}


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    # The module's own patterns only (a few): re.fullmatch looks its cache up in Python.
    return re.compile(pattern)


def _matches(pattern: str, text: str) -> bool:
    return _compiled(pattern).fullmatch(text) is not None


_INT_TEXT = _text_schema(INT_RE)
_BOOL_TEXT = _text_schema(BOOL_RE)
_GUID_TEXT = _text_schema(GUID_RE)
_DECIMAL_TEXT = _text_schema(DECIMAL_RE)
_DATE_TEXT = _text_schema(DATE_RE)
_SCALAR = {"type": ["string", "number", "boolean", "null"]}


def _text(value: Any, param: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and "\x00" in value:
        # PostgreSQL cannot store NUL in text; refuse it the same on every back end.
        raise BindingError(f"Parameter '{param}' must not contain NUL characters.")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise BindingError(f"Parameter '{param}' must be a single value.")


def _valid_text(param: str, raw: Any, pattern: str, type_name: str) -> str | None:
    """The value's text when it matches `pattern`, None when not given; else refused."""
    text = _text(raw, param)
    if not text:
        return None
    if not _matches(pattern, text):
        raise BindingError(f"Parameter '{param}': '{text}' is not a valid {type_name}.")
    return text


def _int(param: str, raw: Any, _: tzinfo) -> int | None:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # JSON's 3.0 is the integer 3
    if type(raw) is int and INT32[0] <= raw <= INT32[1]:
        return raw  # a JSON number in range: what its text would convert to (no bool here)
    text = _valid_text(param, raw, INT_RE, "Int32")
    if text is None:
        return None
    if not INT32[0] <= int(text) <= INT32[1]:
        raise BindingError(f"Parameter '{param}': '{text}' is not a valid Int32.")
    return int(text)


def _bool(param: str, raw: Any, _: tzinfo) -> bool | None:
    text = _valid_text(param, raw, BOOL_RE, "Boolean")
    return None if text is None else text.strip(" \t").lower() == "true"


def _guid(param: str, raw: Any, _: tzinfo) -> uuid.UUID | None:
    text = _valid_text(param, raw, GUID_RE, "Guid")
    return None if text is None else uuid.UUID(hex=text.strip(" \t").strip("{}").replace("-", ""))


def _decimal(param: str, raw: Any, _: tzinfo) -> Decimal | None:
    text = _valid_text(param, raw, DECIMAL_RE, "Decimal")
    return None if text is None else Decimal(text.strip(" \t"))


def _string(param: str, raw: Any, _: tzinfo) -> str | None:
    return _text(raw, param) or None


def _date(param: str, raw: Any, zone: tzinfo) -> datetime | None:
    """ApiDateTime input formats (spec 6); without an offset the portal time zone applies."""
    text = _text(raw, param)
    if not text:
        return None
    if not _matches(DATE_RE, text):
        raise BindingError(f"Parameter '{param}': invalid date time format '{text}'.")
    # Fixed positions: the pattern has already pinned the layout down.
    year, month, day = text[0:4], text[5:7], text[8:10]
    hour, minute, second = (text[11:13], text[14:16], text[17:19]) if len(text) > 10 else ("0",) * 3
    tail = _compiled(r"(\.([0-9]{7}|[0-9]{3}))?(.*)").fullmatch(text[19:])
    assert tail is not None
    fraction, offset = tail.group(2), tail.group(3)
    tz: tzinfo = zone
    try:
        if offset == "Z":
            tz = UTC
        elif offset:
            sign = -1 if offset[0] == "-" else 1
            tz = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
        value = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(7, "0")[:6]),
            tzinfo=tz,
        )
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        # Out-of-range parts (month 13, offset +77:00, a year-1 time west of UTC).
        raise BindingError(f"Parameter '{param}': invalid date time '{text}'.") from None


def enum_kind(enum: type[IntEnum]) -> Kind:
    """An enum read by member name (any case, PascalCase or SNAKE) or by number."""
    by_name = {m.name.replace("_", "").lower(): m for m in enum}
    by_number = {str(int(m)): m for m in enum}

    def convert(param: str, raw: Any, _: tzinfo) -> IntEnum | None:
        text = _text(raw, param)
        if not text:
            return None
        key = text.strip(" \t")
        if key.lower() in by_name:
            return by_name[key.lower()]
        if key in by_number:
            return by_number[key]
        raise BindingError(f"Parameter '{param}': '{text}' is not a valid {enum.__name__}.")

    names = "|".join(
        "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in m.name.replace("_", ""))
        for m in enum
    )
    numbers = "|".join(str(int(m)) for m in enum)
    text = _text_schema(rf"{_WS}({names}|{numbers}){_WS}")
    return Kind(
        enum.__name__,
        convert,
        {"anyOf": [{"type": "integer", "enum": [int(m) for m in enum]}, text, {"type": "null"}]},
        text,
    )


def _list_of(kind: Kind) -> Kind:
    def convert(param: str, raw: Any, zone: tzinfo) -> list[Any] | None:
        if raw is None:
            return None
        items = raw if isinstance(raw, list) else [raw]
        converted = [kind.convert(param, item, zone) for item in items]
        return [item for item in converted if item is not None]

    return Kind(
        f"{kind.name}[]",
        convert,
        {"anyOf": [{"type": "array", "items": kind.json_schema}, kind.json_schema]},
        # In a form, one value and a list of one are the same text.
        {"anyOf": [{"type": "array", "items": kind.form_schema}, kind.form_schema]},
        many=True,
    )


def _custom_fields(param: str, raw: Any, _: tzinfo) -> list[tuple[int, str | None]] | None:
    if raw is None:
        return None
    items = raw if isinstance(raw, list) else [raw]
    result: list[tuple[int, str | None]] = []
    for item in items:
        if not isinstance(item, dict):
            raise BindingError(f"Parameter '{param}' must be a list of {{key, value}} objects.")
        fields = {str(k).lower(): v for k, v in item.items()}
        key = _int(f"{param}.key", fields.get("key"), UTC)
        if key is None:
            continue
        result.append((key, _text(fields.get("value"), f"{param}.value")))
    return result


def _page_number(param: str, raw: Any, _: tzinfo) -> int | None:
    """A paging value read as the original's ApiContext does: what is not a non-negative
    whole number is ignored (the default applies), never refused."""
    stripped = (_text(raw, param) or "").strip(" \t").removeprefix("+")
    return int(stripped) if stripped.isascii() and stripped.isdigit() else None


def _json_text(param: str, raw: Any, zone: tzinfo) -> str | None:
    """Text, or a JSON array or object given in its place, kept as JSON text (a field mask)."""
    if isinstance(raw, list | dict):
        return orjson.dumps(raw).decode()
    return _string(param, raw, zone)


INT = Kind(
    "Int32",
    _int,
    {
        "anyOf": [
            {"type": "integer", "minimum": INT32[0], "maximum": INT32[1]},
            _INT_TEXT,
            {"type": "null"},
        ]
    },
    _INT_TEXT,
)
BOOL = Kind(
    "Boolean", _bool, {"anyOf": [{"type": "boolean"}, _BOOL_TEXT, {"type": "null"}]}, _BOOL_TEXT
)
GUID = Kind("Guid", _guid, {"anyOf": [_GUID_TEXT, {"type": "null"}]}, _GUID_TEXT)
DECIMAL = Kind(
    "Decimal",
    _decimal,
    {"anyOf": [{"type": "number"}, _DECIMAL_TEXT, {"type": "null"}]},
    _DECIMAL_TEXT,
)
STRING = Kind("String", _string, _SCALAR, {"type": "string"})
DATE = Kind("ApiDateTime", _date, {"anyOf": [_DATE_TEXT, {"type": "null"}]}, _DATE_TEXT)
# startIndex and count (spec 1.6): any text is accepted, the unreadable is ignored.
PAGE_NUMBER = Kind("PageNumber", _page_number, _SCALAR, {"type": "string"})
JSON_TEXT = Kind(
    "JsonText",
    _json_text,
    {"type": ["string", "number", "boolean", "null", "array", "object"]},
    {"type": "string"},
)
INT_LIST = _list_of(INT)
STRING_LIST = _list_of(STRING)
GUID_LIST = _list_of(GUID)
_FIELD_VALUE = {
    "type": "object",
    "description": "A custom-field value; key and value are matched in any letter case.",
    "properties": {"key": INT.json_schema, "value": _SCALAR},
}
CUSTOM_FIELDS = Kind(
    "CustomFieldList",
    _custom_fields,
    {"anyOf": [{"type": "array", "items": _FIELD_VALUE}, _FIELD_VALUE, {"type": "null"}]},
    {"type": "string"},
    many=True,
)
