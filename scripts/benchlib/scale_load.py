"""Bulk loads of the scale benchmark's rows into a database the app has just migrated.

SQLite: stdlib sqlite3, one transaction, `executemany`, no journal and `synchronous=OFF` while it
lasts (a load that fails leaves no cache entry behind, so a torn file is never used). Values are
written by the app's own column types, so they are stored exactly as the service stores them.
PostgreSQL: asyncpg `COPY` (binary) per table and chunk, in one transaction, then the id
sequences are moved past the loaded ids and the tables analysed.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.dialects.sqlite import aiosqlite
from sqlalchemy.engine import make_url

from app.db.models import metadata
from scripts.benchlib.scale_data import COLUMNS, Chunk

Row = tuple[Any, ...]
# Tables whose integer ids the load writes itself: their sequences must continue after them.
ID_TABLES = ("contact", "opportunity")
# Parents before children, so that every foreign key points at a row already there.
TABLE_ORDER = tuple(COLUMNS)


def _sqlite_converter(table: str) -> Callable[[Row], Row]:
    """Turns a row of plain values into what the app's column types store on SQLite."""
    dialect = aiosqlite.dialect()
    columns = metadata.tables[table].c
    processors = [
        (index, processor)
        for index, name in enumerate(COLUMNS[table])
        if (processor := columns[name].type.dialect_impl(dialect).bind_processor(dialect))
    ]

    def convert(row: Row) -> Row:
        values = list(row)
        for index, processor in processors:
            if values[index] is not None:
                values[index] = processor(values[index])
        return tuple(values)

    return convert


def _insert_sql(table: str) -> str:
    names = COLUMNS[table]
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


def _progress(label: str, started: float, rows: dict[str, int]) -> None:
    done = ", ".join(f"{table} {count:,}" for table, count in rows.items())
    print(f"    {label}: {done} ({time.monotonic() - started:.0f} s)", flush=True)


def load_sqlite(path: Path, chunks: Iterable[Chunk]) -> dict[str, int]:
    """Insert every chunk's rows into the SQLite file; returns rows per table."""
    converters = {table: _sqlite_converter(table) for table in TABLE_ORDER}
    loaded = dict.fromkeys(TABLE_ORDER, 0)
    started = time.monotonic()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in (
            "PRAGMA journal_mode=OFF",
            "PRAGMA synchronous=OFF",
            "PRAGMA cache_size=-1048576",  # 1 GiB: index pages stay in memory during the load
            "PRAGMA temp_store=MEMORY",
        ):
            conn.execute(pragma)
        conn.execute("BEGIN")
        for number, chunk in enumerate(chunks, 1):
            for table in TABLE_ORDER:
                rows = chunk.rows.get(table, [])
                conn.executemany(_insert_sql(table), map(converters[table], rows))
                loaded[table] += len(rows)
            if number % 10 == 0:
                _progress("sqlite", started, loaded)
        conn.execute("COMMIT")
        # The service's own mode; it sets it on every connection too.
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    _progress("sqlite done", started, loaded)
    return loaded


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL as asyncpg takes it."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


async def load_postgres(url: str, chunks: Iterable[Chunk]) -> dict[str, int]:
    """COPY every chunk's rows into the PostgreSQL database; returns rows per table."""
    loaded = dict.fromkeys(TABLE_ORDER, 0)
    started = time.monotonic()
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        async with conn.transaction():
            for number, chunk in enumerate(chunks, 1):
                for table in TABLE_ORDER:
                    rows = chunk.rows.get(table)
                    if rows:
                        await conn.copy_records_to_table(
                            table, records=rows, columns=COLUMNS[table]
                        )
                        loaded[table] += len(rows)
                if number % 10 == 0:
                    _progress("postgres", started, loaded)
            for table in ID_TABLES:
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT coalesce(max(id), 1) FROM {table}))"
                )
        # Autovacuum would analyse the tables and mark their pages all-visible soon after such
        # a load (index-only scans need the latter); the benchmark does not wait for it.
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    _progress("postgres done", started, loaded)
    return loaded


def both(first: Iterable[Chunk], second: Iterable[Chunk]) -> Iterator[Chunk]:
    """The chunks of one draw, then of the next."""
    yield from first
    yield from second
