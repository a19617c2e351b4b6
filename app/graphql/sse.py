"""GraphQL over Server-Sent Events: the graphql-sse protocol's distinct-connections mode.

A request to /graphql that accepts `text/event-stream` (POST, or GET for queries and
subscriptions) with its API key in `Authorization`, as any HTTP request, gets one stream per
operation: an `event: next` message per result, then `event: complete`. It runs the same
subscription runner as the WebSocket transport (app.graphql.live_feed), so the document limits,
the per-key subscription bound, the slow-subscriber bound and the key re-check are the same;
a message that waits longer than `subscription_send_timeout_s` for a client that does not read
drops the connection. An idle stream sends a comment every `sse_heartbeat_s` so that proxies
keep it open. A document refused (syntax, validation, limits) is the stream's one `next`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry import Schema
from strawberry.types.graphql import OperationType

from app.graphql.error_codes import code_for

log = logging.getLogger("crm.graphql.sse")
EVENT_STREAM = "text/event-stream"
OVER_GET = (OperationType.QUERY, OperationType.SUBSCRIPTION)
OVER_POST = (OperationType.QUERY, OperationType.MUTATION, OperationType.SUBSCRIPTION)
HEARTBEAT = b":\n\n"
COMPLETE = b"event: complete\ndata:\n\n"


def wants_event_stream(accept: str | None) -> bool:
    """Whether the client asks for Server-Sent Events."""
    return accept is not None and EVENT_STREAM in accept.lower()


def next_message(result: Any) -> bytes:
    """One result as an `event: next` message (its JSON on one data line)."""
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [_formatted(error) for error in result.errors]
        if result.data is None:
            del body["data"]
    return b"event: next\ndata: " + orjson.dumps(body) + b"\n\n"


def _formatted(error: Any) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    extensions: dict[str, Any] = formatted.get("extensions") or {}
    if "code" not in extensions:
        formatted["extensions"] = {**extensions, "code": code_for(error)}
    return formatted


class EventStreamResponse(Response):
    """Streams an operation's results as Server-Sent Events, with heartbeats and send bounds."""

    def __init__(
        self,
        results: AsyncGenerator[Any, None],
        *,
        heartbeat_s: float,
        send_timeout_s: float,
    ) -> None:
        super().__init__(
            status_code=200,
            media_type=EVENT_STREAM,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
        self.results = results
        self.heartbeat_s = heartbeat_s
        self.send_timeout_s = send_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Not Response's content-length: 0; the stream ends when the operation does.
        headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        gone = asyncio.ensure_future(_disconnected(receive))
        try:
            async with contextlib.aclosing(self.results) as results:
                if not await self._stream(results, gone, send):
                    return  # dropped: the server closes a response it did not complete
            await self._send(send, COMPLETE, more=False)
        except TimeoutError:
            log.info("an event stream's client stopped reading; dropped")
        finally:
            gone.cancel()

    async def _stream(
        self, results: AsyncGenerator[Any, None], gone: asyncio.Future[None], send: Send
    ) -> bool:
        """Send every result; False when the client went away first."""
        async for message in _with_heartbeats(results, gone, self.heartbeat_s):
            if message is None:
                return False
            await self._send(send, message)
        return True

    async def _send(self, send: Send, body: bytes, *, more: bool = True) -> None:
        # A client that does not read fills the socket's buffers; then the send waits. Bounded.
        await asyncio.wait_for(
            send({"type": "http.response.body", "body": body, "more_body": more}),
            self.send_timeout_s,
        )


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _with_heartbeats(
    results: AsyncGenerator[Any, None], gone: asyncio.Future[None], every_s: float
) -> AsyncIterator[bytes | None]:
    """Each result's message, a heartbeat when none came for `every_s`; None once gone."""
    pending = asyncio.ensure_future(anext(results))
    try:
        while True:
            done, _ = await asyncio.wait(
                {pending, gone}, timeout=every_s, return_when="FIRST_COMPLETED"
            )
            if gone in done:
                yield None
                return
            if pending not in done:
                yield HEARTBEAT
                continue
            try:
                result = pending.result()
            except StopAsyncIteration:
                return
            yield next_message(result)
            pending = asyncio.ensure_future(anext(results))
    finally:
        pending.cancel()
        with contextlib.suppress(BaseException):
            await pending


async def operation_stream(
    schema: Schema, request: Request, text: str, params: dict[str, Any], context: Any
) -> AsyncGenerator[Any, None]:
    """The operation's results (one for a query or mutation, a stream for a subscription)."""
    stream: Any = await schema.stream(
        text,
        variable_values=params.get("variables"),
        context_value=context,
        operation_name=params.get("operationName"),
        allowed_operation_types=OVER_GET if request.method == "GET" else OVER_POST,
    )
    result: AsyncGenerator[Any, None] = stream
    return result
