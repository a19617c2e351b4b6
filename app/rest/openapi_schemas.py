"""The OpenAPI component schemas of the legacy wire: the original's wrappers (spec 4)."""

from __future__ import annotations

from typing import Any

_STR = {"type": "string"}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}


def obj(
    required: list[str], optional: dict[str, Any] | None = None, **props: Any
) -> dict[str, Any]:
    """An object schema: its required names, then its properties."""
    return {
        "type": "object",
        "required": required,
        "properties": {**props, **(optional or {})},
    }


def ref(name: str) -> dict[str, str]:
    """A reference to one of the document's component schemas."""
    return {"$ref": f"#/components/schemas/{name}"}


EMPLOYEE = obj(
    ["id", "displayName", "avatarSmall", "profileUrl"],
    id={"type": "string", "format": "uuid"},
    displayName=_STR,
    title=_STR,
    avatarSmall=_STR,
    profileUrl=_STR,
)
CURRENCY = obj(
    ["title", "symbol", "abbreviation", "cultureName", "isConvertable", "isBasic"],
    title=_STR,
    symbol=_STR,
    abbreviation=_STR,
    cultureName=_STR,
    isConvertable=_BOOL,
    isBasic=_BOOL,
)
CONTACT = obj(
    [
        "smallFotoUrl",
        "mediumFotoUrl",
        "displayName",
        "isCompany",
        "isPrivate",
        "isShared",
        "shareType",
        "currency",
        "canEdit",
        "canDelete",
        "id",
    ],
    smallFotoUrl=_STR,
    mediumFotoUrl=_STR,
    displayName=_STR,
    isCompany=_BOOL,
    accessList={"type": "array", "items": ref("Employee")},
    isPrivate=_BOOL,
    isShared=_BOOL,
    shareType={"type": "integer", "enum": [0, 1, 2]},
    currency={"oneOf": [ref("Currency"), {"type": "null"}]},
    canEdit=_BOOL,
    canDelete=_BOOL,
    id=_INT,
)
STAGE = obj(
    ["successProbability", "stageType", "title", "description", "color", "sortOrder", "id"],
    successProbability=_INT,
    stageType={"type": "integer", "enum": [0, 1, 2]},
    title=_STR,
    description=_STR,
    color=_STR,
    sortOrder=_INT,
    id=_INT,
)
CUSTOM_FIELD = obj(
    ["entityId", "label", "fieldValue", "fieldType", "position", "mask", "id"],
    entityId=_INT,
    label=_STR,
    fieldValue={"type": ["string", "null"]},
    fieldType={"type": "integer", "enum": [0, 1, 2, 3, 4, 5]},
    position=_INT,
    mask=_STR,
    id=_INT,
)
DATE = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}(Z|[+-]\d{2}:\d{2})$",
}
OPPORTUNITY = obj(
    [
        "createBy",
        "created",
        "members",
        "title",
        "responsible",
        "stage",
        "actualCloseDate",
        "expectedCloseDate",
        "isPrivate",
        "canEdit",
        "customFields",
        "id",
    ],
    createBy=ref("Employee"),
    created=DATE,
    members={"type": "array", "items": ref("Contact")},
    contact=ref("Contact"),
    title=_STR,
    description=_STR,
    responsible=ref("Employee"),
    bidType={"type": "integer", "enum": [1, 2, 3, 4, 5]},
    bidValue={"type": "number"},
    bidCurrency=ref("Currency"),
    perPeriodValue=_INT,
    stage=ref("Stage"),
    successProbability={"type": "integer", "minimum": 1, "maximum": 100},
    actualCloseDate=DATE,
    expectedCloseDate=DATE,
    isPrivate=_BOOL,
    accessList={"type": "array", "items": ref("Employee")},
    canEdit=_BOOL,
    customFields={"type": "array", "items": ref("CustomField")},
    id=_INT,
)
FULL_CONTACT = {
    "description": "PersonWrapper or CompanyWrapper: a contact with its details.",
    "allOf": [
        ref("Contact"),
        obj(
            ["created", "commonData", "customFields", "haveLateTasks"],
            firstName=_STR,
            lastName=_STR,
            title=_STR,
            companyName=_STR,
            createBy=ref("Employee"),
            created=DATE,
            commonData={"type": "array", "maxItems": 0},
            addresses={"type": "array", "maxItems": 0},
            customFields={"type": "array", "items": ref("CustomField")},
            haveLateTasks=_BOOL,
        ),
    ],
}
_NULL_STR = {"type": ["string", "null"]}
_ZERO = {"const": 0}
_FALSE = {"const": False}
EMPLOYEE_FULL = obj(
    ["id", "userName", "firstName", "lastName", "email", "status", "displayName", "isAdmin"],
    {"title": _STR},
    id={"type": "string", "format": "uuid"},
    userName=_NULL_STR,
    isVisitor=_FALSE,
    firstName=_STR,
    lastName=_STR,
    email={"type": "null"},
    status={"const": 1},
    activationStatus={"const": 1},
    terminated={"type": "null"},
    department={"const": ""},
    displayName=_STR,
    avatarMedium=_STR,
    avatar=_STR,
    isAdmin=_BOOL,
    isLDAP=_FALSE,
    isOwner=_FALSE,
    isSSO=_FALSE,
    avatarSmall=_STR,
    quotaLimit=_ZERO,
    usedSpace=_ZERO,
    docsSpace=_ZERO,
    mailSpace=_ZERO,
    talkSpace=_ZERO,
    profileUrl=_STR,
)
STAGE_WITH_COUNT = {
    "description": "DealMilestoneWrapper: a stage and how many opportunities are at it.",
    "allOf": [ref("Stage"), obj([], relativeItemsCount={"type": "integer", "minimum": 1})],
}
FIELD_DEFINITION = {
    "description": "CustomFieldWrapper: a custom field and how many opportunities have a value.",
    "allOf": [
        ref("CustomField"),
        obj(["relativeItemsCount"], relativeItemsCount={"type": "integer", "minimum": 0}),
    ],
}
ERROR = obj(
    ["status", "statusCode", "error"],
    status={"const": 1},
    statusCode=_INT,
    error=obj(["message", "hresult", "data"], message=_STR, hresult=_INT, data={"type": "object"}),
)

COMPONENT_SCHEMAS = {
    "Employee": EMPLOYEE,
    "Currency": CURRENCY,
    "Contact": CONTACT,
    "Stage": STAGE,
    "CustomField": CUSTOM_FIELD,
    "Opportunity": OPPORTUNITY,
    "FullContact": FULL_CONTACT,
    "EmployeeFull": EMPLOYEE_FULL,
    "StageWithCount": STAGE_WITH_COUNT,
    "CustomFieldDefinition": FIELD_DEFINITION,
    "Error": ERROR,
}
