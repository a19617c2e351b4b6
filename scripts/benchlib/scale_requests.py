"""What the scale benchmark asks: page-sized GraphQL and legacy requests, each by name.

Every request is built for one seeded database (`ScaleDataset`): the same names, documents and
parameters at every size, with ids and words looked up in that database.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from scripts.benchlib import documents
from scripts.benchlib.scale_data import RARE_DEALS
from scripts.benchlib.scale_seed import ScaleDataset

PAGE = 25
GRAPHQL = "/graphql"
LEGACY = "/api/2.0/crm/opportunity"
# One month of close dates, inside the data set's years (see scale_data.ANCHOR).
MONTH = {"closeDateFrom": "2025-03-01T00:00:00Z", "closeDateTo": "2025-03-31T23:59:59Z"}
ORDER_FIELDS = ("TITLE", "RESPONSIBLE", "STAGE", "BID_VALUE", "CLOSE_DATE", "CREATED", "ID")

# A list screen's page: the deals with what a row of the list shows. totalCount is in the
# document or not (not toggled by @include: the service looks only at the names selected).
LIST_TEMPLATE = """
query List($filter: OpportunityFilter, $orderBy: [OpportunityOrder!], $first: Int,
           $after: String) {
  opportunities(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    TOTAL
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id title bidValue successProbability expectedCloseDate
        stage { id title }
        responsible { id displayName }
        contact { id displayName }
        members { id displayName }
        bidCurrency { abbreviation symbol }
        customFields { id label fieldValue }
      }
    }
  }
}
"""
LIST = LIST_TEMPLATE.replace("TOTAL", "")
LIST_WITH_TOTAL = LIST_TEMPLATE.replace("TOTAL", "totalCount")
# As a client that toggles the count with a directive sends it, here with the count off.
LIST_INCLUDE_TOTAL = LIST_TEMPLATE.replace(
    "$after: String)", "$after: String, $withTotal: Boolean!)"
).replace("TOTAL", "totalCount @include(if: $withTotal)")
# The cursor of one item far into a list (taken once per database, not timed).
CURSOR_AT = """
query CursorAt($orderBy: [OpportunityOrder!], $offset: Int!) {
  opportunities(orderBy: $orderBy, first: 1, offset: $offset) { edges { cursor } }
}
"""
STAGES = "{ stages { id title stageType sortOrder opportunityCount } }"
FIELDS = "{ customFieldDefinitions { id label fieldType valueCount } }"
CONTACT = """
query ContactDeals($id: ID!) {
  contact(id: $id) {
    id displayName
    opportunities(first: 25) {
      edges { node { id title bidValue stage { id title } responsible { displayName } } }
    }
  }
}
"""
# Orderings whose deep pages the benchmark reads: (name, orderBy); [] is the default order.
DEEP_ORDERS: dict[str, list[dict[str, str]]] = {
    "default": [],
    "CREATED DESC": [{"field": "CREATED", "direction": "DESC"}],
    "TITLE ASC": [{"field": "TITLE", "direction": "ASC"}],
}


@dataclass(frozen=True)
class Request:
    """One request: how to send it, and whether it is also sent as an administrator."""

    name: str
    method: str
    path: str
    # The n-th body (JSON) or query string; creates draw a new deal each time.
    build: Callable[[int], dict[str, Any]]
    admin_too: bool = False

    def send_args(self, n: int) -> dict[str, Any]:
        """Keyword arguments of httpx's `request` for the n-th send."""
        built = self.build(n)
        return {"params": built} if self.method == "GET" else {"json": built}


def _graphql(
    query: str, variables: dict[str, Any] | None = None
) -> Callable[[int], dict[str, Any]]:
    body = {"query": query, "variables": variables or {}}
    return lambda _n: body


def _list(
    *,
    filter_: dict[str, Any] | None = None,
    order: list[Any] | None = None,
    after: str | None = None,
    total: bool = False,
) -> Callable[[int], dict[str, Any]]:
    variables = {"filter": filter_, "orderBy": order, "first": PAGE, "after": after}
    return _graphql(LIST_WITH_TOTAL if total else LIST, variables)


def _legacy(params: dict[str, Any]) -> Callable[[int], dict[str, Any]]:
    return lambda _n: params


@dataclass(frozen=True)
class Landmarks:
    """Places in the user's list, asked of the service once per database (untimed)."""

    total: int  # deals the user may see
    cursors: dict[str, str]  # per DEEP_ORDERS name: the cursor of the item in the middle


def catalogue(data: ScaleDataset, landmarks: Landmarks) -> list[Request]:
    """Every request of the benchmark for this database; the creates come last."""
    total, contact, cursors = landmarks.total, data.contact_id, landmarks.cursors
    found = [
        Request("list default order", "POST", GRAPHQL, _list(), admin_too=True),
        Request(
            "list default order + totalCount",
            "POST",
            GRAPHQL,
            _list(total=True),
            admin_too=True,
        ),
        Request(
            "list default order, totalCount @include(if: false)",
            "POST",
            GRAPHQL,
            _graphql(LIST_INCLUDE_TOTAL, {"first": PAGE, "withTotal": False}),
        ),
    ]
    for field in ORDER_FIELDS:
        for direction in ("ASC", "DESC"):
            order = [{"field": field, "direction": direction}]
            found.append(
                Request(f"list orderBy {field} {direction}", "POST", GRAPHQL, _list(order=order))
            )
    filters: dict[str, tuple[dict[str, Any], bool]] = {
        "responsibleId (self)": ({"responsibleId": data.user_id}, False),
        "stageId": ({"stageId": data.open_stage_id}, False),
        "stageType OPEN": ({"stageType": "OPEN"}, False),
        "contactId": ({"contactId": contact}, False),
        "contactId + contactAlsoMember": ({"contactId": contact, "contactAlsoMember": True}, True),
        "closeDate one month": (MONTH, False),
        "search rare word": ({"search": data.rare_word}, True),
        "search common word": ({"search": data.common_word}, False),
    }
    for name, (where, admin_too) in filters.items():
        found.append(
            Request(
                f"list filter {name}", "POST", GRAPHQL, _list(filter_=where), admin_too=admin_too
            )
        )
    found.append(
        Request(
            "list filter stageType OPEN + totalCount",
            "POST",
            GRAPHQL,
            _list(filter_={"stageType": "OPEN"}, total=True),
        )
    )
    for name, order in DEEP_ORDERS.items():
        found.append(
            Request(
                f"list {name} order, page after the middle",
                "POST",
                GRAPHQL,
                _list(order=order or None, after=cursors[name]),
            )
        )
    found += [
        Request("stages { opportunityCount }", "POST", GRAPHQL, _graphql(STAGES), admin_too=True),
        Request(
            "customFieldDefinitions { valueCount }",
            "POST",
            GRAPHQL,
            _graphql(FIELDS),
            admin_too=True,
        ),
        Request(
            f"contact(id).opportunities ({RARE_DEALS} deals)",
            "POST",
            GRAPHQL,
            _graphql(CONTACT, {"id": contact}),
            admin_too=True,
        ),
        Request(
            "opportunity(id) detail, every field",
            "POST",
            GRAPHQL,
            _graphql(documents.READ_ONE, {"id": data.detail_deal_id}),
        ),
    ]
    for label, start in (
        ("0", 0),
        ("middle", total // 2),
        ("near the end", max(0, total - PAGE - 5)),
    ):
        found.append(
            Request(
                f"legacy filter startIndex={label}",
                "GET",
                f"{LEGACY}/filter",
                _legacy({"startIndex": start, "count": PAGE}),
                admin_too=label == "middle",
            )
        )
    found += [
        Request(
            "legacy filter filterValue (rare word)",
            "GET",
            f"{LEGACY}/filter",
            _legacy({"filterValue": data.rare_word, "count": PAGE}),
            admin_too=True,
        ),
        Request(
            "legacy bycontact/{id}",
            "GET",
            f"{LEGACY}/bycontact/{contact}",
            _legacy({"count": PAGE}),
        ),
    ]
    # Last: the deals they add must not change what the reads find.
    found += [
        Request("createOpportunity", "POST", GRAPHQL, _creates(data, legacy=False)),
        Request("legacy POST opportunity", "POST", LEGACY, _creates(data, legacy=True)),
    ]
    return found


def _creates(data: ScaleDataset, *, legacy: bool) -> Callable[[int], dict[str, Any]]:
    """A new deal per send: two members, a value for each of two custom fields."""

    def build(n: int) -> dict[str, Any]:
        rng = random.Random(n)
        fields = data.field_ids[:2]
        deal = documents.create_input(rng, uuid.UUID(data.user_id), data.member_contacts, fields)
        if legacy:
            return dict(orjson.loads(documents.legacy_body(deal)))
        return {"query": documents.CREATE, "variables": {"input": deal}}

    return build


TOTAL = "{ opportunities(first: 1) { totalCount } }"
