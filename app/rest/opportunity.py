"""Legacy opportunity routes: each a declaration onto a GraphQL operation.

What each route reads, and the input it makes of it, is in app.rest.opportunity_params.
"""

from __future__ import annotations

from typing import Any

from app.rest import shapes
from app.rest.declarations import Respond, mutation, positive
from app.rest.kinds import INT, INT_LIST
from app.rest.legacy import (
    BARE_400,
    DEFAULT_REFUSALS,
    DENIED_403,
    MSG_NOT_FOUND,
    NOT_FOUND_404,
    LegacyError,
    LegacyRoute,
    Refusals,
    WireContext,
)
from app.rest.opportunity_params import (
    ACCESS_PARAMS,
    CREATE_PARAMS,
    NIL,
    OPPORTUNITY_ID,
    access_values,
    access_variables,
    create_variables,
    delete_variables,
    get_variables,
    stage_variables,
    update_variables,
)

# Importable from here, where they were first defined.
__all__ = [
    "ACCESS_PARAMS",
    "CREATE_PARAMS",
    "NIL",
    "OPPORTUNITY_ID",
    "access_variables",
    "create_variables",
    "delete_variables",
    "get_variables",
    "positive",
    "stage_variables",
    "update_variables",
]

OPPORTUNITY = {"$ref": "#/components/schemas/Opportunity"}
OPPORTUNITIES = {"type": "array", "items": OPPORTUNITY}
WIRE_OPPORTUNITY = "...WireOpportunity"

CREATE_REFUSALS = DEFAULT_REFUSALS
# The update answers 404 for a deal the caller cannot see, then as the create.
UPDATE_REFUSALS = Refusals(
    CREATE_REFUSALS.by_code, {**CREATE_REFUSALS.by_field, ("NOT_FOUND", "id"): NOT_FOUND_404}
)
# Routes on one deal: a deal (or stage, contact, field) the caller cannot see is 404.
ON_AN_OPPORTUNITY = Refusals(
    {"REQUIRED": BARE_400, "NOT_FOUND": NOT_FOUND_404, "FORBIDDEN": DENIED_403}
)

CREATE_OPERATION = mutation(
    "LegacyCreateOpportunity",
    "createOpportunity",
    "CreateOpportunityInput",
    "opportunity",
    WIRE_OPPORTUNITY,
)
GET_OPERATION = shapes.operation("""
query LegacyOpportunity($id: ID!) { opportunity(id: $id) { ...WireOpportunity } }
""")
UPDATE_OPERATION = mutation(
    "LegacyUpdateOpportunity",
    "updateOpportunity",
    "UpdateOpportunityInput",
    "opportunity",
    WIRE_OPPORTUNITY,
)
DELETE_OPERATION = mutation(
    "LegacyDeleteOpportunity",
    "deleteOpportunity",
    "DeleteOpportunityInput",
    "deletedOpportunities",
    WIRE_OPPORTUNITY,
)
# PUT opportunity (opportunityids[]): the batch delete; DELETE opportunity/filter too.
DELETE_MANY_OPERATION = mutation(
    "LegacyDeleteOpportunities",
    "deleteOpportunities",
    "DeleteOpportunitiesInput",
    "deletedOpportunities",
    WIRE_OPPORTUNITY,
)
STAGE_OPERATION = mutation(
    "LegacySetOpportunityStage",
    "setOpportunityStage",
    "SetOpportunityStageInput",
    "opportunity",
    WIRE_OPPORTUNITY,
)
ACCESS_OPERATION = mutation(
    "LegacySetOpportunityAccess",
    "setOpportunityAccess",
    "SetOpportunityAccessInput",
    "opportunity",
    WIRE_OPPORTUNITY,
)
ACCESS_MANY_OPERATION = mutation(
    "LegacySetOpportunitiesAccess",
    "setOpportunitiesAccess",
    "SetOpportunitiesAccessInput",
    "opportunities",
    WIRE_OPPORTUNITY,
)


def create_response(data: dict[str, Any], ctx: WireContext) -> dict[str, Any]:
    """createOpportunity payload -> OpportunityWrapper, echoing the create (spec 2.6)."""
    return shapes.opportunity(data["createOpportunity"]["opportunity"], ctx, created=True)


def get_response(data: dict[str, Any], ctx: WireContext) -> dict[str, Any]:
    """The deal, or 404 when it does not exist or the caller may not see it."""
    if data["opportunity"] is None:
        raise LegacyError(404, MSG_NOT_FOUND)
    return shapes.opportunity(data["opportunity"], ctx)


def changed(field: str) -> Respond:
    """The deal of a payload, as stored after the change (update, stage, access)."""

    def respond(data: dict[str, Any], ctx: WireContext) -> dict[str, Any]:
        return shapes.opportunity(data[field]["opportunity"], ctx)

    return respond


update_response = changed("updateOpportunity")
stage_response = changed("setOpportunityStage")
access_response = changed("setOpportunityAccess")


def delete_response(data: dict[str, Any], ctx: WireContext) -> dict[str, Any]:
    """The deleted deal, with what went with it shown empty."""
    [deleted] = data["deleteOpportunity"]["deletedOpportunities"]
    return shapes.deleted_opportunity(deleted, ctx)


def delete_many_response(data: dict[str, Any], ctx: WireContext) -> list[dict[str, Any]]:
    """The deleted deals, as list items."""
    return [
        shapes.deleted_opportunity(row, ctx, single=False)
        for row in data["deleteOpportunities"]["deletedOpportunities"]
    ]


def access_many_response(data: dict[str, Any], ctx: WireContext) -> list[dict[str, Any]]:
    """The changed deals, as list items."""
    return [
        shapes.opportunity(row, ctx, single=False)
        for row in data["setOpportunitiesAccess"]["opportunities"]
    ]


ROUTES = [
    LegacyRoute(
        method="POST",
        path="opportunity",
        summary="Create an opportunity",
        operation=CREATE_OPERATION,
        params=CREATE_PARAMS,
        variables=create_variables,
        respond=create_response,
        response_schema=OPPORTUNITY,
        required=("title", "responsibleid", "stageid", "bidCurrencyAbbr"),
        refusals=CREATE_REFUSALS,
    ),
    LegacyRoute(
        method="PUT",
        path="opportunity",
        summary="Delete the listed opportunities (skipping those you may not delete)",
        operation=DELETE_MANY_OPERATION,
        params={"opportunityids": INT_LIST},
        variables=lambda p: {"input": {"ids": p["opportunityids"] or []}},
        respond=delete_many_response,
        response_schema=OPPORTUNITIES,
        required=("opportunityids",),
        refusals=ON_AN_OPPORTUNITY,
    ),
    LegacyRoute(
        method="PUT",
        path="opportunity/access",
        summary="Set who may see the listed opportunities (skipping those you do not own)",
        operation=ACCESS_MANY_OPERATION,
        params={"opportunityid": INT_LIST, **ACCESS_PARAMS},
        variables=lambda p: {"input": {"ids": p["opportunityid"] or [], **access_values(p)}},
        respond=access_many_response,
        response_schema=OPPORTUNITIES,
        refusals=ON_AN_OPPORTUNITY,
    ),
    LegacyRoute(
        method="GET",
        path="opportunity/{opportunityid:int}",
        summary="One opportunity",
        operation=GET_OPERATION,
        params=OPPORTUNITY_ID,
        variables=get_variables,
        respond=get_response,
        response_schema=OPPORTUNITY,
    ),
    LegacyRoute(
        method="PUT",
        path="opportunity/{opportunityid:int}",
        summary="Replace an opportunity (every parameter; omitted ones take their defaults)",
        operation=UPDATE_OPERATION,
        params={**OPPORTUNITY_ID, **CREATE_PARAMS},
        variables=update_variables,
        respond=update_response,
        response_schema=OPPORTUNITY,
        required=("title", "responsibleid", "stageid", "bidCurrencyAbbr"),
        refusals=UPDATE_REFUSALS,
    ),
    LegacyRoute(
        method="DELETE",
        path="opportunity/{opportunityid:int}",
        summary="Delete an opportunity",
        operation=DELETE_OPERATION,
        params=OPPORTUNITY_ID,
        variables=delete_variables,
        respond=delete_response,
        response_schema=OPPORTUNITY,
        refusals=ON_AN_OPPORTUNITY,
    ),
    LegacyRoute(
        method="PUT",
        path="opportunity/{opportunityid:int}/stage/{id:int}",
        summary="Move an opportunity to a stage (`stageid`, as the original reads it, or the path)",
        operation=STAGE_OPERATION,
        params={**OPPORTUNITY_ID, "id": INT, "stageid": INT},
        variables=stage_variables,
        respond=stage_response,
        response_schema=OPPORTUNITY,
        refusals=ON_AN_OPPORTUNITY,
    ),
    LegacyRoute(
        method="PUT",
        path="opportunity/{opportunityid:int}/access",
        summary="Set who may see an opportunity (administrators and its creator)",
        operation=ACCESS_OPERATION,
        params={**OPPORTUNITY_ID, **ACCESS_PARAMS},
        variables=access_variables,
        respond=access_response,
        response_schema=OPPORTUNITY,
        refusals=ON_AN_OPPORTUNITY,
    ),
]
