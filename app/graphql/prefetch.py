"""Loading an opportunity's relations ahead, for fields that return opportunities one by one.

What each relation loads is declared next to its field in `app.graphql.types.opportunity`
(`loads_ahead`); this is the entry point for the query and mutation fields outside that module.
A detail read sends its deal's row and the relations keyed by the deal's id in one round trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.db import together
from app.domain import reads
from app.graphql.context import Info
from app.graphql.loaders import Row, TogetherLoader, prime_read
from app.graphql.selection import selected_names
from app.graphql.types.load_ahead import asked_loaders, load_ahead
from app.graphql.types.opportunity import Opportunity


async def load_opportunity_relations(info: Info, rows: Sequence[Row], *path: str) -> None:
    """Load for `rows` the relations the query asks of the opportunities at `path` below."""
    await load_ahead(info, Opportunity, rows, *path)


async def opportunity_with_relations(info: Info, opportunity_id: int) -> Row | None:
    """The deal the caller may read (None if hidden or gone), its asked relations loaded.

    Reading the row, then its relations, took two round trips and two connection checkouts. The
    relations read by the deal's id alone need nothing from the row, so they are read on the same
    connection, and on PostgreSQL in the same statement (`together.fetch_if_found`). They are
    kept only when the row came back, that is when the caller may read the deal; the rest of
    the relations load as before.
    """
    loaders = info.context.loaders
    asked = selected_names(info)
    reading = {id(loader) for loader in asked_loaders(info, Opportunity, asked)}
    riders: list[TogetherLoader[int, Any]] = [
        loader
        for loader in loaders.keyed_by_opportunity
        if id(loader) in reading and not loader.holds(opportunity_id)
    ]
    if not riders or loaders.opportunity_by_id.holds(opportunity_id):
        row = await loaders.opportunity_by_id.load(opportunity_id)
    else:
        ids = [opportunity_id]
        sent: list[together.Read] = [reads.opportunities_read(info.context.caller, ids)]
        sent += [loader.together.read(ids) for loader in riders]
        async with loaders.reader.connect() as conn:
            head, relations = await together.fetch_if_found(conn, sent[0], sent[1:])
        row = head[0] if head else None
        loaders.opportunity_by_id.prime(opportunity_id, row)
        if row is not None:
            for loader, rows in zip(riders, relations, strict=True):
                prime_read(loader, rows, ids)
    if row is not None:
        await load_ahead(info, Opportunity, [row], asked=asked)
    return row
