"""The last word on a request whose handler failed without answering.

Handlers answer their own refusals and faults; this catches what escapes them (a fault in a
route without its own handling, a bug) so that a client never sees Starlette's plain-text
"Internal Server Error": a database fault is 503 with Retry-After, anything else a masked 500,
each in the format the path's clients parse.
"""

from __future__ import annotations

import logging

from starlette.types import Receive, Scope, Send

from app.db.faults import classify
from app.observability import HttpMiddleware, WatchedSend
from app.overload import send_refusal

log = logging.getLogger("crm")
UNEXPECTED = "Unexpected error."


class FaultBarrier(HttpMiddleware):
    """ASGI middleware: turn an escaped exception into a 503 or a 500 the client can parse."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request; answer for it if it fails before answering."""
        sent = WatchedSend(send)
        try:
            await self.app(scope, receive, sent)
        except Exception as exc:
            if sent.status is not None:
                raise  # half an answer is out: only closing the connection is left
            fault = classify(exc)
            if fault is not None:
                log.warning("%s %s: %s", scope["method"], scope["path"], fault)
                retry = (b"retry-after", str(fault.retry_after).encode())
                await send_refusal(scope, send, 503, str(fault), code=fault.code, headers=(retry,))
                return
            log.exception("%s %s failed", scope["method"], scope["path"])
            await send_refusal(scope, send, 500, UNEXPECTED, code="INTERNAL_SERVER_ERROR")
