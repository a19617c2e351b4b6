"""OpenAPI 3.1 description of the legacy routes, built from their declarations.

The wire's own schemas (what the routes answer with) are in app.rest.openapi_schemas.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.rest.legacy import LegacyRoute
from app.rest.openapi_schemas import COMPONENT_SCHEMAS, obj, ref

_PATH_PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")
_ID = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
_INDEX = {"type": "integer", "minimum": 0}


def _success(route: LegacyRoute) -> dict[str, Any]:
    paging = {"startIndex": _INDEX, "nextIndex": _INDEX, "total": _INDEX} if route.paged else {}
    return obj(
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
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
        for name in route.context
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
    error = {"application/json": {"schema": ref("Error")}}
    operation: dict[str, Any] = {
        "summary": route.summary,
        "operationId": operation_id,
        # Basic and the asc_auth_key cookie are taken too (the components describe them), but
        # are no plain alternatives: a wrong cookie falls through to the header, and wrong
        # Basic passwords meet the sign-in limits (429) rather than a bare 401.
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
            "429": {
                "description": "Basic passwords of this user name or address tried too often",
                "content": error,
            },
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
        path = route.root + openapi_path(route.path)
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
            "description": "The original ONLYOFFICE opportunity, contact and people routes, "
            "each mapped onto GraphQL. "
            "Every path also answers with `.json` appended.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "Authorization"},
                "basic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "A sign-in name and password; wrong ones count as failed "
                    "sign-ins (429 with Retry-After beyond the limits).",
                },
                "cookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "asc_auth_key",
                    "description": "A token, tried before the Authorization header.",
                },
            },
            "schemas": COMPONENT_SCHEMAS,
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
