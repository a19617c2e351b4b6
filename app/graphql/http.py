"""GraphQL over HTTP (the GraphQL-over-HTTP spec), on our own terms.

strawberry's stock view answers 400 for a mutation over GET, 400 for an unsupported body type,
never 406, and always `application/json`; the spec asks for 405, 415, 406 and
`application/graphql-response+json` with 4xx for requests that cannot execute. So the HTTP
layer is ours; parsing, validation and execution stay strawberry's (`Schema.execute`).
"""

from __future__ import annotations

import logging
import time
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

from app.credentials import Authenticator
from app.db.budget import time_budget
from app.db.engine import Database
from app.db.faults import Unavailable
from app.domain.caller import Caller
from app.domain.signin import HashQueueFull
from app.domain.throttle import TooManyAttempts
from app.graphql.context import Context
from app.graphql.error_codes import code_for
from app.graphql.http_request import (
    GRAPHQL_RESPONSE,
    JSON,
    RequestRefused,
    negotiate,
    read_params,
    wants_html,
)
from app.graphql.live import LiveContext, LiveState
from app.graphql.persisted import Document, PersistedDocuments
from app.graphql.sse import EventStreamResponse, operation_stream, wants_event_stream
from app.observability import CLIENT_CLOSED, record_operation
from app.overload import RELEASE
from app.settings import Settings

log = logging.getLogger("crm.graphql")
QUERY_ONLY = frozenset({OperationType.QUERY})
ALL_OPERATIONS = frozenset({OperationType.QUERY, OperationType.MUTATION})

IdePage = Callable[[Request], Awaitable[Response]]
BUSY_MESSAGE = Unavailable.message
RETRY_AFTER_S = Unavailable.retry_after


class GraphQLHTTP:
    """The /graphql endpoint: negotiation, limits, API-key auth, the document, `Schema.execute`."""

    def __init__(
        self,
        schema: Schema,
        *,
        db: Database,
        settings: Settings,
        ide: IdePage | None,
        authenticator: Authenticator,
    ) -> None:
        self.schema = schema
        self.db = db
        self.settings = settings
        self.authenticator = authenticator
        self.ide = ide
        self.documents = PersistedDocuments.from_settings(settings)

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
        if wants_event_stream(accept):
            return await self._event_stream(request)
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

    async def _event_stream(self, request: Request) -> Response:
        """The operation's results as Server-Sent Events (app.graphql.sse)."""
        try:
            if request.method not in ("GET", "POST"):
                raise RequestRefused(405, "Use GET or POST.", {"Allow": "GET, POST"})
            async with time_budget(self.settings.request_timeout_s):
                caller = await self._caller(request)
                params = await read_params(request, self.settings.max_body_bytes)
            record_operation(request.scope, params.get("operationName"))
            document = self.documents.document(params)
        except Unavailable as fault:
            return self._refusal(RequestRefused.unavailable(fault), JSON)
        except RequestRefused as refused:
            return self._refusal(refused, JSON)
        # The WebSocket's context: the key is checked again while the stream lasts.
        context = LiveContext(self.db, self.settings, caller)
        context.live = LiveState(request.headers.get("authorization"), time.monotonic())
        context.release_in_flight = request.scope.get(RELEASE)
        return EventStreamResponse(
            await operation_stream(self.schema, request, document.text, params, context),
            heartbeat_s=self.settings.sse_heartbeat_s,
            send_timeout_s=self.settings.subscription_send_timeout_s,
        )

    async def _caller(self, request: Request, db: Database | None = None) -> Caller:
        """The key, token or Basic password's employee; not the legacy cookie, which browsers
        send on their own (a page of another site could spend it). 401 without one."""
        try:
            caller = await self.authenticator.caller(request, cookie=False, db=db)
        except TooManyAttempts as refused:
            retry = {"Retry-After": str(refused.retry_after_s)}
            raise RequestRefused(429, refused.message, retry) from None
        except HashQueueFull:
            raise RequestRefused(
                503,
                "Too many sign-ins are being checked; retry after a moment.",
                {"Retry-After": "1"},
            ) from None
        if caller is None:
            raise RequestRefused(
                401,
                # The same bytes as the bench's floor answers (tests/test_bench_anchors.py).
                "Unauthorized: send your API key as 'Authorization: <key>' or "
                "'Authorization: Bearer <key>'.",
                {"WWW-Authenticate": 'Bearer realm="crm-graphql"'},
            )
        return caller

    async def _authenticated(self, request: Request) -> ExecutionResult:
        db = self.db.for_request()
        # The key's reader connection serves the operation's reads too (RequestDatabase).
        async with db.holding_reads():
            caller = await self._caller(request, db)
            params = await read_params(request, self.settings.max_body_bytes)
            record_operation(request.scope, params.get("operationName"))
            document = self.documents.document(params)
            context = Context(
                db,
                self.settings,
                caller,
                request.headers.get("idempotency-key"),
                reference_stamp=caller.reference_stamp,
            )
            result = await self._execute(request, document, params, context)
        if context.unavailable is not None:
            raise context.unavailable
        if not isinstance(result, PreExecutionError):
            self.documents.remember(document)  # it parsed and validated
        return result

    async def _execute(
        self, request: Request, document: Document, params: dict[str, Any], context: Context
    ) -> ExecutionResult:
        allowed = QUERY_ONLY if request.method == "GET" else ALL_OPERATIONS
        try:
            return await self.schema.execute(
                document.text,
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


def _formatted(error: GraphQLError) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    extensions: dict[str, Any] = formatted.get("extensions") or {}
    if "code" not in extensions:
        formatted["extensions"] = {**extensions, "code": code_for(error)}
    return formatted
