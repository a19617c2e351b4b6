"""What every resolver gets: the caller, the storage, settings and the request's loaders."""

from __future__ import annotations

from dataclasses import dataclass, field

from strawberry.types import Info as StrawberryInfo

from app.db.engine import Database
from app.domain.caller import Caller
from app.graphql.loaders import Loaders
from app.settings import Settings


@dataclass(slots=True)
class Context:
    """Per-request state, typed."""

    db: Database
    settings: Settings
    caller: Caller
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db, self.caller)


Info = StrawberryInfo[Context, None]
