"""The legacy wire format: ONLYOFFICE's JSON string escaping, exact numbers and ApiDateTime."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

UNSET_DATE = "0001-01-01T00:00:00.0000000Z"

# Json.NET as configured by ONLYOFFICE writes '/' as '\/', escapes '"' and '\', writes control
# characters and UTF-16 surrogates as lowercase \uXXXX, and every other character raw.
_ESCAPES = {ord('"'): '\\"', ord("\\"): "\\\\", ord("/"): "\\/"}
_ESCAPES.update({c: f"\\u{c:04x}" for c in (*range(0x20), *range(0x7F, 0xA0))})
_NON_BMP = re.compile("[\U00010000-\U0010ffff]")


def _surrogates(match: re.Match[str]) -> str:
    code = ord(match.group()) - 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _string(value: str) -> str:
    escaped = value.translate(_ESCAPES)
    if not escaped.isascii():
        escaped = _NON_BMP.sub(_surrogates, escaped)
    return f'"{escaped}"'


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return repr(value)
    raise TypeError(f"cannot put {type(value).__name__} on the legacy wire")


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            out.append(f"{',' if index else ''}{_string(key)}:")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        out.append(_scalar(value))


def dumps(value: Any) -> bytes:
    """Serialize for the legacy wire (UTF-8)."""
    out: list[str] = []
    _encode(value, out)
    return "".join(out).encode()


def api_datetime(value: datetime | None, zone: tzinfo) -> str:
    """ApiDateTime: seven fraction digits, in the portal time zone, 'Z' for a zero offset."""
    if value is None:
        return UNSET_DATE
    local = value.astimezone(zone)
    offset = local.utcoffset()
    if not offset:
        suffix = "Z"
    else:
        minutes = int(offset.total_seconds()) // 60
        sign = "+" if minutes >= 0 else "-"
        suffix = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return f"{local:%Y-%m-%dT%H:%M:%S}.{local.microsecond:06d}0{suffix}"
