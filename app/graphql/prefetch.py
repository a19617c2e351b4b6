"""Loading a set of deals' relations before their fields resolve.

GraphQL resolves a page field by field; a relation resolver whose data is already loaded returns
a value (see `loaders.then`), which spares the executor a task and a gather per field. So the
fields that return deals load, in one batch per relation, what the query asks of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

from app.graphql.context import Info
from app.graphql.selection import selected_names

ACCESS = frozenset({"accessList", "canEdit", "canDelete"})


async def load_deal_relations(info: Info, rows: Sequence[Mapping[Any, Any]], *path: str) -> None:
    """Load for `rows` the relations the query asks of the deals at `path` below this field."""
    if not rows:
        return
    names = selected_names(info, *path)
    loaders = info.context.loaders
    ids = [row["id"] for row in rows]
    pending: list[Awaitable[Any]] = []
    if "members" in names or ("contact" in names and any(row["contact_id"] for row in rows)):
        pending.append(loaders.contacts_by_opportunity.load_many(ids))
    if "customFields" in names:
        pending.append(loaders.custom_fields_by_opportunity.load_many(ids))
    private = [row["id"] for row in rows if row["is_private"]]
    if private and not ACCESS.isdisjoint(names):
        pending.append(loaders.access_list_by_opportunity.load_many(private))
    people: set[Any] = set()
    if "responsible" in names:
        people.update(row["responsible_id"] for row in rows)
    if "createBy" in names:
        people.update(row["created_by"] or row["responsible_id"] for row in rows)
    if people:
        pending.append(loaders.employee_by_id.load_many(people))
    if "stage" in names:
        pending.append(loaders.stages.all())
    if "bidCurrency" in names and any(row["bid_currency"] for row in rows):
        pending.append(loaders.currencies.all())
    if pending:
        await asyncio.gather(*pending)
