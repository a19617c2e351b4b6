"""What every new connection is set up with: SQLite pragmas, inline reads, PostgreSQL settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from app.db import sqlite_driver
from app.db.budget import CLOCK
from app.db.inline_reads import InlineReads
from app.settings import DEFAULT_SQLITE_CACHE_MIB


def begin_immediate(connection: Connection) -> None:
    """A SQLite write transaction that takes the write lock when it begins."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def sqlite_pragmas(busy_timeout_ms: int, cache_mib: int = DEFAULT_SQLITE_CACHE_MIB) -> Any:
    """The connect hook setting a SQLite connection's pragmas.

    The page cache: SQLite's default holds 2 MiB, and a list page's three reads touch more of
    a 10,000-deal database than that, so each read evicted the pages the next one needed and
    read them again from the operating system (the three 1.15 ms together, 0.87 ms with the
    pages kept). The cache grows only with the pages a connection reads.

    The same amount bounds SQLite's memory in the whole process (its soft heap limit, which is
    process-wide): near it, a connection reuses its least recently used pages instead of taking
    more. A 10,000-deal file (12 MiB) fits in the default 24 MiB; a million deals no longer fill
    five caches of that size, so the service's memory stays about the same at any table size.
    """

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so that BEGIN is ours to issue:
        # pysqlite's implicit BEGIN is DEFERRED, and two deferred read-then-write
        # transactions deadlock or lose updates.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=FULL",
            "PRAGMA foreign_keys=ON",
            f"PRAGMA busy_timeout={busy_timeout_ms}",
            f"PRAGMA cache_size=-{cache_mib * 1024}",  # negative: in KiB, not pages
            f"PRAGMA soft_heap_limit={cache_mib * 1024 * 1024}",
        ):
            cursor.execute(pragma)
        cursor.close()

    return on_connect


def inline_reads() -> Any:
    """The connect hook giving a reader its inline reads (one cost table per database)."""
    costs: dict[str, float] = {}  # one database's statement texts and what they take

    def on_connect(dbapi_connection: Any, record: Any) -> None:
        if isinstance(dbapi_connection, sqlite_driver.OneHopConnection):
            dbapi_connection.inline = InlineReads(record.info[CLOCK], costs)

    return on_connect


def postgres_settings(statement_timeout_s: float) -> dict[str, str]:
    """Session settings of every PostgreSQL connection."""
    return {
        # No statement outlives the request that sent it, even if its task is gone.
        "statement_timeout": str(int(statement_timeout_s * 1000)),
        "idle_in_transaction_session_timeout": str(int(statement_timeout_s * 2000)),
        # JIT compiles each list statement for 100+ ms and never pays back on page-sized reads.
        "jit": "off",
    }
