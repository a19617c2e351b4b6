"""How a legacy route runs: auth, binding, the persisted GraphQL operation, the envelope.

Each declaration (`app.rest.legacy.LegacyRoute`) becomes a Starlette route whose endpoint
authenticates the caller, binds the parameters, executes the route's operation through the
GraphQL schema within the request's time budget, and answers the payload or its refusal on the
original's wire.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

from graphql import GraphQLError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send
from strawberry import Schema

from app.credentials import Authenticator
from app.db.budget import time_budget
from app.db.engine import Database
from app.db.faults import Unavailable
from app.domain.caller import Caller
from app.domain.signin import HashQueueFull
from app.domain.throttle import TooManyAttempts
from app.graphql.context import Context
from app.observability import CLIENT_CLOSED, record_operation
from app.rest.api_context import api_context
from app.rest.binding import (
    BindingError,
    BodyTooLarge,
    UnsupportedMediaType,
    bind,
    raw_parameters,
)
from app.rest.legacy import (
    ANY_METHOD,
    CONTEXT,
    HASHING_BUSY,
    JSON_HEADERS,
    LEGACY_MAX_PAGE,
    MSG_NOT_FOUND,
    ROOTS_ANSWERED,
    UNEXPECTED,
    LegacyError,
    LegacyRoute,
    WireContext,
    envelope,
    error_response,
    retry_after,
    unauthorized,
    unavailable_response,
)
from app.settings import Settings

log = logging.getLogger("crm.rest")
Endpoint = Callable[[Request], Awaitable[Response]]
# Codes of the GraphQL errors a read raises for a refused argument (a search too long...).
REFUSED_ARGUMENT = frozenset({"INVALID", "TOO_LONG", "REQUIRED"})


def _request_error(errors: list[GraphQLError]) -> LegacyError:
    refused = [e for e in errors if (e.extensions or {}).get("code") in REFUSED_ARGUMENT]
    if refused:
        return LegacyError(400, refused[0].message)
    if any(error.path is not None for error in errors):
        return LegacyError(500, UNEXPECTED)
    # Variables the mapper built were refused by the schema (say, an Int out of range).
    return LegacyError(400, errors[0].message)


class LegacyRunner:
    """Runs legacy routes against one schema, database and configuration."""

    def __init__(
        self, *, schema: Schema, db: Database, settings: Settings, authenticator: Authenticator
    ) -> None:
        self.schema = schema
        self.db = db
        self.settings = settings
        self.authenticator = authenticator
        self.wire_context = WireContext(zone=settings.zone)

    async def answer(
        self, route: LegacyRoute, request: Request, caller: Caller, db: Database
    ) -> Any:
        """The wire object the route answers, or a LegacyError; `db` is the request's view."""
        settings = self.settings
        try:
            raw = await raw_parameters(request, settings.max_body_bytes)
            bound = bind(raw, route.params, settings.zone)
            if route.context:
                bound[CONTEXT] = api_context(request.query_params.multi_items())
            variables = route.variables(bound)
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
            max_page=LEGACY_MAX_PAGE,
            trusted_document=True,
            reference_stamp=caller.reference_stamp,
        )
        result = await self.schema.execute(
            route.operation, variable_values=variables, context_value=context
        )
        if context.unavailable is not None:
            raise context.unavailable
        if result.errors:
            raise _request_error(result.errors)
        assert result.data is not None
        for payload in result.data.values():
            if isinstance(payload, dict) and payload.get("errors"):
                raise route.refusals(payload["errors"])
        return route.respond(result.data, replace(self.wire_context, params=bound))

    async def caller(self, request: Request, db: Database | None = None) -> Caller | None:
        """The caller by cookie, Basic password or token, as the original looks for them."""
        try:
            return await self.authenticator.caller(request, cookie=True, db=db)
        except TooManyAttempts as refused:
            # Basic passwords of a name (or from an address) tried too often.
            raise LegacyError(429, refused.message, retry_after(refused.retry_after_s)) from None
        except HashQueueFull:
            raise LegacyError(503, HASHING_BUSY, retry_after(1)) from None

    def endpoint(self, route: LegacyRoute) -> Endpoint:
        """The Starlette endpoint of one declaration."""

        async def endpoint(request: Request) -> Response:
            record_operation(request.scope, route.operation_name)
            try:
                db = self.db.for_request()
                # The key's reader connection serves the route's reads too (RequestDatabase).
                async with time_budget(self.settings.request_timeout_s), db.holding_reads():
                    caller = await self.caller(request, db)
                    if caller is None:
                        return unauthorized(request)
                    response = await self.answer(route, request, caller, db)
            except LegacyError as refused:
                return error_response(refused.status, refused.message, refused.headers)
            except Unavailable as fault:
                return unavailable_response(fault)
            except ClientDisconnect:
                log.info("client disconnected before its request was read")
                return Response(status_code=CLIENT_CLOSED)
            except Exception:
                # Never Starlette's plain-text 500: legacy clients parse the envelope.
                log.exception("legacy route %s %s failed", route.method, route.path)
                return error_response(500, UNEXPECTED)
            return Response(
                envelope(route.status, response),
                status_code=route.status,
                headers=JSON_HEADERS,
            )

        return endpoint


def starlette_routes(
    routes: list[LegacyRoute],
    *,
    schema: Schema,
    db: Database,
    settings: Settings,
    authenticator: Authenticator,
) -> list[Route]:
    """The declarations as Starlette routes: one per path and one per path with `.json`."""
    runner = LegacyRunner(schema=schema, db=db, settings=settings, authenticator=authenticator)
    by_path: dict[str, dict[str, Endpoint]] = {}
    for route in routes:
        route.check(schema)
        methods = by_path.setdefault(route.full_path, {})
        if route.method in methods:
            raise ValueError(f"{route.method} {route.path} is declared twice")
        methods[route.method] = runner.endpoint(route)

    # One Starlette route per path (and its `.json` twin, the suffix after the last part):
    # a method the path does not have gets 405 with every method it has in Allow.
    mounted: list[Route] = []
    for path, methods in by_path.items():
        dispatch = _Dispatch(methods)
        mounted.append(Route(path, dispatch, methods=list(methods)))
        mounted.append(Route(f"{path}.json", dispatch, methods=list(methods)))

    async def no_route(request: Request) -> Response:
        """Anything else under the prefix: 405 for a path with other methods, else 404."""
        for route in mounted:
            match, _ = route.matches(request.scope)
            if match is Match.PARTIAL:
                return PlainTextResponse(
                    "Method Not Allowed",
                    status_code=405,
                    headers={"Allow": ", ".join(sorted(route.methods or ()))},
                )
        # In the envelope, as legacy clients parse it (a non-numeric id lands here).
        return error_response(404, MSG_NOT_FOUND)

    declared = list(mounted)
    mounted += [
        _Elsewhere(root, no_route, methods=ANY_METHOD, declared=declared) for root in ROOTS_ANSWERED
    ]
    return mounted


class _Elsewhere(Route):
    """Every path under the prefix that no declaration matched, whatever characters it has.

    The original's routing (ASP.NET) matches paths in any letter case and with a trailing
    slash: such a path is answered by the route it names, else 404 (or 405).
    """

    def __init__(self, *args: Any, declared: list[Route], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.declared = declared

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path: str = scope["path"]
        root = scope.get("root_path", "")
        if scope["type"] == "http" and path.removeprefix(root).lower().startswith(self.path):
            return Match.FULL, {"endpoint": self.endpoint, "path_params": {}}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        root = scope.get("root_path", "")
        path = scope["path"].removeprefix(root)
        canonical = path.lower().rstrip("/")
        if canonical != path:
            scope = {**scope, "path": root + canonical}
            for route in self.declared:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    await route.handle({**scope, **child}, receive, send)
                    return
        await super().handle(scope, receive, send)


class _Dispatch:
    """One path's endpoints by method, as a plain ASGI app.

    A function endpoint would be wrapped by Starlette's request_response, its exception
    handling included, on every request; each endpoint here answers every failure itself.
    """

    __slots__ = ("methods",)

    def __init__(self, methods: Mapping[str, Endpoint]) -> None:
        self.methods = methods

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        method = "GET" if request.method == "HEAD" else request.method
        response = await self.methods[method](request)
        await response(scope, receive, send)
