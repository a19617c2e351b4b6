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
ERROR = _obj(
    ["status", "statusCode", "error"],
    status={"const": 1},
    statusCode=_INT,
    error=_obj(["message", "hresult", "data"], message=_STR, hresult=_INT, data={"type": "object"}),
)


def _success(route: LegacyRoute) -> dict[str, Any]:
    return _obj(
        ["status", "statusCode", "response"],
        count={"type": "integer", "minimum": 1},
        status={"const": 0},
        statusCode={"const": route.status},
        response=dict(route.response_schema) or {"type": "object"},
    )


def _operation(route: LegacyRoute, variant: str) -> dict[str, Any]:
    body = {
        "type": "object",
        "required": list(route.required),
        "properties": {name: dict(kind.json_schema) for name, kind in route.params.items()},
    }
    form = {
        "type": "object",
        "properties": {
            name: dict(kind.form_schema)
            for name, kind in route.params.items()
            if kind.name != "CustomFieldList"  # sent as customFieldList[0][key]=... pairs
        },
    }
    error = {"application/json": {"schema": _ref("Error")}}
    operation: dict[str, Any] = {
        "summary": route.summary,
        "operationId": f"{route.method.lower()}_{variant}",
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
    if route.method in ("POST", "PUT", "DELETE"):
        operation["requestBody"] = {
            "required": False,
            "content": {
                "application/json": {"schema": body},
                "application/x-www-form-urlencoded": {"schema": form},
            },
        }
    return operation


def document(
    routes: list[LegacyRoute], extra_paths: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The OpenAPI document for `routes` (and routes described by hand)."""
    paths: dict[str, dict[str, Any]] = dict(extra_paths or {})
    for route in routes:
        path = PREFIX + route.path
        for variant in (path, f"{path}.json"):
            name = re.sub(r"\W+", "_", variant.removeprefix(PREFIX)).strip("_")
            paths.setdefault(variant, {})[route.method.lower()] = _operation(route, name)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "crm-graphql legacy ONLYOFFICE CRM API",
            "version": "2.0",
            "description": "The original ONLYOFFICE opportunity routes, each mapped onto GraphQL.",
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
