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


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A datetime without an offset is read as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


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
        description=(
            "An ISO 8601 date and time. Inputs without an offset are read as UTC; "
            "outputs are in UTC."
        ),
    ),
    uuid.UUID: dataclasses.replace(
        UUIDDefinition, description="A UUID in its canonical hyphenated form."
    ),
}
