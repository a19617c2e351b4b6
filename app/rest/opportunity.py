"""Legacy opportunity routes: each a declaration onto a GraphQL operation."""

from __future__ import annotations

import uuid
from typing import Any

from app.domain.enums import BidType
from app.domain.errors import MSG_OUT_OF_RANGE
from app.rest import shapes
from app.rest.binding import (
    BOOL,
    CUSTOM_FIELDS,
    DATE,
    DECIMAL,
    GUID,
    GUID_LIST,
    INT,
    INT_LIST,
    STRING,
    enum_kind,
)
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

NIL = str(uuid.UUID(int=0))
OPPORTUNITY = {"$ref": "#/components/schemas/Opportunity"}
OPPORTUNITIES = {"type": "array", "items": OPPORTUNITY}

CREATE_OPERATION = shapes.operation("""
mutation LegacyCreateOpportunity($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) {
    errors { code field message }
    opportunity { ...WireOpportunity }
  }
}
""")

CREATE_PARAMS = {
    "contactid": INT,
    "members": INT_LIST,
    "title": STRING,
    "description": STRING,
    "responsibleid": GUID,
    "bidType": enum_kind(BidType),
    "bidValue": DECIMAL,
    "bidCurrencyAbbr": STRING,
    "perPeriodValue": INT,
    "stageid": INT,
    "successProbability": INT,
    "actualCloseDate": DATE,
    "expectedCloseDate": DATE,
    "customFieldList": CUSTOM_FIELDS,
    "isPrivate": BOOL,
    "accessList": GUID_LIST,
    "isNotify": BOOL,
}
OPPORTUNITY_ID = {"opportunityid": INT}

CREATE_REFUSALS = DEFAULT_REFUSALS
# The update answers 404 for a deal the caller cannot see, then as the create.
UPDATE_REFUSALS = Refusals(
    CREATE_REFUSALS.by_code, {**CREATE_REFUSALS.by_field, ("NOT_FOUND", "id"): NOT_FOUND_404}
)
# Routes on one deal: a deal (or stage, contact, field) the caller cannot see is 404.
ON_A_DEAL = Refusals({"REQUIRED": BARE_400, "NOT_FOUND": NOT_FOUND_404, "FORBIDDEN": DENIED_403})


def positive(p: dict[str, Any], *names: str) -> None:
    """The original refuses an id <= 0 with a bare ArgumentException before anything else."""
    if any((p[name] or 0) <= 0 for name in names):
        raise LegacyError(400, MSG_OUT_OF_RANGE)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def create_variables(p: dict[str, Any]) -> dict[str, Any]:
    """Legacy parameters -> createOpportunity input; omitted values take the CLR defaults."""
    bid_type = p["bidType"] if p["bidType"] is not None else BidType.FIXED_BID
    return {
        "input": {
            "title": p["title"] or "",
            "description": p["description"],
            "responsibleId": str(p["responsibleid"] or NIL),
            "stageId": p["stageid"] or 0,
            "bidCurrencyAbbr": p["bidCurrencyAbbr"] or "",
            "bidType": bid_type.name,
            "bidValue": str(p["bidValue"]) if p["bidValue"] is not None else None,
            "perPeriodValue": p["perPeriodValue"],
            "successProbability": p["successProbability"],
            "contactId": p["contactid"],
            "members": p["members"],
            "actualCloseDate": _iso(p["actualCloseDate"]),
            "expectedCloseDate": _iso(p["expectedCloseDate"]),
            "customFields": [
                {"fieldId": key, "value": value or ""} for key, value in p["customFieldList"] or ()
            ],
            "isPrivate": bool(p["isPrivate"]),
            "accessList": [str(u) for u in p["accessList"] or ()],
            "isNotify": bool(p["isNotify"]),
        }
    }


def create_response(data: dict[str, Any], ctx: WireContext) -> dict[str, Any]:
    """createOpportunity payload -> OpportunityWrapper, echoing the create (spec 2.6)."""
    return shapes.opportunity(data["createOpportunity"]["opportunity"], ctx, created=True)


# --- GET, PUT and DELETE opportunity/{opportunityid} --------------------------------------------

GET_OPERATION = shapes.operation("""
query LegacyOpportunity($id: Int!) { opportunity(id: $id) { ...WireOpportunity } }
""")


def get_variables(p: dict[str, Any]) -> dict[str, Any]:
    """The id, which must be positive."""
    positive(p, "opportunityid")
    return {"id": p["opportunityid"]}


def get_response(data: dict[str, Any], ctx: WireContext) -> dict[str, Any]:
    """The deal, or 404 when it does not exist or the caller may not see it."""
    if data["opportunity"] is None:
        raise LegacyError(404, MSG_NOT_FOUND)
    return shapes.opportunity(data["opportunity"], ctx)


UPDATE_OPERATION = shapes.operation("""
mutation LegacyUpdateOpportunity($input: UpdateOpportunityInput!) {
  updateOpportunity(input: $input) {
    errors { code field message }
    opportunity { ...WireOpportunity }
  }
}
""")


def update_variables(p: dict[str, Any]) -> dict[str, Any]:
    """The create's parameters, as a full replacement of the deal."""
    return {"input": {"id": p["opportunityid"], **create_variables(p)["input"]}}


def update_response(data: dict[str, Any], ctx: WireContext) -> dict[str, Any]:
    """The deal as stored."""
    return shapes.opportunity(data["updateOpportunity"]["opportunity"], ctx)


DELETE_OPERATION = shapes.operation("""
mutation LegacyDeleteOpportunity($input: DeleteOpportunityInput!) {
  deleteOpportunity(input: $input) {
    errors { code field message }
    deletedOpportunities { ...WireOpportunity }
  }
}
""")


def delete_variables(p: dict[str, Any]) -> dict[str, Any]:
    """The id, which must be positive."""
    positive(p, "opportunityid")
    return {"input": {"id": p["opportunityid"]}}


def delete_response(data: dict[str, Any], ctx: WireContext) -> dict[str, Any]:
    """The deleted deal, with what went with it shown empty."""
    [deleted] = data["deleteOpportunity"]["deletedOpportunities"]
    return shapes.deleted_opportunity(deleted, ctx)


# --- PUT opportunity (opportunityids[]): the batch delete; DELETE opportunity/filter too ------

DELETE_MANY_OPERATION = shapes.operation("""
mutation LegacyDeleteOpportunities($input: DeleteOpportunitiesInput!) {
  deleteOpportunities(input: $input) {
    errors { code field message }
    deletedOpportunities { ...WireOpportunity }
  }
}
""")


def delete_many_response(data: dict[str, Any], ctx: WireContext) -> list[dict[str, Any]]:
    """The deleted deals, as list items."""
    return [
        shapes.deleted_opportunity(deal, ctx, single=False)
        for deal in data["deleteOpportunities"]["deletedOpportunities"]
    ]


# --- stage and access ---------------------------------------------------------------------------

STAGE_OPERATION = shapes.operation("""
mutation LegacySetOpportunityStage($input: SetOpportunityStageInput!) {
  setOpportunityStage(input: $input) {
    errors { code field message }
    opportunity { ...WireOpportunity }
  }
}
""")


def stage_variables(p: dict[str, Any]) -> dict[str, Any]:
    """The stage from `stageid`, as the original reads it, else from the path."""
    stage = p["stageid"] if p["stageid"] is not None else p["id"]
    positive({**p, "stage": stage}, "opportunityid", "stage")
    return {"input": {"id": p["opportunityid"], "stageId": stage}}


def stage_response(data: dict[str, Any], ctx: WireContext) -> dict[str, Any]:
    """The deal at its new stage."""
    return shapes.opportunity(data["setOpportunityStage"]["opportunity"], ctx)


ACCESS_OPERATION = shapes.operation("""
mutation LegacySetOpportunityAccess($input: SetOpportunityAccessInput!) {
  setOpportunityAccess(input: $input) {
    errors { code field message }
    opportunity { ...WireOpportunity }
  }
}
""")
ACCESS_PARAMS = {"isPrivate": BOOL, "accessList": GUID_LIST}


def _access(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "isPrivate": bool(p["isPrivate"]),
        "accessList": [str(u) for u in p["accessList"] or ()],
    }


def access_variables(p: dict[str, Any]) -> dict[str, Any]:
    """Who may see the deal."""
    positive(p, "opportunityid")
    return {"input": {"id": p["opportunityid"], **_access(p)}}


def access_response(data: dict[str, Any], ctx: WireContext) -> dict[str, Any]:
    """The deal with its new access list."""
    return shapes.opportunity(data["setOpportunityAccess"]["opportunity"], ctx)


ACCESS_MANY_OPERATION = shapes.operation("""
mutation LegacySetOpportunitiesAccess($input: SetOpportunitiesAccessInput!) {
  setOpportunitiesAccess(input: $input) {
    errors { code field message }
    opportunities { ...WireOpportunity }
  }
}
""")


def access_many_response(data: dict[str, Any], ctx: WireContext) -> list[dict[str, Any]]:
    """The changed deals, as list items."""
    return [
        shapes.opportunity(deal, ctx, single=False)
        for deal in data["setOpportunitiesAccess"]["opportunities"]
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
        refusals=ON_A_DEAL,
    ),
    LegacyRoute(
        method="PUT",
        path="opportunity/access",
        summary="Set who may see the listed opportunities (skipping those you do not own)",
        operation=ACCESS_MANY_OPERATION,
        params={"opportunityid": INT_LIST, **ACCESS_PARAMS},
        variables=lambda p: {"input": {"ids": p["opportunityid"] or [], **_access(p)}},
        respond=access_many_response,
        response_schema=OPPORTUNITIES,
        required=("opportunityid",),
        refusals=ON_A_DEAL,
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
        refusals=ON_A_DEAL,
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
        refusals=ON_A_DEAL,
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
        refusals=ON_A_DEAL,
    ),
]
