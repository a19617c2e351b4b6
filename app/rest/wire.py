"""The legacy wire format: ONLYOFFICE's JSON string escaping, exact numbers and ApiDateTime."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

import orjson

UNSET_DATE = "0001-01-01T00:00:00.0000000Z"

# Json.NET as configured by ONLYOFFICE writes '/' as '\/', escapes '"' and '\', writes control
# characters (C0, DEL, C1) and UTF-16 surrogates as lowercase \uXXXX, every other character raw.
# orjson does the walk in C; what it writes differently is rewritten in its output: its short
# escapes (\n, \t, ...) become \u00XX, and what it leaves raw ('/', DEL, C1, characters beyond
# the BMP) is escaped. Both only ever occur inside strings, never in the JSON around them.
_ORJSON_ESCAPE = re.compile(rb"\\(.)")
_LONG_FORM = {
    b"b": b"\\u0008",
    b"f": b"\\u000c",
    b"n": b"\\u000a",
    b"r": b"\\u000d",
    b"t": b"\\u0009",
}
# One of orjson's short escapes (its quote and backslash escapes Json.NET writes the same): the
# rewrite runs only when one may be there, as a custom field's mask holds quotes in every answer.
# A search is a scan for the backslash; `in` tests of two-byte needles cost ten times more.
# (It also finds an escaped backslash before such a letter, and the rewrite then changes nothing.)
_SHORT_ESCAPE = re.compile(rb"\\[bfnrt]")
_LEFT_RAW = re.compile(rb"\x7f|\xc2[\x80-\x9f]|[\xf0-\xf4][\x80-\xbf]{3}")
# The bytes those start with: looking for each is faster than running the pattern.
_LEFT_RAW_LEADS = (b"\x7f", b"\xc2", b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")


def _long_form(match: re.Match[bytes]) -> bytes:
    return _LONG_FORM.get(match.group(1), match.group())


def _utf16_escape(match: re.Match[bytes]) -> bytes:
    code = ord(match.group().decode())
    if code < 0x10000:
        return b"\\u%04x" % code
    code -= 0x10000
    return b"\\u%04x\\u%04x" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))


def _number(value: Any) -> orjson.Fragment:
    if isinstance(value, Decimal):
        return orjson.Fragment(format(value, "f"))
    raise TypeError(f"cannot put {type(value).__name__} on the legacy wire")


def dumps(value: Any) -> bytes:
    """Serialize for the legacy wire (UTF-8); decimals as exact numbers."""
    out = orjson.dumps(
        value,
        default=_number,
        option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS,
    )
    if _SHORT_ESCAPE.search(out):
        out = _ORJSON_ESCAPE.sub(_long_form, out)
    out = out.replace(b"/", b"\\/")
    if (b"\x7f" in out or not out.isascii()) and any(lead in out for lead in _LEFT_RAW_LEADS):
        out = _LEFT_RAW.sub(_utf16_escape, out)
    return out


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
    # isoformat pads the year to four digits, as .NET does; strftime's %Y does not on glibc.
    return f"{local.replace(tzinfo=None).isoformat(timespec='microseconds')}0{suffix}"
