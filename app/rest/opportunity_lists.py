"""Legacy lists of opportunities: GET and DELETE opportunity/filter, paged as the original."""

from __future__ import annotations

from typing import Any

from app.domain.enums import StageType
from app.rest import shapes
from app.rest.kinds import BOOL, DATE, GUID, INT, INT32, PAGE_NUMBER, STRING, Kind, enum_kind
from app.rest.legacy import LEGACY_MAX_PAGE, LegacyRoute, Paged, WireContext
from app.rest.opportunity import (
    DELETE_MANY_OPERATION,
    ON_AN_OPPORTUNITY,
    OPPORTUNITIES,
    delete_many_response,
)
from app.rest.opportunity_params import NIL

FILTER_PARAMS: dict[str, Kind] = {
    "responsibleid": GUID,
    "opportunityStagesid": INT,
    "stageType": enum_kind(StageType),
    "contactid": INT,
    "contactAlsoIsParticipant": BOOL,
    "fromDate": DATE,
    "toDate": DATE,
    "filterValue": STRING,
}
PAGE_PARAMS: dict[str, Kind] = {"startIndex": PAGE_NUMBER, "count": PAGE_NUMBER}
# sortBy values (case-insensitive) -> GraphQL order fields; anything else: the default order.
SORT_FIELDS = {
    "title": "TITLE",
    "responsible": "RESPONSIBLE",
    "stage": "STAGE",
    "bidvalue": "BID_VALUE",
    "dateandtime": "CLOSE_DATE",
    "id": "ID",
}

LIST_OPERATION = shapes.operation("""
query LegacyOpportunities(
  $filter: OpportunityFilter, $orderBy: [OpportunityOrder!], $first: Int, $offset: Int
) {
  opportunities(filter: $filter, orderBy: $orderBy, first: $first, offset: $offset) {
    totalCount
    pageInfo { hasNextPage }
    edges { node { ...WireOpportunity } }
  }
}
""")


def opportunity_filter(p: dict[str, Any]) -> dict[str, Any]:
    """The filter parameters (spec 3) as an OpportunityFilter; unset or zero ones do not apply."""
    where: dict[str, Any] = {}
    if p["responsibleid"] is not None and str(p["responsibleid"]) != NIL:
        where["responsibleId"] = str(p["responsibleid"])
    if (p["opportunityStagesid"] or 0) > 0:
        where["stageId"] = p["opportunityStagesid"]
    if p["stageType"] is not None:
        where["stageType"] = p["stageType"].name
    if (p["contactid"] or 0) > 0:
        where["contactId"] = p["contactid"]
        where["contactAlsoMember"] = bool(p["contactAlsoIsParticipant"])
    # The close-date range applies only when both ends are given.
    if p["fromDate"] is not None and p["toDate"] is not None:
        where["closeDateFrom"] = p["fromDate"].isoformat()
        where["closeDateTo"] = p["toDate"].isoformat()
    if p["filterValue"]:
        where["search"] = p["filterValue"]
    return where


def page_variables(p: dict[str, Any]) -> dict[str, Any]:
    """startIndex and count (0..1000, default 1000) as offset and first."""
    count = p["count"] if p["count"] is not None else LEGACY_MAX_PAGE
    # An index past any list an Int can count is past the end, not an error.
    start = min(p["startIndex"] or 0, INT32[1])
    return {"first": min(count, LEGACY_MAX_PAGE), "offset": start}


def list_variables(p: dict[str, Any]) -> dict[str, Any]:
    """Filter, order (sortBy, sortOrder=descending) and page."""
    field = SORT_FIELDS.get((p["sortBy"] or "").strip().lower())
    descending = p["sortOrder"] == "descending"
    order = [{"field": field, "direction": "DESC" if descending else "ASC"}] if field else []
    if field in (None, "STAGE"):
        # The original's stage order; with no sortBy, stages ascending.
        order = [{"field": "STAGE", "direction": order[0]["direction"] if order else "ASC"}]
        order.append({"field": "TITLE", "direction": "ASC"})
    return {"filter": opportunity_filter(p), "orderBy": order, **page_variables(p)}


def paged(connection: dict[str, Any], ctx: WireContext, *, with_total: bool = True) -> Paged:
    """A connection as a legacy list: nextIndex = startIndex + count + 1 (sic) after a full page."""
    variables = page_variables(dict(ctx.params))
    start, count = variables["offset"], variables["first"]
    items = [shapes.opportunity(edge["node"], ctx, single=False) for edge in connection["edges"]]
    more = connection["pageInfo"]["hasNextPage"]
    return Paged(
        items,
        start_index=start,
        next_index=start + count + 1 if more else None,
        total=connection["totalCount"] if with_total or more else None,
    )


def list_response(data: dict[str, Any], ctx: WireContext) -> Paged:
    """A page of deals with the envelope's startIndex, nextIndex and total."""
    return paged(data["opportunities"], ctx)


def delete_filtered_variables(p: dict[str, Any]) -> dict[str, Any]:
    """The filter, as deleteOpportunities' filter."""
    return {"input": {"filter": opportunity_filter(p)}}


ROUTES = [
    LegacyRoute(
        method="GET",
        path="opportunity/filter",
        summary="List opportunities: filtered, sorted, paged by startIndex and count",
        operation=LIST_OPERATION,
        params={**FILTER_PARAMS, "sortBy": STRING, "sortOrder": STRING, **PAGE_PARAMS},
        variables=list_variables,
        respond=list_response,
        response_schema=OPPORTUNITIES,
        paged=True,
    ),
    LegacyRoute(
        method="DELETE",
        path="opportunity/filter",
        summary="Delete every opportunity the filter matches (that you may delete)",
        operation=DELETE_MANY_OPERATION,
        params=FILTER_PARAMS,
        variables=delete_filtered_variables,
        respond=delete_many_response,
        response_schema=OPPORTUNITIES,
        refusals=ON_AN_OPPORTUNITY,
    ),
]
