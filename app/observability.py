"""Request ids and one structured access-log line per request; what HTTP middleware shares."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterable
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("crm.access")
# The access log's status for a client that left before its request was read (nginx's
# "client closed request"); nobody receives a response with it.
CLIENT_CLOSED = 499
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def operation_of(scope: Scope) -> str | None:
    """The operation name a handler recorded for this request."""
    state: dict[str, Any] = scope.get("state", {})
    name = state.get("operation")
    return str(name) if name else None


def record_operation(scope: Scope, name: str | None) -> None:
    """Let the access log name the GraphQL operation (or legacy route) of this request."""
    if name:
        scope.setdefault("state", {})["operation"] = name


class HttpMiddleware:
    """ASGI middleware that acts on HTTP requests only; lifespan events pass through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request through `self.app`."""
        raise NotImplementedError


class WatchedSend:
    """A `send` that remembers the status of the response once it has started."""

    def __init__(self, send: Send, *, headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
        self._send = send
        self._headers = list(headers)
        self.status: int | None = None

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            if self._headers:
                message["headers"] = [*message.get("headers", []), *self._headers]
        await self._send(message)


class RequestLog(HttpMiddleware):
    """Echo or assign `X-Request-ID` and log one JSON line per HTTP request."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with its id and log how it was answered."""
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        request_id = given if _VALID_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        sent = WatchedSend(send, headers=[(b"x-request-id", request_id.encode())])
        try:
            await self.app(scope, receive, sent)
        finally:
            # A handler that failed before answering is logged as the 500 it amounts to.
            status = 500 if sent.status is None else sent.status
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    orjson.dumps(
                        {
                            "event": "request",
                            "request_id": request_id,
                            "method": scope["method"],
                            "path": scope["path"],
                            "operation": operation_of(scope),
                            "status": status,
                            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                        }
                    ).decode()
                )
