"""What the legacy opportunity routes read, and the GraphQL input each makes of it."""

from __future__ import annotations

import uuid
from typing import Any

from app.domain.enums import BidType
from app.rest.declarations import positive
from app.rest.kinds import (
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

NIL = str(uuid.UUID(int=0))
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
ACCESS_PARAMS = {"isPrivate": BOOL, "accessList": GUID_LIST}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def create_variables(p: dict[str, Any]) -> dict[str, Any]:
    """Legacy parameters -> createOpportunity input; omitted values take the CLR defaults.

    A value the input's default equals (null, false, an empty list) is left out: GraphQL
    coerces each given value, and the create reads an omitted one the same way.
    """
    given = _all_values(p)
    return {
        "input": {k: v for k, v in given.items() if v is not None and v is not False and v != []}
    }


def _all_values(p: dict[str, Any]) -> dict[str, Any]:
    """Every input value of the create, as the legacy parameters give it."""
    bid_type = p["bidType"] if p["bidType"] is not None else BidType.FIXED_BID
    return {
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


def update_variables(p: dict[str, Any]) -> dict[str, Any]:
    """The create's parameters as a full replacement of the deal (spec 2.3, 2.4).

    updateOpportunity changes only what it is given, so every value is given, an omitted one
    as the create takes it (null, 0, false...), but for the two lists the original changes
    only in part: the members, replaced by a non-empty list only, and the custom-field values,
    set by the non-empty ones only (an empty value would remove one).
    """
    values = _all_values(p)
    if not values["members"]:
        del values["members"]
    values["customFields"] = [f for f in values["customFields"] if f["value"].strip()]
    return {"input": {"id": p["opportunityid"], **values}}


def get_variables(p: dict[str, Any]) -> dict[str, Any]:
    """The id, which must be positive."""
    positive(p, "opportunityid")
    return {"id": p["opportunityid"]}


def delete_variables(p: dict[str, Any]) -> dict[str, Any]:
    """The id, which must be positive."""
    return {"input": get_variables(p)}


def stage_variables(p: dict[str, Any]) -> dict[str, Any]:
    """The stage from `stageid`, as the original reads it, else from the path."""
    stage = p["stageid"] if p["stageid"] is not None else p["id"]
    positive({**p, "stage": stage}, "opportunityid", "stage")
    return {"input": {"id": p["opportunityid"], "stageId": stage}}


def access_values(p: dict[str, Any]) -> dict[str, Any]:
    """Who may see the deal(s): private or not, and the list."""
    return {
        "isPrivate": bool(p["isPrivate"]),
        "accessList": [str(u) for u in p["accessList"] or ()],
    }


def access_variables(p: dict[str, Any]) -> dict[str, Any]:
    """Who may see the deal."""
    positive(p, "opportunityid")
    return {"input": {"id": p["opportunityid"], **access_values(p)}}
