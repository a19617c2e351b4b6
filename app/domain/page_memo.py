"""First-page statements kept per list and arguments: a list screen's page is built once.

Building a deal list's page statement (the conditions, the stage-by-stage walk, its subqueries'
column collections) and having SQLAlchemy key and execute it took more than half of the
listing's CPU, on every request for the same page. A statement depends only on the caller, the
filter, the order, the page arguments and whether a total is asked: first pages that read
nothing from the database to be built (no search words, no close-date window, no offset) are
kept here, per database, with their compiled form, and run again by app.db.direct. The caller
is part of the key: privacy is in the statement. One kept page holds about 300 kB (the
statement and its compiled form), so few are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from app.db.engine import Database
from app.domain.page_query import KeptPage

# First pages kept per database (a few per user and list screen); full, it starts over.
MAX_KEPT_PAGES = 64
_SHARED_KEY = "kept_pages"


def kept_pages(db: Database) -> dict[Hashable, KeptPage]:
    """The database's kept page statements (shared by the requests of one process)."""
    kept: dict[Hashable, KeptPage] = db.shared.setdefault(_SHARED_KEY, {})
    return kept


def keeper(db: Database, key: Hashable) -> Callable[[KeptPage], None]:
    """A `keep` callback for fetch_page storing the statement under `key`, bounded."""

    def keep(page: KeptPage) -> None:
        kept = kept_pages(db)
        if len(kept) >= MAX_KEPT_PAGES:
            kept.clear()
        kept[key] = page

    return keep
