"""The original's ApiContext: paging, sorting and search values read from the query string.

ApiContext reads `count`, `startIndex`, `sortBy`, `sortOrder` and `filterValue` from the query
string alone (never the body), by `key[]` first, else `key`: of several values the first counts,
and a single value counts up to its first comma. The route's method parameters are bound apart
(app.rest.binding); these values are the envelope's and the list's (ApiSmartListResponceFilter).
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.rest.legacy import LEGACY_MAX_PAGE

# What .NET's number parsing skips around digits (NumberStyles.Integer).
_NUMBER_SPACE = "\t\n\v\f\r "
INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1
INT32 = (-(2**31), 2**31 - 1)
# The names of DealSortedByType, in order: the number of each is its place.
DEAL_SORTED_BY = ("title", "responsible", "stage", "bidvalue", "dateandtime", "id")


@dataclass(frozen=True, slots=True)
class ApiContext:
    """The values of one request's ApiContext."""

    specified_count: int  # items asked for: 0..LEGACY_MAX_PAGE
    start_index: int  # 0..Int64
    sort_by: str | None
    descending: bool
    filter_value: str | None


def request_value(pairs: Iterable[tuple[str, str]], key: str) -> str | None:
    """ApiContext.GetRequestValue: `key[]`'s first value, else `key`'s (names in any case)."""
    items = list(pairs)
    arrays = [value for name, value in items if name.lower() == f"{key.lower()}[]"]
    if arrays:
        return arrays[0]
    values = [value for name, value in items if name.lower() == key.lower()]
    if not values:
        return None
    if len(values) == 1 and values[0]:
        return values[0].split(",")[0]  # a single value is split at commas
    return values[0]


def _whole(text: str, *, signed: bool) -> int | None:
    """A .NET Int64/UInt64 TryParse: spaces around, one sign, ASCII digits; else None."""
    stripped = text.strip(_NUMBER_SPACE)
    sign = 1
    if stripped[:1] in ("+", "-"):
        if stripped[0] == "-" and not signed:
            return None
        sign = -1 if stripped[0] == "-" else 1
        stripped = stripped[1:]
    if not stripped or any(c not in string.digits for c in stripped):
        return None
    value = sign * int(stripped)
    low, high = (-INT64_MAX - 1, INT64_MAX) if signed else (0, UINT64_MAX)
    return value if low <= value <= high else None


def api_context(pairs: Sequence[tuple[str, str]]) -> ApiContext:
    """The ApiContext of a query string (ApiContext's constructor)."""
    count_text = request_value(pairs, "count")
    count = _whole(count_text, signed=False) if count_text else None
    start_text = request_value(pairs, "startIndex")
    start = _whole(start_text, signed=True) if start_text is not None else None
    return ApiContext(
        specified_count=LEGACY_MAX_PAGE if count is None else min(count, LEGACY_MAX_PAGE),
        start_index=max(0, start or 0),
        sort_by=request_value(pairs, "sortBy"),
        # Compared exactly, as "descending".Equals(sortOrder) does.
        descending=request_value(pairs, "sortOrder") == "descending",
        filter_value=request_value(pairs, "filterValue"),
    )


def enum_number(text: str | None, names: Sequence[str]) -> int | None:
    """Enum.Parse(type, text, ignoreCase: true) of an Int32 enum: the number, else None.

    A number (with spaces and sign) is taken as it is, defined or not; otherwise every
    comma-separated name must be one of `names` (any case), and their numbers are OR-ed.
    """
    if text is None:
        return None
    trimmed = text.strip()
    if not trimmed:
        return None
    if trimmed[0].isdigit() or trimmed[0] in "+-":
        # A number, or nothing: no name starts with a digit or a sign.
        number = _whole(trimmed, signed=True)
        return number if number is not None and INT32[0] <= number <= INT32[1] else None
    result = 0
    for part in trimmed.split(","):
        name = part.strip().lower()
        if name not in names:
            return None
        result |= names.index(name)
    return result
