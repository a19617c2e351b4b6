"""GraphQL over WebSocket on /graphql: the graphql-transport-ws protocol, strawberry's handler.

The client names its API key in `connection_init` (`{"Authorization": "<key>"}`, with or
without `Bearer`); no valid key closes the socket with 4403. The schema is the one /graphql
serves, so the profile's document limits (tokens, depth, aliases, introspection, node budget)
apply to subscription documents too. A connection holds at most
`max_subscriptions_per_connection` subscriptions (an `error` message past it), a key at most
`max_subscriptions_per_key` per worker, and a message waits at most
`subscription_send_timeout_s` for a client that does not read before the socket is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry import Schema
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from app.db.engine import Database
from app.db.subscriber_reads import SubscriberDatabase
from app.domain.caller import Caller
from app.domain.keys import caller_for
from app.graphql.context import Context
from app.graphql.loaders import Loaders
from app.settings import Settings

# Who a socket speaks for until its connection_init names a key: no one, reading nothing.
NOBODY = Caller(id=uuid.UUID(int=0), display_name="", is_admin=False)
INIT_TIMEOUT = timedelta(seconds=10)
CLOSE_TOO_SLOW = 1008  # policy violation
TOO_SLOW = "Too slow: messages waited unread."


@dataclass(slots=True)
class LiveState:
    """What a socket's subscriptions need to check the key again."""

    authorization: str | None = None
    checked_at: float = 0.0


@dataclass(slots=True)
class LiveContext(Context):
    """A socket's context: its subscriptions share it, and its key is checked again."""

    connection_params: Any = None
    live: LiveState = field(default_factory=LiveState)
    # An SSE request's way out of the in-flight count (app.overload), once it is subscribed.
    release_in_flight: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        # Not a request's view: subscriptions' reads take turns (app.db.subscriber_reads).
        self.db = SubscriberDatabase(self.db)
        self.loaders = Loaders(self.db, self.caller)


class TimedSocket(ASGIWebSocketAdapter):
    """strawberry's socket adapter, whose sends give up on a client that stops reading."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        view: Any = self.view
        try:
            await asyncio.wait_for(super().send_json(message), view.send_timeout_s)
        except TimeoutError as exc:
            # Its buffers are full: close it rather than hold what it will not read. The close
            # frame queues behind what is unread; the server drops the socket if it never goes.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self.ws.close(code=CLOSE_TOO_SLOW, reason=TOO_SLOW), view.send_timeout_s
                )
            raise WebSocketDisconnected from exc


class GraphQLWebSocket(GraphQL[LiveContext, None]):
    """The WebSocket side of /graphql."""

    websocket_adapter_class = TimedSocket

    def __init__(self, schema: Schema, *, db: Database, settings: Settings) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=INIT_TIMEOUT,
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            allowed_origins=settings.cors_origins,
        )
        self.db = db
        self.settings = settings
        self.send_timeout_s = settings.subscription_send_timeout_s

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> LiveContext:
        return LiveContext(self.db, self.settings, NOBODY)

    async def on_ws_connect(self, context: LiveContext) -> UnsetType | dict[str, object] | None:
        params = context.connection_params
        authorization = params.get("Authorization") if isinstance(params, dict) else None
        if not isinstance(authorization, str):
            raise ConnectionRejectionError
        caller = await caller_for(db=self.db, authorization=authorization)
        if caller is None:
            raise ConnectionRejectionError
        context.caller = caller
        context.loaders = Loaders(context.db, caller)
        context.live = LiveState(authorization, time.monotonic())
        return cast(UnsetType, UNSET)
