"""Legacy opportunity routes: each a declaration onto a GraphQL operation."""

from __future__ import annotations

import uuid
from typing import Any

from app.domain.enums import BidType
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
from app.rest.legacy import LegacyRoute, WireContext, from_user_errors

NIL = str(uuid.UUID(int=0))

CREATE_OPERATION = (
    """
mutation LegacyCreateOpportunity($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) {
    errors { code field message }
    opportunity { ...WireOpportunity }
  }
}
"""
    + shapes.FRAGMENTS
)

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
    """createOpportunity payload -> OpportunityWrapper, or the legacy error of its first refusal."""
    payload = data["createOpportunity"]
    if payload["errors"]:
        raise from_user_errors(payload["errors"])
    return shapes.opportunity(payload["opportunity"], ctx)


ROUTES = [
    LegacyRoute(
        method="POST",
        path="opportunity",
        summary="Create an opportunity",
        operation=CREATE_OPERATION,
        params=CREATE_PARAMS,
        variables=create_variables,
        respond=create_response,
        response_schema={"$ref": "#/components/schemas/Opportunity"},
        required=("title", "responsibleid", "stageid", "bidCurrencyAbbr"),
    ),
]
