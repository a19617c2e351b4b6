"""Legacy lists of opportunities: GET and DELETE opportunity/filter, paged as the original."""

from __future__ import annotations

from typing import Any

from app.domain.enums import StageType
from app.rest import shapes
from app.rest.api_context import DEAL_SORTED_BY, ApiContext, enum_number
from app.rest.kinds import BOOL, DATE, GUID, INT, INT32, Kind, enum_kind
from app.rest.legacy import CONTEXT, LEGACY_MAX_PAGE, LegacyRoute, Paged, WireContext
from app.rest.opportunity import (
    ACCESS_MANY_OPERATION,
    DELETE_MANY_OPERATION,
    ON_AN_OPPORTUNITY,
    OPPORTUNITIES,
    access_many_response,
    delete_many_response,
)
from app.rest.opportunity_params import ACCESS_PARAMS, NIL, access_values

FILTER_PARAMS: dict[str, Kind] = {
    "responsibleid": GUID,
    "opportunityStagesid": INT,
    "stageType": enum_kind(StageType),
    "contactid": INT,
    "contactAlsoIsParticipant": BOOL,
    "fromDate": DATE,
    "toDate": DATE,
}
# What the filter routes read from the ApiContext; the lists page by startIndex and count too.
FILTER_CONTEXT = ("filterValue",)
LIST_CONTEXT = ("startIndex", "count", "sortBy", "sortOrder", "filterValue")
PAGE_CONTEXT = ("startIndex", "count")
# DealDao's order of a stage's deals after the stage (GetCrudeDeals, DealSortedByType.Stage).
IN_STAGE = [
    {"field": "CONTACT", "direction": "ASC"},
    {"field": "ACTUAL_CLOSE_DATE", "direction": "DESC"},
    {"field": "EXPECTED_CLOSE_DATE", "direction": "ASC"},
    {"field": "TITLE", "direction": "ASC"},
]
# DealSortedByType by number -> the first GraphQL order field (app.rest.api_context).
SORTED_BY = ["TITLE", "RESPONSIBLE", "STAGE", "BID_VALUE", "CLOSE_DATE", "ID"]

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
    if search := p[CONTEXT].filter_value:
        where["search"] = search
    return where


def list_order(context: ApiContext) -> list[dict[str, str]]:
    """GetDeals' order: sortBy parsed as DealSortedByType (a name or any number).

    No sortBy: the stage order ascending, whatever sortOrder says. The stage order and a
    number or name that is no DealSortedByType (DealDao's default) read each stage as DealDao
    does: contact, actual close date latest first, expected close date, title.
    """
    number = enum_number(context.sort_by, DEAL_SORTED_BY)
    if not context.sort_by:
        number, descending = DEAL_SORTED_BY.index("stage"), False
    else:
        descending = context.descending
    field = SORTED_BY[number] if number is not None and 0 <= number < len(SORTED_BY) else None
    direction = "DESC" if descending and field else "ASC"
    if field in (None, "STAGE"):
        return [{"field": "STAGE", "direction": direction}, *IN_STAGE]
    return [{"field": field, "direction": direction}]


def list_variables(p: dict[str, Any]) -> dict[str, Any]:
    """Filter, order and page: `count` + 1 rows read, `count` kept, one when `count` is 0.

    GetDeals asks DealDao for ApiContext.Count (count + 1, to see a next page) and the
    SmartList keeps `count` of them only when `count` is not 0: count=0 answers one deal.
    """
    context: ApiContext = p[CONTEXT]
    return {
        "filter": opportunity_filter(p),
        "orderBy": list_order(context),
        "first": context.specified_count or 1,
        "offset": min(context.start_index, INT32[1]),
    }


def page_variables(p: dict[str, Any]) -> dict[str, Any]:
    """A list paged by the SmartList alone: `count` items from `startIndex`, all when 0."""
    context: ApiContext = p[CONTEXT]
    return {
        "first": context.specified_count or LEGACY_MAX_PAGE,
        "offset": min(context.start_index, INT32[1]),
    }


def paged(connection: dict[str, Any], ctx: WireContext, *, by_smart_list: bool = False) -> Paged:
    """A connection as a legacy list (ApiHttpHandlerBase.PostProcessResponse).

    nextIndex = startIndex + count + 1 (sic) when a full page of `count` has more after it.
    `total` is the list's count; a list the SmartList pages (by_smart_list) has it only when
    it is longer than `count`, whatever the page.
    """
    context: ApiContext = ctx.params[CONTEXT]
    count = context.specified_count
    items = [shapes.opportunity(edge["node"], ctx, single=False) for edge in connection["edges"]]
    more = connection["pageInfo"]["hasNextPage"]
    total = connection["totalCount"]
    return Paged(
        items,
        start_index=context.start_index,
        next_index=context.start_index + count + 1 if more and len(items) == count else None,
        total=total if not by_smart_list or total > count else None,
    )


def list_response(data: dict[str, Any], ctx: WireContext) -> Paged:
    """A page of deals with the envelope's startIndex, nextIndex and total."""
    return paged(data["opportunities"], ctx)


def delete_filtered_variables(p: dict[str, Any]) -> dict[str, Any]:
    """The filter, as deleteOpportunities' filter."""
    return {"input": {"filter": opportunity_filter(p)}}


def access_filtered_variables(p: dict[str, Any]) -> dict[str, Any]:
    """The filter and who may see its deals, as setOpportunitiesAccess' input."""
    return {"input": {"filter": opportunity_filter(p), **access_values(p)}}


ROUTES = [
    LegacyRoute(
        method="GET",
        path="opportunity/filter",
        summary="List opportunities: filtered, sorted, paged by startIndex and count",
        operation=LIST_OPERATION,
        params=FILTER_PARAMS,
        variables=list_variables,
        respond=list_response,
        response_schema=OPPORTUNITIES,
        paged=True,
        context=LIST_CONTEXT,
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
        context=FILTER_CONTEXT,
    ),
    LegacyRoute(
        method="PUT",
        path="opportunity/filter/access",
        summary="Set who may see every opportunity the filter matches (that you own)",
        operation=ACCESS_MANY_OPERATION,
        params={**FILTER_PARAMS, **ACCESS_PARAMS},
        variables=access_filtered_variables,
        respond=access_many_response,
        response_schema=OPPORTUNITIES,
        refusals=ON_AN_OPPORTUNITY,
        context=FILTER_CONTEXT,
    ),
]
