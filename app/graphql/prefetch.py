"""Loading an opportunity's relations ahead, for fields that return opportunities one by one.

What each relation loads is declared next to its field in `app.graphql.types.opportunity`
(`loads_ahead`); this is the entry point for the query and mutation fields outside that module.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.graphql.context import Info
from app.graphql.loaders import Row
from app.graphql.types.load_ahead import load_ahead
from app.graphql.types.opportunity import Opportunity


async def load_opportunity_relations(info: Info, rows: Sequence[Row], *path: str) -> None:
    """Load for `rows` the relations the query asks of the opportunities at `path` below."""
    await load_ahead(info, Opportunity, rows, *path)
