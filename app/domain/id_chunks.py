"""Long id lists: cut into chunks, so that no statement nears a driver's bind-parameter limit,
and rows found by them put back in the list's order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
ID_CHUNK = 500  # stays far below every driver's bind-parameter limit


def chunks(values: Sequence[T]) -> Iterable[Sequence[T]]:
    """`values` in consecutive slices of at most ID_CHUNK."""
    for start in range(0, len(values), ID_CHUNK):
        yield values[start : start + ID_CHUNK]


def unique(values: Iterable[T]) -> list[T]:
    """`values` without repeats, in first-seen order."""
    return list(dict.fromkeys(values))


def in_order(ids: Sequence[int], rows: Iterable[Mapping[Any, Any]]) -> list[Mapping[Any, Any]]:
    """The rows whose "id" is in `ids`, in the order of `ids` (first mention), once each."""
    by_id = {row["id"]: row for row in rows}
    return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]
