"""GraphQL fragments that select what the legacy wire needs, and their wire shapes (spec 4)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.graphql.enums import BidType, CustomFieldType, ShareType, StageType
from app.rest.legacy import WireContext
from app.rest.wire import api_datetime

_FRAGMENTS = {
    "WireEmployee": "fragment WireEmployee on Employee "
    "{ id: databaseId displayName title avatarSmall profileUrl }",
    "WireCurrency": """fragment WireCurrency on Currency {
  title symbol abbreviation cultureName isConvertable isBasic
}""",
    "WireContact": """fragment WireContact on Contact {
  id: databaseId smallFotoUrl mediumFotoUrl displayName isCompany isPrivate isShared shareType
  canEdit canDelete accessList { ...WireEmployee } currency { ...WireCurrency }
}""",
    "WireFullContact": """fragment WireFullContact on Contact {
  ...WireContact firstName lastName title companyName created createBy { ...WireEmployee }
}""",
    # Contact and employee by the ids the legacy routes use (`databaseId`; `id` is to become a
    # Relay global id), as the wire's `id`.
    "WireEmployeeById": "fragment WireEmployeeById on Employee "
    "{ id: databaseId displayName title avatarSmall profileUrl }",
    "WireContactCard": """fragment WireContactCard on Contact {
  id: databaseId smallFotoUrl mediumFotoUrl displayName isCompany isPrivate isShared shareType
  canEdit canDelete accessList { ...WireEmployeeById } currency { ...WireCurrency }
  firstName lastName title companyName created createBy { ...WireEmployeeById }
}""",
    "WirePerson": """fragment WirePerson on Employee {
  databaseId userName displayName title isAdmin avatarSmall profileUrl
}""",
    "WireStage": """fragment WireStage on Stage {
  id: databaseId title description color successProbability stageType sortOrder
}""",
    "WireCustomField": """fragment WireCustomField on CustomField {
  fieldId: fieldDatabaseId entityId: entityDatabaseId label fieldValue fieldType position mask
}""",
    "WireFieldDefinition": """fragment WireFieldDefinition on CustomFieldDefinition {
  id: databaseId label fieldType position mask
}""",
    "WireOpportunity": """fragment WireOpportunity on Opportunity {
  id: databaseId title description created bidType bidValue perPeriodValue successProbability
  actualCloseDate expectedCloseDate isPrivate canEdit
  createBy { ...WireEmployee }
  responsible { ...WireEmployee }
  contact { ...WireContact }
  members { ...WireContact }
  bidCurrency { ...WireCurrency }
  stage { ...WireStage }
  accessList { ...WireEmployee }
  customFields { ...WireCustomField }
}""",
}
_SPREAD = re.compile(r"\.\.\.(Wire\w+)")


def operation(text: str) -> str:
    """A persisted operation with the wire fragments it spreads (and theirs) appended.

    GraphQL refuses documents with unused fragments, so each gets exactly those it needs.
    """
    needed: list[str] = []
    pending = _SPREAD.findall(text)
    while pending:
        name = pending.pop()
        if name not in needed:
            needed.append(name)
            pending += _SPREAD.findall(_FRAGMENTS[name])
    return text + "\n".join(_FRAGMENTS[name] for name in sorted(needed)) + "\n"


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
        "id": data["fieldId"],
    }


def opportunity(
    data: dict[str, Any], ctx: WireContext, *, single: bool = True, created: bool = False
) -> dict[str, Any]:
    """OpportunityWrapper (spec 4.1): zero values omitted, `id` last.

    `accessList` is always present on a single object, and only for private deals in lists.
    The create echoes what it was given, so an omitted description stays absent (spec 2.6);
    every other answer is read back from storage, where it is "".
    """
    shaped: dict[str, Any] = {
        "createBy": employee(data["createBy"]),
        "created": _date(data["created"], ctx),
        "members": [contact(c) for c in data["members"]],
    }
    if data["contact"] is not None:
        shaped["contact"] = contact(data["contact"])
    shaped["title"] = data["title"]
    if data["description"] is not None or not created:
        shaped["description"] = data["description"] or ""
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


def deleted_opportunity(
    data: dict[str, Any], ctx: WireContext, *, single: bool = True
) -> dict[str, Any]:
    """A deleted deal as the original answers it: its access list went with it, so it shows
    as public, and a public deal can be edited by everyone."""
    public = {"isPrivate": False, "accessList": [], "canEdit": True}
    return opportunity({**data, **public}, ctx, single=single)


def full_contact(data: dict[str, Any], ctx: WireContext) -> dict[str, Any]:
    """PersonWrapper or CompanyWrapper (spec 4.2, last paragraph).

    What we store is emitted; what we do not store (addresses, company of a person, about,
    industry, status, type, tags, tasks) is left out as the original leaves out nulls and
    zeros, and the lists it always sends are empty (`commonData`, `customFields`) with
    `haveLateTasks` false.
    """
    shaped: dict[str, Any] = {}
    if data["isCompany"]:
        if data["companyName"]:
            shaped["companyName"] = data["companyName"]
    else:
        for key in ("firstName", "lastName", "title"):
            if data[key]:
                shaped[key] = data[key]
    if data["createBy"] is not None:
        shaped["createBy"] = employee(data["createBy"])
    shaped["created"] = _date(data["created"], ctx)
    shaped |= {"commonData": [], "customFields": [], "haveLateTasks": False}
    return shaped | contact(data)


def stage_with_count(data: dict[str, Any]) -> dict[str, Any]:
    """DealMilestoneWrapper (spec 4.3): `relativeItemsCount` first, omitted when 0."""
    shaped: dict[str, Any] = {}
    if data["opportunityCount"]:
        shaped["relativeItemsCount"] = data["opportunityCount"]
    return shaped | stage(data)


def field_definition(data: dict[str, Any], *, with_count: bool = True) -> dict[str, Any]:
    """CustomFieldWrapper (with `relativeItemsCount`, always) or CustomFieldBaseWrapper.

    A definition belongs to no opportunity: CustomFieldDao.GetFieldDescription reads it with
    entity id -1 and the value " " (a space).
    """
    shaped: dict[str, Any] = {"relativeItemsCount": data["valueCount"]} if with_count else {}
    return shaped | {
        "entityId": -1,
        "label": data["label"],
        "fieldValue": " ",
        "fieldType": CustomFieldType[data["fieldType"]].value,
        "position": data["position"],
        "mask": data["mask"],
        "id": data["id"],
    }
