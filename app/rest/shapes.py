"""GraphQL fragments that select what the legacy wire needs, and their wire shapes (spec 4)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from app.graphql.enums import BidType, CustomFieldType, ShareType, StageType
from app.rest.legacy import WireContext
from app.rest.wire import api_datetime

FRAGMENTS = """
fragment WireEmployee on Employee { id displayName title avatarSmall profileUrl }
fragment WireCurrency on Currency {
  title symbol abbreviation cultureName isConvertable isBasic
}
fragment WireContact on Contact {
  id smallFotoUrl mediumFotoUrl displayName isCompany isPrivate isShared shareType
  canEdit canDelete accessList { ...WireEmployee } currency { ...WireCurrency }
}
fragment WireStage on Stage {
  id title description color successProbability stageType sortOrder
}
fragment WireOpportunity on Opportunity {
  id title description created bidType bidValue perPeriodValue successProbability
  actualCloseDate expectedCloseDate isPrivate canEdit
  createBy { ...WireEmployee }
  responsible { ...WireEmployee }
  contact { ...WireContact }
  members { ...WireContact }
  bidCurrency { ...WireCurrency }
  stage { ...WireStage }
  accessList { ...WireEmployee }
  customFields { id entityId label fieldValue fieldType position mask }
}
"""


def _date(value: str | None, ctx: WireContext) -> str:
    return api_datetime(datetime.fromisoformat(value) if value else None, ctx.zone)


def employee(data: dict[str, Any]) -> dict[str, Any]:
    """EmployeeWraper (spec 4.5): `title` only when set."""
    shaped: dict[str, Any] = {"id": data["id"], "displayName": data["displayName"]}
    if data["title"]:
        shaped["title"] = data["title"]
    shaped["avatarSmall"] = data["avatarSmall"]
    shaped["profileUrl"] = data["profileUrl"]
    return shaped


def currency(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """CurrencyInfoWrapper (spec 4.4)."""
    if data is None:
        return None
    return {
        "title": data["title"],
        "symbol": data["symbol"],
        "abbreviation": data["abbreviation"],
        "cultureName": data["cultureName"],
        "isConvertable": data["isConvertable"],
        "isBasic": data["isBasic"],
    }


def contact(data: dict[str, Any]) -> dict[str, Any]:
    """ContactBaseWrapper (spec 4.2): `accessList` only for a private contact."""
    shaped: dict[str, Any] = {
        "smallFotoUrl": data["smallFotoUrl"],
        "mediumFotoUrl": data["mediumFotoUrl"],
        "displayName": data["displayName"],
        "isCompany": data["isCompany"],
    }
    if data["isPrivate"]:
        shaped["accessList"] = [employee(e) for e in data["accessList"]]
    shaped |= {
        "isPrivate": data["isPrivate"],
        "isShared": data["isShared"],
        "shareType": ShareType[data["shareType"]].value,
        "currency": currency(data["currency"]),
        "canEdit": data["canEdit"],
        "canDelete": data["canDelete"],
        "id": data["id"],
    }
    return shaped


def stage(data: dict[str, Any]) -> dict[str, Any]:
    """DealMilestoneBaseWrapper (spec 4.3), with `sortOrder` (design.md 3)."""
    return {
        "successProbability": data["successProbability"],
        "stageType": StageType[data["stageType"]].value,
        "title": data["title"],
        "description": data["description"],
        "color": data["color"],
        "sortOrder": data["sortOrder"],
        "id": data["id"],
    }


def custom_field(data: dict[str, Any]) -> dict[str, Any]:
    """CustomFieldBaseWrapper (spec 4.6): every key present, nulls included."""
    return {
        "entityId": data["entityId"],
        "label": data["label"],
        "fieldValue": data["fieldValue"],
        "fieldType": CustomFieldType[data["fieldType"]].value,
        "position": data["position"],
        "mask": data["mask"],
        "id": data["id"],
    }


def opportunity(data: dict[str, Any], ctx: WireContext, *, single: bool = True) -> dict[str, Any]:
    """OpportunityWrapper (spec 4.1): zero values omitted, `id` last.

    `accessList` is always present on a single object, and only for private deals in lists.
    """
    shaped: dict[str, Any] = {
        "createBy": employee(data["createBy"]),
        "created": _date(data["created"], ctx),
        "members": [contact(c) for c in data["members"]],
    }
    if data["contact"] is not None:
        shaped["contact"] = contact(data["contact"])
    shaped["title"] = data["title"]
    if data["description"] is not None:
        shaped["description"] = data["description"]
    shaped["responsible"] = employee(data["responsible"])
    if bid_type := BidType[data["bidType"]].value:
        shaped["bidType"] = bid_type
    if data["bidValue"] is not None and (bid_value := Decimal(data["bidValue"])):
        shaped["bidValue"] = bid_value
    if data["bidCurrency"] is not None:
        shaped["bidCurrency"] = currency(data["bidCurrency"])
    if data["perPeriodValue"]:
        shaped["perPeriodValue"] = data["perPeriodValue"]
    shaped["stage"] = stage(data["stage"])
    if data["successProbability"]:
        shaped["successProbability"] = data["successProbability"]
    shaped["actualCloseDate"] = _date(data["actualCloseDate"], ctx)
    shaped["expectedCloseDate"] = _date(data["expectedCloseDate"], ctx)
    shaped["isPrivate"] = data["isPrivate"]
    if single or data["isPrivate"]:
        shaped["accessList"] = [employee(e) for e in data["accessList"]]
    shaped["canEdit"] = data["canEdit"]
    shaped["customFields"] = [custom_field(f) for f in data["customFields"]]
    shaped["id"] = data["id"]
    return shaped
