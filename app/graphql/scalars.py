"""Scalars: strawberry's own, with descriptions and a fixed-notation Decimal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import uuid

from strawberry.schema.types.base_scalars import (
    DateTimeDefinition,
    DecimalDefinition,
    UUIDDefinition,
)
from strawberry.types.scalar import ScalarDefinition

_PARSE_ISO = DateTimeDefinition.parse_value


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A datetime without an offset is read as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _bounded_datetime(value: object) -> dt.datetime:
    """An ISO 8601 input as an aware UTC datetime that every back end can store.

    A time in years 1..9999 can still fall outside them in UTC (9999-12-31T23:59:59-14:00);
    it is refused here, as the variable or literal it came in, rather than overflow later.
    """
    assert _PARSE_ISO is not None
    parsed = _PARSE_ISO(value)
    assert isinstance(parsed, dt.datetime)
    try:
        return as_utc(parsed).astimezone(dt.UTC)  # type: ignore[union-attr]
    except OverflowError:
        raise ValueError(
            f"Value cannot represent a DateTime in years 1 to 9999 (UTC): {value!r}"
        ) from None


def _fixed(value: decimal.Decimal) -> str:
    # str() would print tiny amounts as "-1E-9"; clients expect "-0.000000001".
    return format(value, "f")


SCALARS: dict[object, ScalarDefinition] = {
    decimal.Decimal: dataclasses.replace(
        DecimalDefinition,
        description=(
            "An exact decimal number written as a string in fixed notation, e.g. "
            '"1500.000000000". Inputs may also be JSON numbers.'
        ),
        serialize=_fixed,
    ),
    dt.datetime: dataclasses.replace(
        DateTimeDefinition,
        parse_value=_bounded_datetime,
        description=(
            "An ISO 8601 date and time. Inputs without an offset are read as UTC and must lie "
            "in years 1 to 9999 in UTC; outputs are in UTC."
        ),
    ),
    uuid.UUID: dataclasses.replace(
        UUIDDefinition, description="A UUID in its canonical hyphenated form."
    ),
}
