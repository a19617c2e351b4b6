"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Context, Decimal
from typing import Any

from sqlalchemy import DateTime, Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

MONEY_PRECISION = 50
MONEY_SCALE = 9
_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)
# Wide enough for every decimal(50,9) value; the default context keeps only 28 digits.
MONEY_CONTEXT = Context(prec=MONEY_PRECISION + 10)


def exact_money(value: Decimal) -> Decimal:
    """The amount with exactly nine fraction digits (no rounding for valid amounts)."""
    return Decimal(value).quantize(_QUANTUM, context=MONEY_CONTEXT)


class Money(TypeDecorator[Decimal]):
    """Exact decimal(50,9): NUMERIC on PostgreSQL, canonical text on SQLite.

    SQLite has no decimal type; its NUMERIC affinity would round through a double and lose
    digits past the 15th, so the value is kept as text with exactly nine fraction digits.
    """

    impl = Numeric(MONEY_PRECISION, MONEY_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(MONEY_PRECISION + 2))
        return dialect.type_descriptor(Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        exact = exact_money(value)
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return exact_money(Decimal(value))


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime; naive UTC text on SQLite, timestamptz on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
