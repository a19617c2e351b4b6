"""Shed load early: beyond a number of requests in flight, answer 503 at once."""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

RETRY_AFTER_S = 1
EXEMPT = ("/healthz", "/readyz")


class InFlightLimit:
    """Answer 503 with Retry-After instead of queueing without bound.

    A request over the limit costs no database work and no parsing, so the requests already
    admitted keep their latency while clients back off.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            await self._refuse(scope, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    @staticmethod
    async def _refuse(scope: Scope, send: Send) -> None:
        message = "The service is busy; retry after a moment."
        if scope["path"].startswith("/api/"):
            body = orjson.dumps(
                {
                    "status": 1,
                    "statusCode": 503,
                    "error": {"message": message, "hresult": -2146233088, "data": {}},
                }
            )
        else:
            body = orjson.dumps({"errors": [{"message": message}]})
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(RETRY_AFTER_S).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
