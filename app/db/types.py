"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Context, Decimal
from functools import partial
from typing import Any, cast

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

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        """process_result_value; SQLite's text with its nine digits is read as it is."""
        general = super().result_processor(dialect, coltype)
        if general is None or dialect.name != "sqlite":
            return general
        return partial(_money_from_sqlite_text, general)


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

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        """process_result_value, with a short path for the values the service itself wrote.

        Every row read converts a few times, and the general path (SQLAlchemy's parse, then
        `replace(tzinfo=UTC)`, slow in CPython 3.11) cost a microsecond each, a fifth of a
        list page's row work. A UTC time already in UTC is returned as it is; SQLite's text in
        the one layout SQLAlchemy writes is parsed with its offset by `fromisoformat`.
        """
        general = super().result_processor(dialect, coltype)
        if general is None:
            return None
        if dialect.name == "sqlite":
            return partial(_from_sqlite_text, general)
        return partial(_from_aware, general)


def _money_from_sqlite_text(general: Any, value: Any) -> Decimal | None:
    # Stored by process_bind_param with exactly nine fraction digits: quantizing changes nothing.
    # Text that is not a number fails in Decimal() and takes the general path too.
    if type(value) is str and value[-10:-9] == "." and value[-9:].isdigit():
        try:
            return Decimal(value)
        except ArithmeticError:
            pass
    return cast(Decimal | None, general(value))


def _from_sqlite_text(general: Any, value: Any) -> datetime | None:
    # 'YYYY-MM-DD HH:MM:SS' with or without '.ffffff': what SQLAlchemy's SQLite DATETIME stores.
    if type(value) is str and len(value) in (19, 26) and value[10] == " ":
        try:
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:
            pass
    return cast(datetime | None, general(value))


def _from_aware(general: Any, value: Any) -> datetime | None:
    if type(value) is datetime and value.tzinfo is UTC:
        return value
    return cast(datetime | None, general(value))
