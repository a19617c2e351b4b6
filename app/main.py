"""The ASGI application: wires storage, GraphQL over HTTP and the legacy REST routes together."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute

from app.barrier import FaultBarrier
from app.collector import tuned_for_serving
from app.cors import cors
from app.db import migrate
from app.db.engine import Database
from app.db.seed import seed_reference_data
from app.domain.employees import ensure_bootstrap_admin
from app.domain.idempotency import forget_expired
from app.graphql.http import GraphQLHTTP
from app.graphql.ide import assets_route, graphiql_page
from app.graphql.live import GraphQLWebSocket
from app.graphql.schema import build_schema
from app.health import healthz, readyz
from app.observability import RequestLog
from app.overload import InFlightLimit
from app.request_body import ReadBodyFirst
from app.rest import authentication
from app.rest import contact_records as legacy_contact_records
from app.rest import contacts as legacy_contacts
from app.rest import custom_fields as legacy_custom_fields
from app.rest import opportunity as legacy_opportunity
from app.rest import opportunity_lists as legacy_opportunity_lists
from app.rest import people as legacy_people
from app.rest import settings as legacy_settings
from app.rest import stages as legacy_stages
from app.rest.openapi import openapi_endpoint
from app.rest.runner import starlette_routes
from app.settings import Settings

log = logging.getLogger("crm")
# Every legacy ONLYOFFICE route, each a declaration onto a GraphQL operation.
LEGACY_ROUTES = [
    *legacy_opportunity.ROUTES,
    *legacy_opportunity_lists.ROUTES,
    *legacy_contacts.ROUTES,
    *legacy_stages.ROUTES,
    *legacy_custom_fields.ROUTES,
    *legacy_settings.ROUTES,
    *legacy_contact_records.ROUTES,
    *legacy_people.ROUTES,
]


def open_database(settings: Settings) -> Database:
    """The database the settings name."""
    return Database(
        settings.database_url,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        sqlite_cache_mib=settings.sqlite_cache_mib,
        read_pool_size=settings.read_pool_size,
        pool_size=settings.pool_size,
        write_timeout_s=settings.write_timeout_s,
        statement_timeout_s=settings.request_timeout_s,
        event_log_size=settings.event_log_size,
    )


def print_generated_key(key: str) -> None:
    """Show the bootstrap administrator's generated API key on stderr."""
    # Shown once: only its digest is stored.
    print(f"Generated the API key of 'Administrator' (shown once): {key}", file=sys.stderr)


async def prepare_database(
    db: Database, settings: Settings, *, show_key: Callable[[str], None] = print_generated_key
) -> None:
    """Migrate, seed reference data and make sure an administrator can sign in."""
    await migrate.upgrade(db)
    await seed_reference_data(db)
    async with db.write() as conn:
        await forget_expired(conn)
    key = await ensure_bootstrap_admin(
        db=db,
        configured_key=(
            settings.bootstrap_api_key.get_secret_value() if settings.bootstrap_api_key else None
        ),
    )
    if key is not None:
        show_key(key)


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the service from its settings; nothing happens at import time."""
    settings = settings or Settings()
    db = open_database(settings)
    schema = build_schema(settings)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await prepare_database(db, settings)
        with tuned_for_serving():
            yield
        await db.dispose()

    assets = settings.graphiql_assets_dir

    async def ide(request: Request) -> Response:
        return await graphiql_page(request, assets)

    # One set of sign-in limits for the sign-in route and Basic passwords everywhere.
    authenticator = authentication.authenticator_for(db, settings)
    graphql = GraphQLHTTP(
        schema,
        db=db,
        settings=settings,
        ide=ide if settings.graphiql_enabled else None,
        authenticator=authenticator,
    )
    routes = [
        # Every method reaches the endpoint, which answers 405 with Allow as the spec asks.
        Route("/graphql", graphql),
        # Subscriptions: WebSocket upgrades of /graphql (graphql-transport-ws).
        WebSocketRoute("/graphql", GraphQLWebSocket(schema, db=db, settings=settings)),
        *starlette_routes(
            LEGACY_ROUTES, schema=schema, db=db, settings=settings, authenticator=authenticator
        ),
        *authentication.routes(
            db, settings, guard=authenticator.guard, verifier=authenticator.verifier
        ),
        Route(
            "/api/2.0/openapi.json",
            openapi_endpoint(LEGACY_ROUTES, authentication.openapi_paths()),
        ),
        Route("/healthz", healthz),
        Route("/readyz", readyz(db)),
    ]
    if settings.graphiql_enabled:
        routes.append(assets_route(assets))
    middleware = [
        Middleware(RequestLog),
        # Outside every refusal (busy, too large, a crash), so that a page can read them too.
        *([cors(settings.cors_origins)] if settings.cors_origins else []),
        # Inside the log, so that what it answers for a failed handler is logged as answered.
        Middleware(FaultBarrier),
        # Before the in-flight count: a request counts only once its body has arrived.
        Middleware(
            ReadBodyFirst,
            max_body_bytes=settings.max_body_bytes,
            body_timeout_s=settings.body_timeout_s,
            max_buffered_bytes=settings.max_buffered_body_bytes,
        ),
        Middleware(InFlightLimit, limit=settings.max_in_flight),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.db = db
    app.state.schema = schema
    app.state.settings = settings
    return app
