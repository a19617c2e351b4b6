"""GraphQL over HTTP (the GraphQL-over-HTTP spec), on our own terms.

strawberry's stock view answers 400 for a mutation over GET, 400 for an unsupported body type,
never 406, and always `application/json`; the spec asks for 405, 415, 406 and
`application/graphql-response+json` with 4xx for requests that cannot execute. So the HTTP
layer is ours; parsing, validation and execution stay strawberry's (`Schema.execute`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry import Schema
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from app.db.budget import time_budget
from app.db.engine import Database
from app.db.faults import Unavailable
from app.domain.keys import caller_for
from app.graphql.context import Context
from app.observability import CLIENT_CLOSED, record_operation
from app.settings import Settings

log = logging.getLogger("crm.graphql")
GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
QUERY_ONLY = frozenset({OperationType.QUERY})
ALL_OPERATIONS = frozenset({OperationType.QUERY, OperationType.MUTATION})

IdePage = Callable[[Request], Awaitable[Response]]
BUSY_MESSAGE = Unavailable.message
RETRY_AFTER_S = Unavailable.retry_after
# extensions.code of each refusal the HTTP layer answers itself.
STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    408: "REQUEST_TIMEOUT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    500: "INTERNAL_SERVER_ERROR",
    503: "UNAVAILABLE",
}


class RequestRefused(Exception):
    """The HTTP request cannot become a GraphQL operation."""

    def __init__(
        self,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
        *,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.code = code or STATUS_CODES.get(status, "BAD_REQUEST")

    @classmethod
    def unavailable(cls, fault: Unavailable) -> RequestRefused:
        """503 with Retry-After for a fault the client should wait out."""
        return cls(503, str(fault), {"Retry-After": str(fault.retry_after)}, code=fault.code)


def _accepted(accept: str | None) -> list[tuple[str, float]]:
    ranges = []
    for part in (accept or "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((media.lower(), quality))
    return ranges


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header, or None when nothing we have fits.

    The highest quality wins; between equals, a range naming the spec's own type picks
    it, and a wildcard picks plain JSON, which every client reads.
    """
    ranges = _accepted(accept)
    if not ranges:
        return JSON
    best: tuple[float, int, str] | None = None
    for media, quality in ranges:
        if quality <= 0:
            continue
        if media == GRAPHQL_RESPONSE:
            candidate = (quality, 2, GRAPHQL_RESPONSE)
        elif media == JSON:
            candidate = (quality, 1, JSON)
        elif media in ("*/*", "application/*"):
            candidate = (quality, 0, JSON)
        else:
            continue
        if best is None or candidate > best:
            best = candidate
    return best[2] if best else None


def wants_html(accept: str | None) -> bool:
    """A browser asking for a page rather than for a GraphQL response."""
    ranges = dict(_accepted(accept))
    return ranges.get("text/html", 0) > 0


class GraphQLHTTP:
    """The /graphql endpoint: negotiation, limits, API-key auth, then `Schema.execute`."""

    def __init__(
        self, schema: Schema, *, db: Database, settings: Settings, ide: IdePage | None
    ) -> None:
        self.schema = schema
        self.db = db
        self.settings = settings
        self.ide = ide

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self.handle(request)
        except ClientDisconnect:
            # Gone before its request was read: nobody to answer and nothing wrong here.
            log.info("client disconnected before its request was read")
            response = Response(status_code=CLIENT_CLOSED)
        except Exception:
            # Resolver crashes are masked inside the result; this is a crash around it.
            log.exception("GraphQL request failed")
            response = self._refusal(RequestRefused(500, "Unexpected error."), JSON)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        """Answer one HTTP request."""
        accept = request.headers.get("accept")
        if request.method == "GET" and self.ide is not None and wants_html(accept):
            return await self.ide(request)
        media = negotiate(accept)
        if media is None:
            return self._refusal(
                RequestRefused(406, f"Not acceptable: ask for {GRAPHQL_RESPONSE} or {JSON}."), JSON
            )
        try:
            if request.method not in ("GET", "POST"):
                raise RequestRefused(405, "Use GET or POST.", {"Allow": "GET, POST"})
            async with time_budget(self.settings.request_timeout_s):
                result = await self._authenticated(request)
        except Unavailable as fault:
            return self._refusal(RequestRefused.unavailable(fault), media)
        except RequestRefused as refused:
            return self._refusal(refused, media)
        return self._result(result, media)

    async def _authenticated(self, request: Request) -> ExecutionResult:
        caller = await caller_for(db=self.db, authorization=request.headers.get("authorization"))
        if caller is None:
            raise RequestRefused(
                401,
                "Unauthorized: send your API key as 'Authorization: <key>' or "
                "'Authorization: Bearer <key>'.",
                {"WWW-Authenticate": 'Bearer realm="crm-graphql"'},
            )
        params = await self._params(request)
        record_operation(request.scope, params.get("operationName"))
        context = Context(self.db, self.settings, caller, request.headers.get("idempotency-key"))
        result = await self._execute(request, params, context)
        if context.unavailable is not None:
            raise context.unavailable
        return result

    async def _params(self, request: Request) -> dict[str, Any]:
        if request.method == "GET":
            params: dict[str, Any] = dict(request.query_params)
            for name in ("variables", "extensions"):
                if params.get(name):
                    params[name] = self._json(params[name], name)
        else:
            content_type = request.headers.get("content-type", "")
            media, *options = (p.strip().lower() for p in content_type.split(";"))
            charset = next(
                (o.split("=", 1)[1] for o in options if o.startswith("charset=")), "utf-8"
            )
            if media != JSON or charset.strip('"') != "utf-8":
                raise RequestRefused(415, f"Send the request as {JSON} (UTF-8).")
            body = await self._body(request)
            params = self._json(body, "body")
            if isinstance(params, list):
                raise RequestRefused(400, "Batched requests are not supported.")
            if not isinstance(params, dict):
                raise RequestRefused(400, "The body must be a JSON object.")
        query = params.get("query")
        if not isinstance(query, str) or not query.strip():
            raise RequestRefused(400, "The request has no query (a string) to execute.")
        # PostgreSQL cannot store NUL in text; refuse it up front, the same on every back end.
        if "\\u0000" in query or _has_nul(params.get("variables")):
            raise RequestRefused(400, "Text must not contain NUL characters.")
        for name in ("variables", "extensions"):
            if params.get(name) is not None and not isinstance(params[name], dict):
                raise RequestRefused(400, f"{name} must be an object.")
        if params.get("operationName") is not None and not isinstance(params["operationName"], str):
            raise RequestRefused(400, "operationName must be a string.")
        return params

    async def _body(self, request: Request) -> bytes:
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise RequestRefused(413, f"The body is larger than {limit} bytes.")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise RequestRefused(413, f"The body is larger than {limit} bytes.")
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _json(text: str | bytes, what: str) -> Any:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            raise RequestRefused(400, f"The {what} is not valid JSON.") from None

    async def _execute(
        self, request: Request, params: dict[str, Any], context: Context
    ) -> ExecutionResult:
        allowed = QUERY_ONLY if request.method == "GET" else ALL_OPERATIONS
        try:
            return await self.schema.execute(
                params["query"],
                variable_values=params.get("variables"),
                context_value=context,
                operation_name=params.get("operationName"),
                allowed_operation_types=allowed,
            )
        except InvalidOperationTypeError as error:
            if request.method == "GET":
                raise RequestRefused(
                    405, "Mutations are only allowed over POST.", {"Allow": "POST"}
                ) from error
            raise RequestRefused(400, error.as_http_error_reason(request.method)) from error
        except CannotGetOperationTypeError as error:
            raise RequestRefused(400, error.as_http_error_reason()) from error
        except MissingQueryError as error:
            raise RequestRefused(400, "The request has no query to execute.") from error

    def _result(self, result: ExecutionResult, media: str) -> Response:
        errors = result.errors or []
        did_not_run = isinstance(result, PreExecutionError) or (
            result.data is None and bool(errors) and all(e.path is None for e in errors)
        )
        body: dict[str, Any] = {} if did_not_run else {"data": result.data}
        if errors:
            body["errors"] = [_formatted(e) for e in errors]
        if result.extensions:
            body["extensions"] = result.extensions
        status = 400 if did_not_run and media == GRAPHQL_RESPONSE else 200
        return Response(orjson.dumps(body), status_code=status, media_type=media)

    @staticmethod
    def _refusal(refused: RequestRefused, media: str) -> Response:
        error: dict[str, Any] = {"message": refused.message, "extensions": {"code": refused.code}}
        body = {"errors": [error]}
        return Response(
            orjson.dumps(body),
            status_code=refused.status,
            media_type=media,
            headers=refused.headers,
        )


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def error_code(error: GraphQLError) -> str:
    """The `extensions.code` of an error that carries none (Apollo's names where they exist)."""
    if error.path is not None:
        return "INTERNAL_SERVER_ERROR"  # a field failed; refusals inside fields carry codes
    if error.message.startswith("Syntax Error") or "tokens" in error.message:
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable '$"):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def _formatted(error: GraphQLError) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    extensions: dict[str, Any] = formatted.get("extensions") or {}
    if "code" not in extensions:
        formatted["extensions"] = {**extensions, "code": error_code(error)}
    return formatted
