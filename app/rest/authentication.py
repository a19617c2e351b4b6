"""POST /api/2.0/authentication: legacy clients trade a user name and password for a token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.credentials import Authenticator
from app.db.engine import Database
from app.domain.signin import HashQueueFull, Verifier, sign_in
from app.domain.throttle import Limits, SignInGuard, TooManyAttempts
from app.observability import record_operation
from app.rest import wire
from app.rest.binding import (
    BindingError,
    BodyTooLarge,
    UnsupportedMediaType,
    bind,
    raw_parameters,
)
from app.rest.kinds import STRING
from app.rest.legacy import HASHING_BUSY, envelope, error_response, retry_after
from app.rest.openapi_schemas import obj, ref
from app.settings import Settings

PATH = "/api/2.0/authentication"
PARAMS = {"userName": STRING, "password": STRING}
FAILED = "User authentication failed"


def guard_for(settings: Settings) -> SignInGuard:
    """The attempt limits the settings ask for (this process's own state)."""
    return SignInGuard(
        Limits(
            failures_free=settings.sign_in_failures_free,
            lockout_max_s=settings.sign_in_lockout_max_s,
            failure_window_s=settings.sign_in_failure_window_s,
            client_burst=settings.sign_in_client_burst,
            client_per_minute=settings.sign_in_client_per_minute,
        )
    )


def authenticator_for(db: Database, settings: Settings) -> Authenticator:
    """How requests are authenticated, with the sign-in limits and hashing threads of the
    settings: one per process, shared by the sign-in route, the legacy routes and GraphQL."""
    return Authenticator(
        db=db,
        guard=guard_for(settings),
        verifier=Verifier(workers=settings.sign_in_hash_workers, queue=settings.sign_in_hash_queue),
    )


def routes(
    db: Database,
    settings: Settings,
    *,
    guard: SignInGuard | None = None,
    verifier: Verifier | None = None,
) -> list[Route]:
    """The sign-in route, with and without `.json` (limits from the settings unless given)."""
    guard = guard or guard_for(settings)
    verifier = verifier or Verifier(
        workers=settings.sign_in_hash_workers, queue=settings.sign_in_hash_queue
    )
    ttl = timedelta(seconds=settings.token_ttl_s)

    async def answer(request: Request, user_name: str | None, password: str | None) -> Response:
        if not (user_name and password):
            return error_response(401, FAILED)
        # Behind a reverse proxy every client shares its address: the bucket is then the proxy's.
        client = request.client.host if request.client else ""
        try:
            signed = await sign_in(
                db=db,
                user_name=user_name,
                password=password,
                client=client,
                ttl=ttl,
                guard=guard,
                verifier=verifier,
            )
        except TooManyAttempts as refused:
            return error_response(429, refused.message, retry_after(refused.retry_after_s))
        except HashQueueFull:
            return error_response(503, HASHING_BUSY, retry_after(1))
        if signed is None:
            return error_response(401, FAILED)
        token, expires = signed
        body: dict[str, Any] = {
            "token": token,
            "expires": wire.api_datetime(expires, settings.zone),
        }
        return Response(envelope(201, body), status_code=201, media_type="application/json")

    async def endpoint(request: Request) -> Response:
        record_operation(request.scope, "LegacySignIn")
        try:
            raw = await raw_parameters(request, settings.max_body_bytes)
            given = bind(raw, PARAMS, settings.zone)
        except BindingError as refused:
            return error_response(400, str(refused))
        except BodyTooLarge as refused:
            return error_response(413, str(refused))
        except UnsupportedMediaType as refused:
            return error_response(415, f"Unsupported media type: {refused}")
        return await answer(request, given["userName"], given["password"])

    return [
        Route(PATH, endpoint, methods=["POST"]),
        Route(f"{PATH}.json", endpoint, methods=["POST"]),
    ]


def openapi_paths() -> dict[str, Any]:
    """The route's OpenAPI description."""
    text = {"type": ["string", "number", "boolean", "null"]}
    string = {"type": "string"}
    error = {"application/json": {"schema": ref("Error")}}
    operation = {
        "summary": "Sign in: get a token to send as `Authorization: <token>`",
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": obj(["userName", "password"], userName=text, password=text)
                },
                "application/x-www-form-urlencoded": {
                    "schema": obj(["userName", "password"], userName=string, password=string)
                },
            },
        },
        "responses": {
            "201": {
                "description": "Signed in",
                "content": {
                    "application/json": {
                        "schema": obj(
                            ["status", "statusCode", "response"],
                            count={"const": 1},
                            status={"const": 0},
                            statusCode={"const": 201},
                            response=obj(["token", "expires"], token=string, expires=string),
                        )
                    }
                },
            },
            "400": {"description": "Unreadable parameters", "content": error},
            "401": {"description": "Wrong user name or password", "content": error},
            "413": {"description": "Body too large", "content": error},
            "415": {"description": "Unsupported body type", "content": error},
            "429": {
                "description": "Too many attempts for this user name or from this address; "
                "retry after `Retry-After` seconds",
                "content": error,
            },
            "503": {"description": "Busy; retry later", "content": error},
        },
    }
    return {
        PATH: {"post": {**operation, "operationId": "post_authentication"}},
        f"{PATH}.json": {"post": {**operation, "operationId": "post_authentication_json"}},
    }
