"""What every resolver gets: the caller, the storage, settings and the request's loaders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from strawberry.types import Info as StrawberryInfo

from app.db.engine import Database
from app.db.faults import Unavailable
from app.domain.caller import Caller
from app.domain.paging import MAX_PAGE
from app.graphql.loaders import Loaders
from app.settings import Settings


@dataclass(slots=True)
class Context:
    """Per-request state, typed."""

    db: Database
    settings: Settings
    caller: Caller
    # The request's Idempotency-Key header, if any; applies to the creates it carries.
    idempotency_key: str | None = None
    # The largest page a list may return: 100 on /graphql, 1000 for the legacy REST routes.
    max_page: int = MAX_PAGE
    # A persisted operation of a legacy route: its worst case is fixed, so no node budget.
    trusted_document: bool = False
    # The reference stamp read with the caller's key by this request (app.graphql.reference_cache).
    reference_stamp: int | None = None
    loaders: Loaders = field(init=False)
    # A fault a resolver met (the database busy, unreachable, full): the answer becomes 503.
    unavailable: Unavailable | None = field(default=None, init=False)

    # The contact and deal columns the operation reads (app.graphql.columns_read), None for all.
    contact_columns: frozenset[str] | None = field(default=None, init=False)
    opportunity_columns: frozenset[str] | None = field(default=None, init=False)
    prepared: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.db = self.db.for_request()
        self.loaders = Loaders(self.db, self.caller, stamp=self.reference_stamp)

    def prepare(self, columns: Mapping[str, frozenset[str] | None]) -> None:
        """As an operation starts: its loaders read only the columns it asks for, by type.

        Only for the first operation a context runs (a request's one): a context that runs
        more (a socket's subscriptions share theirs) reads every column from then on, with
        fresh loaders, so that no operation finds rows read for another's selection.
        """
        if self.prepared:
            self.opportunity_columns = None
            if self.contact_columns is not None:
                self.contact_columns = None
                self.refresh_loaders()
            return
        self.prepared = True
        self.contact_columns = columns.get("Contact")
        self.opportunity_columns = columns.get("Opportunity")
        self.loaders.contact_columns = self.contact_columns

    def refresh_loaders(self) -> Loaders:
        """After a write, what the loaders cached may be stale: start them afresh."""
        self.loaders = Loaders(self.db, self.caller, fresh=False)
        self.loaders.contact_columns = self.contact_columns
        return self.loaders


Info = StrawberryInfo[Context, None]
