"""The short paths of the column types' result processors read what the general path reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy.dialects.postgresql import asyncpg as postgresql_asyncpg
from sqlalchemy.dialects.sqlite import aiosqlite as sqlite_aiosqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from app.db.types import Money, UTCDateTime

SQLITE = sqlite_aiosqlite.dialect()
POSTGRESQL = postgresql_asyncpg.dialect()


def short(type_: TypeDecorator[Any], dialect: Dialect) -> Any:
    """The processor rows are read with (the type's own `result_processor`)."""
    return type_.dialect_impl(dialect).result_processor(dialect, None)


def general(type_: TypeDecorator[Any], dialect: Dialect) -> Any:
    """SQLAlchemy's TypeDecorator processor: the impl's parse, then process_result_value."""
    impl = type_.dialect_impl(dialect)
    return TypeDecorator.result_processor(impl, dialect, None)


def stored(type_: TypeDecorator[Any], dialect: Dialect, value: Any) -> Any:
    """What the driver is handed when the service writes `value` (and gets back on SQLite)."""
    impl = type_.dialect_impl(dialect)
    bind = impl.bind_processor(dialect)
    return bind(value) if bind else value


def outcome(convert: Any, value: Any) -> tuple[str, Any]:
    """The value with its exact representation, or the kind of error raised."""
    try:
        made = convert(value)
    except Exception as error:  # compared, not hidden
        return "error", type(error)
    # repr, not ==: it tells exponents and offsets apart, and NaN is not equal to itself.
    return "value", (repr(made), getattr(made, "tzinfo", None))


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-06 18:42:00.123456",
        "2026-12-06 18:42:00",
        "2026-12-06 18:42:00.5",
        "2026-12-06",
        "2026-12-06T18:42:00",
        "2026-02-30 00:00:00",
        "2026-12-06 18:42:00+02:00",
        "not a time at all here",
        None,
    ],
)
def test_sqlite_times_read_as_the_general_path_reads_them(text: str | None) -> None:
    """The service's own layout takes the short path; anything else reads (or fails) as before."""
    type_ = UTCDateTime()
    assert outcome(short(type_, SQLITE), text) == outcome(general(type_, SQLITE), text)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 12, 6, 18, 42, tzinfo=UTC),
        datetime(2026, 12, 6, 18, 42, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 12, 6, 18, 42, tzinfo=timezone(timedelta(0))),
        datetime(2026, 12, 6, 18, 42),
        None,
    ],
)
def test_postgresql_times_read_as_the_general_path_reads_them(value: datetime | None) -> None:
    """A time already in UTC comes back as it is; other offsets are moved to UTC as before."""
    type_ = UTCDateTime()
    assert outcome(short(type_, POSTGRESQL), value) == outcome(general(type_, POSTGRESQL), value)


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-7, minutes=-30))])))
def test_any_written_time_reads_back_the_same_on_both_paths(value: datetime) -> None:
    """Round trip through the bind processors: the short path reads the same instant, in UTC."""
    type_ = UTCDateTime()
    for dialect in (SQLITE, POSTGRESQL):
        driver_value = stored(type_, dialect, value)
        assert outcome(short(type_, dialect), driver_value) == outcome(
            general(type_, dialect), driver_value
        )
        read = short(type_, dialect)(driver_value)
        assert read == value and read.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    ["1234.500000000", "-0.000000001", "1.0000000_0", "12.5", "1E+3", "NaN", "x.123456789", None],
)
def test_sqlite_money_reads_as_the_general_path_reads_it(text: str | None) -> None:
    """Nine stored digits are read as they are; any other text as before (errors included)."""
    type_ = Money()
    assert outcome(short(type_, SQLITE), text) == outcome(general(type_, SQLITE), text)


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    st.decimals(
        min_value=Decimal("-1e40"),
        max_value=Decimal("1e40"),
        places=9,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_any_written_amount_reads_back_with_nine_digits(value: Decimal) -> None:
    """Round trip on SQLite: the same amount, the same exponent, the same text."""
    type_ = Money()
    driver_value = stored(type_, SQLITE, value)
    assert outcome(short(type_, SQLITE), driver_value) == outcome(
        general(type_, SQLITE), driver_value
    )
    read = short(type_, SQLITE)(driver_value)
    assert read == value and str(read) == driver_value
