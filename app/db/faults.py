"""Database faults a client should retry later, told apart from bugs in one place.

Every read and write goes through `Database.read` / `Database.write`, which turn these into
`Unavailable` exceptions; the HTTP layers answer those with 503 and Retry-After, never 500.
"""

from __future__ import annotations

from typing import NoReturn

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

RETRY_AFTER_S = 1
# PostgreSQL SQLSTATEs: out of disk, query cancelled (statement_timeout), the server going
# away or not taking connections, and the transient conflicts a retry resolves.
_PG_FULL = {"53100"}
_PG_CANCELLED = {"57014"}
_PG_GONE = {"57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004"}
_PG_CONFLICT = {"40P01", "40001", "55P03"}


class Unavailable(Exception):
    """The service cannot do the work now; the client should retry after `retry_after` s."""

    code = "UNAVAILABLE"
    message = "The service is busy; retry after a moment."
    retry_after = RETRY_AFTER_S

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.message)


class DatabaseBusy(Unavailable):
    """The database could not take the work in time (a busy writer, no free connection)."""


class DatabaseUnreachable(Unavailable):
    """The database does not answer (stopped, restarting, the network cut)."""

    message = "The database is unreachable; retry after a moment."


class StorageFull(Unavailable):
    """The database has no room for what was asked; nothing of it was written."""

    message = "The database has no room left; nothing was written. Retry later."


class OutOfTime(Unavailable):
    """The request used up its time budget; what it held was released."""

    code = "TIMEOUT"
    message = "The request took longer than its time budget; ask for less, or retry later."


def _sqlstate(error: BaseException) -> str | None:
    for candidate in (error, getattr(error, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(state, str):
            return state
    return None


_GONE_WORDS = ("closed", "refused", "reset", "lost", "terminat")


def _driver_fault(error: DBAPIError) -> type[Unavailable] | None:
    """Which fault a driver error is, from its SQLSTATE or (SQLite) its message."""
    original = error.orig
    state = _sqlstate(original) if original is not None else None
    text = str(original).lower()
    if state in _PG_FULL or "database or disk is full" in text or "disk i/o error" in text:
        return StorageFull
    if state in _PG_CANCELLED or text == "interrupted":
        return OutOfTime
    if state in _PG_CONFLICT or "database is locked" in text or "database is busy" in text:
        return DatabaseBusy
    gone = "connection" in text and any(word in text for word in _GONE_WORDS)
    if error.connection_invalidated or state in _PG_GONE or gone:
        return DatabaseUnreachable
    if "unable to open database file" in text:
        return DatabaseUnreachable
    return None


def classify(error: BaseException) -> Unavailable | None:
    """The fault `error` stands for, or None when it is not one (a bug, a refusal)."""
    if isinstance(error, Unavailable):
        return error
    fault: type[Unavailable] | None = None
    if isinstance(error, PoolTimeout):
        fault = DatabaseBusy
    elif isinstance(error, DBAPIError):
        fault = _driver_fault(error)
    elif isinstance(error, OSError):  # asyncpg raises these raw while connecting
        fault = DatabaseUnreachable
    return fault() if fault is not None else None


def raise_classified(error: Exception) -> NoReturn:
    """Raise the fault `error` stands for (from it), or `error` itself when it is none."""
    if (fault := classify(error)) is None or fault is error:
        raise error
    raise fault from error
