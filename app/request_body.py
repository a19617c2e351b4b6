"""Receive the whole body of a request, within a deadline and a size limit, before running it."""

from __future__ import annotations

import asyncio
import logging
import sys

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability import CLIENT_CLOSED
from app.overload import send_refusal

log = logging.getLogger("crm")
# The HResult the original's envelope carries for a body over the limit (ArgumentException).
HRESULT_TOO_LARGE = -2147024809
# The body is answered before it is all read: the rest of it must not be parsed as a request.
CLOSE = ((b"connection", b"close"),)


class BodyTooLarge(Exception):
    """More bytes than the limit were declared or sent."""


class ClientGone(Exception):
    """The client disconnected before its body arrived."""


class BuffersFull(Exception):
    """The bodies still arriving already hold all the memory set aside for them."""


class ReadBodyFirst:
    """Call the rest of the app only once the whole body is here, replaying it to the app.

    Until then a request holds a connection and a buffer of at most `max_body_bytes`, but no
    place among the requests in flight: clients that send their bodies a byte at a time cannot
    fill those places. A body still incomplete after `body_timeout_s` is answered 408, one
    larger than the limit 413, both before the app sees the request, and the connection closes.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        body_timeout_s: float,
        max_buffered_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout_s = body_timeout_s
        # Many addresses each sending bodies slowly could otherwise hold memory without bound.
        self.max_buffered_bytes = max_buffered_bytes or 64 * max_body_bytes
        self.buffered = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            if _declared_length(scope) > self.max_body_bytes:
                raise BodyTooLarge
            async with asyncio.timeout(self.body_timeout_s):
                body = await self._read(receive)
        except BodyTooLarge:
            await send_refusal(
                scope,
                send,
                413,
                f"The body is larger than {self.max_body_bytes} bytes.",
                code="PAYLOAD_TOO_LARGE",
                hresult=HRESULT_TOO_LARGE,
                headers=CLOSE,
            )
            return
        except TimeoutError:
            await send_refusal(
                scope,
                send,
                408,
                f"The request body did not arrive within {self.body_timeout_s:g} seconds.",
                code="REQUEST_TIMEOUT",
                headers=CLOSE,
            )
            return
        except BuffersFull:
            await send_refusal(
                scope,
                send,
                503,
                "The service is busy receiving other requests; retry after a moment.",
                code="UNAVAILABLE",
                headers=(*CLOSE, (b"retry-after", b"1")),
            )
            return
        except ClientGone:
            # Gone before its request was read: nobody to answer and nothing wrong here.
            log.info("client disconnected before its request was read")
            await send({"type": "http.response.start", "status": CLIENT_CLOSED, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, _replaying(body, receive), send)

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ClientGone
                chunk: bytes = message.get("body", b"")
                size += len(chunk)
                self.buffered += len(chunk)
                if size > self.max_body_bytes:
                    raise BodyTooLarge
                if self.buffered > self.max_buffered_bytes:
                    raise BuffersFull
                if chunk:
                    chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
        finally:
            self.buffered -= size


def _declared_length(scope: Scope) -> int:
    """The Content-Length the client announced, or 0 (a chunked body is counted as it comes)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            if not value.isdigit():
                return 0
            # Longer than any limit; int() refuses numbers of thousands of digits anyway.
            return int(value) if len(value) < 19 else sys.maxsize
    return 0


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the whole body at once, then what the client sends later."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            # An http.disconnect, for handlers and streaming responses that watch for one.
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
