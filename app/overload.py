"""Shed load early: beyond a number of requests in flight, answer 503 at once."""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

RETRY_AFTER_S = 1
EXEMPT = ("/healthz", "/readyz")
# The .NET HResult of a plain `Exception`, which the original's envelope carries for statuses
# that map to no more specific exception (spec 1.5).
HRESULT_OTHER = -2146233088
BUSY_MESSAGE = "The service is busy; retry after a moment."
# Where a request finds how to leave the in-flight count before it ends.
RELEASE = "crm.release_in_flight"


def refusal_body(
    path: str, status: int, message: str, *, code: str | None = None, hresult: int = HRESULT_OTHER
) -> bytes:
    """An error answered before routing: the legacy envelope under /api/, GraphQL's elsewhere."""
    if path.startswith("/api/"):
        return orjson.dumps(
            {
                "status": 1,
                "statusCode": status,
                "error": {"message": message, "hresult": hresult, "data": {}},
            }
        )
    error: dict[str, object] = {"message": message}
    if code is not None:
        error["extensions"] = {"code": code}
    return orjson.dumps({"errors": [error]})


async def send_refusal(
    scope: Scope,
    send: Send,
    status: int,
    message: str,
    *,
    code: str | None = None,
    hresult: int = HRESULT_OTHER,
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> None:
    """Answer `status` with the error body its path's clients parse."""
    body = refusal_body(scope["path"], status, message, code=code, hresult=hresult)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class InFlightLimit:
    """Answer 503 with Retry-After instead of queueing without bound.

    A request over the limit costs no database work and no parsing, so the requests already
    admitted keep their latency while clients back off. Only requests whose body has arrived
    reach it (see `app.request_body.ReadBodyFirst`): a slow sender holds a connection, not a
    place here.
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
            await send_refusal(
                scope,
                send,
                503,
                BUSY_MESSAGE,
                code="UNAVAILABLE",
                headers=((b"retry-after", str(RETRY_AFTER_S).encode()),),
            )
            return
        self.in_flight += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self.in_flight -= 1

        # A subscription over Server-Sent Events gives its place back once subscribed: from
        # then on it waits for events, bounded per key, not working (app.graphql.live_feed).
        scope[RELEASE] = release
        try:
            await self.app(scope, receive, send)
        finally:
            release()
