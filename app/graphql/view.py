"""The HTTP endpoint: strawberry's ASGI view with API-key auth and orjson."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry import Schema
from strawberry.asgi import GraphQL

from app.db.engine import Database
from app.domain.keys import caller_for
from app.graphql.context import Context
from app.settings import Settings


class Unauthorized(Exception):
    """The request carries no valid API key."""


UNAUTHORIZED_BODY = {
    "errors": [
        {
            "message": "Unauthorized: send your API key as 'Authorization: <key>' "
            "or 'Authorization: Bearer <key>'.",
            "extensions": {"code": "UNAUTHENTICATED"},
        }
    ]
}


class GraphQLView(GraphQL[Context, None]):
    """GraphQL over HTTP at /graphql; every operation needs an API key, the IDE page does not."""

    def __init__(self, schema: Schema, *, db: Database, settings: Settings) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)
        self.db = db
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.graphql_ide:
            # The IDE page is served before strawberry builds a context, which needs a key.
            request = Request(scope, receive)
            if self.should_render_graphql_ide(self.request_adapter_class(request)):
                await (await self.render_graphql_ide(request))(scope, receive, send)
                return
        try:
            await super().__call__(scope, receive, send)
        except Unauthorized:
            response = JSONResponse(
                UNAUTHORIZED_BODY,
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="crm-graphql"'},
            )
            await response(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        caller = await caller_for(self.db, request.headers.get("authorization"))
        if caller is None:
            raise Unauthorized
        return Context(db=self.db, settings=self.settings, caller=caller)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> Any:
        return orjson.loads(data)
