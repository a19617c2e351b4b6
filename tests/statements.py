"""The statements a block sends, recorded from every engine of a database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from app.db.engine import Database

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")


def is_work(statement: str) -> bool:
    """Anything but transaction control."""
    return statement.split(None, 1)[0].upper() not in TRANSACTION_CONTROL


def is_read(statement: str) -> bool:
    """A SELECT, plain or with a WITH clause."""
    return statement.lstrip().upper().startswith(("SELECT", "WITH"))


@contextmanager
def recorded(
    db: Database,
    *,
    keep: Callable[[str], bool] = lambda _: True,
    entry: Callable[[str, Any], Any] = lambda statement, _: statement,
) -> Iterator[list[Any]]:
    """`entry(statement, parameters)` of each statement `keep` accepts, while the block runs."""
    found: list[Any] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if keep(statement):
            found.append(entry(statement, parameters))

    for engine in db.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield found
    finally:
        for engine in db.engines:
            event.remove(engine.sync_engine, "before_cursor_execute", record)


def counting(db: Database) -> Any:
    """The statements that do work (no BEGIN, COMMIT or ROLLBACK), as sent."""
    return recorded(db, keep=is_work)


def collapsed(db: Database) -> Any:
    """Every statement, its whitespace collapsed."""
    return recorded(db, entry=lambda statement, _: " ".join(statement.split()))


def reads_with_parameters(db: Database) -> Any:
    """Each read as (statement, parameters)."""
    return recorded(db, keep=is_read, entry=lambda statement, parameters: (statement, parameters))
