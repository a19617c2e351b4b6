"""OpenAPI 3.1 description of the legacy routes, built from their declarations."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.rest.legacy import PREFIX, LegacyRoute

_STR = {"type": "string"}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}


def _obj(
    required: list[str], optional: dict[str, Any] | None = None, **props: Any
) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "properties": {**props, **(optional or {})},
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


EMPLOYEE = _obj(
    ["id", "displayName", "avatarSmall", "profileUrl"],
    id={"type": "string", "format": "uuid"},
    displayName=_STR,
    title=_STR,
    avatarSmall=_STR,
    profileUrl=_STR,
)
CURRENCY = _obj(
    ["title", "symbol", "abbreviation", "cultureName", "isConvertable", "isBasic"],
    title=_STR,
    symbol=_STR,
    abbreviation=_STR,
    cultureName=_STR,
    isConvertable=_BOOL,
    isBasic=_BOOL,
)
CONTACT = _obj(
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
    accessList={"type": "array", "items": _ref("Employee")},
    isPrivate=_BOOL,
    isShared=_BOOL,
    shareType={"type": "integer", "enum": [0, 1, 2]},
    currency={"oneOf": [_ref("Currency"), {"type": "null"}]},
    canEdit=_BOOL,
    canDelete=_BOOL,
    id=_INT,
)
STAGE = _obj(
    ["successProbability", "stageType", "title", "description", "color", "sortOrder", "id"],
    successProbability=_INT,
    stageType={"type": "integer", "enum": [0, 1, 2]},
    title=_STR,
    description=_STR,
    color=_STR,
    sortOrder=_INT,
    id=_INT,
)
CUSTOM_FIELD = _obj(
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
OPPORTUNITY = _obj(
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
    createBy=_ref("Employee"),
    created=DATE,
    members={"type": "array", "items": _ref("Contact")},
    contact=_ref("Contact"),
    title=_STR,
    description=_STR,
    responsible=_ref("Employee"),
    bidType={"type": "integer", "enum": [1, 2, 3, 4, 5]},
    bidValue={"type": "number"},
    bidCurrency=_ref("Currency"),
    perPeriodValue=_INT,
    stage=_ref("Stage"),
    successProbability={"type": "integer", "minimum": 1, "maximum": 100},
    actualCloseDate=DATE,
    expectedCloseDate=DATE,
    isPrivate=_BOOL,
    accessList={"type": "array", "items": _ref("Employee")},
    canEdit=_BOOL,
    customFields={"type": "array", "items": _ref("CustomField")},
    id=_INT,
)
FULL_CONTACT = {
    "description": "PersonWrapper or CompanyWrapper: a contact with its details.",
    "allOf": [
        _ref("Contact"),
        _obj(
            ["created", "commonData", "customFields", "haveLateTasks"],
            firstName=_STR,
            lastName=_STR,
            title=_STR,
            companyName=_STR,
            createBy=_ref("Employee"),
            created=DATE,
            commonData={"type": "array", "maxItems": 0},
            customFields={"type": "array", "items": _ref("CustomField")},
            haveLateTasks=_BOOL,
        ),
    ],
}
STAGE_WITH_COUNT = {
    "description": "DealMilestoneWrapper: a stage and how many opportunities are at it.",
    "allOf": [_ref("Stage"), _obj([], relativeItemsCount={"type": "integer", "minimum": 1})],
}
FIELD_DEFINITION = {
    "description": "CustomFieldWrapper: a custom field and how many opportunities have a value.",
    "allOf": [
        _ref("CustomField"),
        _obj(["relativeItemsCount"], relativeItemsCount={"type": "integer", "minimum": 0}),
    ],
}
ERROR = _obj(
    ["status", "statusCode", "error"],
    status={"const": 1},
    statusCode=_INT,
    error=_obj(["message", "hresult", "data"], message=_STR, hresult=_INT, data={"type": "object"}),
)


_PATH_PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")
_ID = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
_INDEX = {"type": "integer", "minimum": 0}


def _success(route: LegacyRoute) -> dict[str, Any]:
    paging = {"startIndex": _INDEX, "nextIndex": _INDEX, "total": _INDEX} if route.paged else {}
    return _obj(
        ["status", "statusCode", "response"],
        count={"type": "integer", "minimum": 1},
        **paging,
        status={"const": 0},
        statusCode={"const": route.status},
        response=dict(route.response_schema) or {"type": "object"},
    )


def openapi_path(path: str) -> str:
    """A route path in OpenAPI's template form: `{name:int}` becomes `{name}`."""
    return _PATH_PARAMETER.sub(r"{\1}", path)


def _parameters(route: LegacyRoute) -> tuple[list[dict[str, Any]], list[str]]:
    """Path parameters, and for GET and DELETE the query parameters; the names in the path."""
    in_path = _PATH_PARAMETER.findall(route.path)
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": _ID} for name in in_path
    ]
    if route.method in ("GET", "DELETE"):
        parameters += [
            {"name": name, "in": "query", "required": False, "schema": dict(kind.form_schema)}
            for name, kind in route.params.items()
            if name not in in_path
        ]
    return parameters, in_path


def _operation(route: LegacyRoute, operation_id: str) -> dict[str, Any]:
    parameters, in_path = _parameters(route)
    in_body = {name: kind for name, kind in route.params.items() if name not in in_path}
    body = {
        "type": "object",
        "required": list(route.required),
        "properties": {name: dict(kind.json_schema) for name, kind in in_body.items()},
    }
    form = {
        "type": "object",
        "properties": {
            name: dict(kind.form_schema)
            for name, kind in in_body.items()
            if kind.name != "CustomFieldList"  # sent as customFieldList[0][key]=... pairs
        },
    }
    error = {"application/json": {"schema": _ref("Error")}}
    operation: dict[str, Any] = {
        "summary": route.summary,
        "operationId": operation_id,
        "security": [{"apiKey": []}],
        "responses": {
            str(route.status): {
                "description": "Success envelope",
                "content": {"application/json": {"schema": _success(route)}},
            },
            "400": {"description": "Invalid or missing parameters", "content": error},
            "401": {
                "description": "No valid API key",
                "content": {"text/plain": {"schema": {"const": "Unauthorized"}}},
            },
            "403": {"description": "Access denied", "content": error},
            "404": {"description": "Not found", "content": error},
            "413": {"description": "Body too large", "content": error},
            "415": {"description": "Unsupported body type", "content": error},
            "422": {
                "description": "Idempotency-Key reused for a different request",
                "content": error,
            },
            "500": {"description": "Unexpected error", "content": error},
            "503": {"description": "Busy; retry later", "content": error},
        },
    }
    if parameters:
        operation["parameters"] = parameters
    if route.method in ("POST", "PUT"):
        operation["requestBody"] = {
            "required": False,
            "content": {
                "application/json": {"schema": body},
                "application/x-www-form-urlencoded": {"schema": form},
            },
        }
    return operation


def _operation_id(route: LegacyRoute, suffix: str) -> str:
    """`post_opportunity`, `get_opportunity_opportunityid_json`, ..."""
    name = re.sub(r"\W+", "_", openapi_path(route.path) + suffix).strip("_")
    return f"{route.method.lower()}_{name}"


def _links(route: LegacyRoute, routes: list[LegacyRoute], suffix: str) -> dict[str, Any]:
    """What a create makes addressable: the routes under its path, by the id it answers with.

    They let a client (or a fuzzer's stateful phase) follow a create to the new resource.
    """
    if route.method != "POST" or "$ref" not in route.response_schema or "{" in route.path:
        return {}
    links: dict[str, Any] = {}
    for target in routes:
        found = _PATH_PARAMETER.match(target.path.removeprefix(route.path + "/"))
        if target.path.startswith(route.path + "/{") and found:
            operation_id = _operation_id(target, suffix)
            links[operation_id] = {
                "operationId": operation_id,
                "parameters": {found.group(1): "$response.body#/response/id"},
            }
    return links


def document(
    routes: list[LegacyRoute], extra_paths: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The OpenAPI document for `routes` (and routes described by hand)."""
    paths: dict[str, dict[str, Any]] = dict(extra_paths or {})
    for route in routes:
        path = PREFIX + openapi_path(route.path)
        for suffix in ("", ".json"):
            operation = _operation(route, _operation_id(route, suffix))
            if links := _links(route, routes, suffix):
                operation["responses"][str(route.status)]["links"] = links
            paths.setdefault(path + suffix, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "crm-graphql legacy ONLYOFFICE CRM API",
            "version": "2.0",
            "description": "The original ONLYOFFICE opportunity routes, each mapped onto GraphQL. "
            "Every path also answers with `.json` appended.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "Authorization"}
            },
            "schemas": {
                "Employee": EMPLOYEE,
                "Currency": CURRENCY,
                "Contact": CONTACT,
                "Stage": STAGE,
                "CustomField": CUSTOM_FIELD,
                "Opportunity": OPPORTUNITY,
                "FullContact": FULL_CONTACT,
                "StageWithCount": STAGE_WITH_COUNT,
                "CustomFieldDefinition": FIELD_DEFINITION,
                "Error": ERROR,
            },
        },
    }


def openapi_endpoint(
    routes: list[LegacyRoute], extra_paths: dict[str, Any] | None = None
) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint serving the document (built once)."""
    body = orjson.dumps(document(routes, extra_paths))

    async def endpoint(_: Request) -> Response:
        return Response(body, media_type="application/json")

    return endpoint
