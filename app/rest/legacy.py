"""How a legacy route runs: auth, binding, the persisted GraphQL operation, the envelope.

A route is a declaration (`LegacyRoute`): method and path, the GraphQL operation it executes,
its parameters, a request mapper (bound parameters -> variables) and a response mapper
(GraphQL data -> wire object). No route carries rules of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import cached_property
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, parse, validate
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from strawberry import Schema

from app.db.engine import Database
from app.domain.caller import Caller
from app.domain.errors import MSG_ACCESS_DENIED, MSG_OUT_OF_RANGE
from app.domain.keys import caller_for
from app.graphql.context import Context
from app.graphql.http import BUSY_MESSAGE, RETRY_AFTER_S
from app.observability import record_operation
from app.rest import wire
from app.rest.binding import (
    BindingError,
    BodyTooLarge,
    Kind,
    UnsupportedMediaType,
    bind,
    raw_parameters,
)
from app.settings import Settings

log = logging.getLogger("crm.rest")
PREFIX = "/api/2.0/crm/"
# .NET HResults of the exceptions the original maps to each status (spec 1.5).
HRESULTS = {
    400: -2147024809,
    403: -2146233078,
    404: -2147467259,
    413: -2147024809,
    422: -2146233079,
    415: -2147024809,
}
HRESULT_OTHER = -2146233088
UNEXPECTED = "Unexpected error."


class LegacyError(Exception):
    """An error answer on the legacy wire."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def from_user_errors(errors: list[Mapping[str, Any]]) -> LegacyError:
    """The legacy answer to the first refusal, as the original throws at its first check."""
    first = errors[0]
    code, message = first["code"], first["message"]
    if code == "FORBIDDEN":
        return LegacyError(403, MSG_ACCESS_DENIED)
    if code == "CONFLICT":
        return LegacyError(422, message)
    if code == "REQUIRED" or (code == "NOT_FOUND" and first["field"] != "stageId"):
        # The original throws a bare ArgumentException for these.
        return LegacyError(400, MSG_OUT_OF_RANGE)
    return LegacyError(400, message)


@dataclass(frozen=True, slots=True)
class WireContext:
    """What a response mapper needs besides the data."""

    zone: tzinfo


@dataclass(frozen=True)
class LegacyRoute:
    """One legacy endpoint, declared as a mapping onto a GraphQL operation."""

    method: str
    path: str
    summary: str
    operation: str
    params: Mapping[str, Kind]
    variables: Callable[[dict[str, Any]], dict[str, Any]]
    respond: Callable[[dict[str, Any], WireContext], Any]
    status: int = 200
    response_schema: Mapping[str, Any] = field(default_factory=dict)
    required: tuple[str, ...] = ()  # parameters without which the route always refuses

    def check(self, schema: Schema) -> None:
        """Fail at start-up, not at the first request, when the operation does not validate."""
        errors = validate(schema._schema, parse(self.operation))
        if errors:
            raise ValueError(f"{self.method} {self.path}: {errors[0].message}")

    @cached_property
    def operation_name(self) -> str | None:
        """The name of the persisted operation, for the access log."""
        for definition in parse(self.operation).definitions:
            if isinstance(definition, OperationDefinitionNode) and definition.name:
                return definition.name.value
        return None


def envelope(status: int, response: Any) -> bytes:
    """The success envelope; `count` is omitted when zero."""
    count = len(response) if isinstance(response, list) else 1
    body: dict[str, Any] = {}
    if count:
        body["count"] = count
    body |= {"status": 0, "statusCode": status, "response": response}
    return wire.dumps(body)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The error envelope."""
    body = {
        "status": 1,
        "statusCode": status,
        "error": {
            "message": message,
            "hresult": HRESULTS.get(status, HRESULT_OTHER),
            "data": {},
        },
    }
    return Response(
        wire.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


def unauthorized(request: Request) -> Response:
    """401 as the original sends it: plain text, not the envelope."""
    host = request.headers.get("host", "localhost")
    return PlainTextResponse(
        "Unauthorized", status_code=401, headers={"WWW-Authenticate": f'Bearer realm="{host}"'}
    )


def _request_error(errors: list[GraphQLError]) -> LegacyError:
    if any(error.path is not None for error in errors):
        return LegacyError(500, UNEXPECTED)
    # Variables the mapper built were refused by the schema (say, an Int out of range).
    return LegacyError(400, errors[0].message)


def starlette_routes(
    routes: list[LegacyRoute], *, schema: Schema, db: Database, settings: Settings
) -> list[Route]:
    """Each declaration as two Starlette routes: the path and the path with `.json`."""
    wire_context = WireContext(zone=settings.zone)

    async def answer(route: LegacyRoute, request: Request, caller: Caller) -> Any:
        try:
            raw = await raw_parameters(request, settings.max_body_bytes)
            variables = route.variables(bind(raw, route.params, settings.zone))
        except BindingError as refused:
            raise LegacyError(400, str(refused)) from None
        except BodyTooLarge as refused:
            raise LegacyError(413, str(refused)) from None
        except UnsupportedMediaType as refused:
            raise LegacyError(415, f"Unsupported media type: {refused}") from None
        context = Context(
            db=db,
            settings=settings,
            caller=caller,
            idempotency_key=request.headers.get("idempotency-key"),
        )
        result = await schema.execute(
            route.operation, variable_values=variables, context_value=context
        )
        if context.busy:
            raise LegacyError(503, BUSY_MESSAGE, {"Retry-After": str(RETRY_AFTER_S)})
        if result.errors:
            raise _request_error(result.errors)
        assert result.data is not None
        return route.respond(result.data, wire_context)

    mounted: list[Route] = []
    for route in routes:
        route.check(schema)

        async def endpoint(request: Request, route: LegacyRoute = route) -> Response:
            record_operation(request.scope, route.operation_name)
            caller = await caller_for(db, request.headers.get("authorization"))
            if caller is None:
                return unauthorized(request)
            try:
                response = await answer(route, request, caller)
            except LegacyError as refused:
                return error_response(refused.status, refused.message, refused.headers)
            except Exception:
                # Never Starlette's plain-text 500: legacy clients parse the envelope.
                log.exception("legacy route %s %s failed", route.method, route.path)
                return error_response(500, UNEXPECTED)
            return Response(
                envelope(route.status, response),
                status_code=route.status,
                media_type="application/json",
            )

        path = PREFIX + route.path
        mounted.append(Route(path, endpoint, methods=[route.method]))
        mounted.append(Route(f"{path}.json", endpoint, methods=[route.method]))
    return mounted
