"""Request ids and one structured access-log line per request."""

from __future__ import annotations

import logging
import re
import time
import uuid
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


class RequestLog:
    """Echo or assign `X-Request-ID` and log one JSON line per HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        request_id = given if _VALID_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
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
