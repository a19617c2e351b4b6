"""Keyset pagination: page requests, sort keys, opaque cursors and positions past a cursor.

The statements that read a page are in page_query (and stage_walk for lists read group by
group).
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

import orjson
from sqlalchemy import (
    ColumnElement,
    and_,
    false,
    literal,
    or_,
    tuple_,
)

from app.db.types import MONEY_PRECISION
from app.domain.errors import DomainError, ErrorCode

MAX_PAGE = 100
DEFAULT_PAGE = 20
INT64 = (-(2**63), 2**63 - 1)
# Longer than any sort key a row holds (titles and names are at most 255 characters).
MAX_CURSOR_TEXT = 1024
MAX_CURSOR_LENGTH = 4 * MAX_CURSOR_TEXT
KeyKind = Literal["int", "str", "datetime", "decimal", "float"]


@dataclass(frozen=True, slots=True)
class SortKey:
    """One ORDER BY term: an expression, its direction, and how its cursor value is written."""

    expr: ColumnElement[Any]
    descending: bool
    kind: KeyKind


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Relay arguments: `first`/`after` forward, `last`/`before` backward.

    `offset` is the legacy-style alternative to cursors: skip that many items from the start.
    `max_page` is the largest page the caller may ask for (legacy REST pages go up to 1000).
    """

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None
    offset: int | None = None
    max_page: int = MAX_PAGE

    def size(self) -> int:
        """The page size, checked against the maximum."""
        if self.first is not None and self.last is not None:
            raise DomainError.one(
                ErrorCode.INVALID, "first", "Give either first or last, not both."
            )
        if self.offset is not None:
            self._check_offset()
        size = self.first if self.first is not None else self.last
        if size is None:
            return min(DEFAULT_PAGE, self.max_page)
        if not 0 <= size <= self.max_page:
            name = "first" if self.first is not None else "last"
            raise DomainError.one(
                ErrorCode.INVALID, name, f"{name} must be between 0 and {self.max_page}."
            )
        return size

    def _check_offset(self) -> None:
        if self.offset is not None and self.offset < 0:
            raise DomainError.one(ErrorCode.INVALID, "offset", "offset must not be negative.")
        if self.after is not None or self.before is not None or self.last is not None:
            raise DomainError.one(
                ErrorCode.INVALID,
                "offset",
                "offset pages from the start: give it with first, not with after, before or last.",
            )


@dataclass(frozen=True, slots=True)
class Page:
    """One page of rows, their cursors, and where it sits."""

    rows: list[Mapping[str, Any]]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    total: int | None


def _encode_value(value: Any, kind: KeyKind) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return value.isoformat()
    if kind in ("decimal", "float"):
        return str(value)
    return value


def _decode_value(value: Any, kind: KeyKind) -> Any:
    """A sort-key value from a cursor, refused (ValueError) unless a stored row could hold it."""
    if value is None:
        return None
    if kind == "datetime":
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("offset expected")
        return moment.astimezone(UTC)  # OverflowError outside years 1..9999 in UTC
    if kind == "decimal":
        amount = Decimal(value)
        if not amount.is_finite() or abs(amount.adjusted()) > MONEY_PRECISION:
            raise ValueError("not an amount")
        return amount
    if kind == "float":
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("not a number")
        return number
    if kind == "int" and (not isinstance(value, int) or not INT64[0] <= value <= INT64[1]):
        raise ValueError("int expected")
    if kind == "str" and (not isinstance(value, str) or len(value) > MAX_CURSOR_TEXT):
        raise ValueError("str expected")
    return value


def encode_cursor(values: Sequence[Any], keys: Sequence[SortKey]) -> str:
    """An opaque cursor holding the sort-key values of one row."""
    payload = [_encode_value(v, k.kind) for v, k in zip(values, keys, strict=True)]
    return _opaque(payload)


def cursor_encoder(keys: Sequence[SortKey]) -> Callable[[Mapping[str, Any]], str]:
    """encode_cursor for rows holding the keys as `_k0`, `_k1`...: a page's fifty cursors
    made without working out the names and kinds again for each."""
    names = [f"_k{i}" for i in range(len(keys))]
    kinds = [key.kind for key in keys]
    if all(kind in ("int", "str") for kind in kinds):  # JSON as they are
        return lambda row: _opaque([row[name] for name in names])
    return lambda row: _opaque(
        [_encode_value(row[name], kind) for name, kind in zip(names, kinds, strict=True)]
    )


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def _opaque(payload: list[Any]) -> str:
    # base64.urlsafe_b64encode without its two Python calls, unpadded.
    encoded = binascii.b2a_base64(orjson.dumps(payload), newline=False).translate(_URL_SAFE)
    return encoded.rstrip(b"=").decode()


def parse_cursor(cursor: str, argument: str) -> list[Any]:
    """The raw values in a cursor; INVALID when it is not a cursor at all."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise DomainError.one(ErrorCode.INVALID, argument, f"{argument} is not a cursor.")
    try:
        raw = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or not raw:
            raise ValueError("wrong shape")
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise DomainError.one(ErrorCode.INVALID, argument, f"{argument} is not a cursor.") from None
    return raw


def decode_cursor(cursor: str, keys: Sequence[SortKey], argument: str) -> list[Any]:
    """The sort-key values in a cursor; INVALID when it was not made for this ordering."""
    raw = parse_cursor(cursor, argument)
    try:
        if len(raw) != len(keys):
            raise ValueError("wrong length")
        return [_decode_value(v, k.kind) for v, k in zip(raw, keys, strict=True)]
    except (ValueError, TypeError, ArithmeticError):
        raise DomainError.one(
            ErrorCode.INVALID, argument, f"{argument} is not a cursor of this list and order."
        ) from None


def beyond(keys: Sequence[SortKey], values: Sequence[Any], forward: bool) -> ColumnElement[bool]:
    """Rows strictly after (forward) or before (backward) the cursor position."""
    if not keys:
        return false()
    bound = [literal(v, type_=k.expr.type) for v, k in zip(values, keys, strict=True)]
    if len({key.descending for key in keys}) == 1:
        # One direction: a row comparison, which PostgreSQL reads as an index range. SQLite
        # seeks an index on expressions (lower(title)) only by a plain comparison of its first
        # column, which the row comparison implies: without it, it scans from the index start.
        row, position = tuple_(*(k.expr for k in keys)), tuple_(*bound)
        below = keys[0].descending == forward
        past = row < position if below else row > position
        if len(keys) == 1:
            return past
        first = keys[0].expr <= bound[0] if below else keys[0].expr >= bound[0]
        return and_(first, past)
    alternatives = []
    for index, key in enumerate(keys):
        ahead = key.expr < bound[index] if key.descending == forward else key.expr > bound[index]
        equal_prefix = [keys[j].expr == bound[j] for j in range(index)]
        alternatives.append(and_(*equal_prefix, ahead))
    return or_(*alternatives)
