"""POST /api/2.0/authentication: legacy clients trade a user name and password for a token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.db.engine import Database
from app.domain.signin import Throttle, sign_in
from app.observability import record_operation
from app.rest import wire
from app.rest.binding import (
    STRING,
    BindingError,
    BodyTooLarge,
    UnsupportedMediaType,
    bind,
    raw_parameters,
)
from app.rest.legacy import envelope, error_response
from app.settings import Settings

PATH = "/api/2.0/authentication"
PARAMS = {"userName": STRING, "password": STRING}
FAILED = "User authentication failed"


def routes(db: Database, settings: Settings) -> list[Route]:
    """The sign-in route, with and without `.json`."""
    throttle = Throttle()
    ttl = timedelta(seconds=settings.token_ttl_s)

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
        user_name, password = given["userName"], given["password"]
        signed = None
        if user_name and password:
            signed = await sign_in(
                db, user_name=user_name, password=password, ttl=ttl, throttle=throttle
            )
        if signed is None:
            return error_response(401, FAILED)
        token, expires = signed
        body: dict[str, Any] = {
            "token": token,
            "expires": wire.api_datetime(expires, settings.zone),
        }
        return Response(envelope(201, body), status_code=201, media_type="application/json")

    return [
        Route(PATH, endpoint, methods=["POST"]),
        Route(f"{PATH}.json", endpoint, methods=["POST"]),
    ]


def openapi_paths() -> dict[str, Any]:
    """The route's OpenAPI description."""
    text = {"type": ["string", "number", "boolean", "null"]}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    operation = {
        "summary": "Sign in: get a token to send as `Authorization: <token>`",
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["userName", "password"],
                        "properties": {"userName": text, "password": text},
                    }
                },
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["userName", "password"],
                        "properties": {
                            "userName": {"type": "string"},
                            "password": {"type": "string"},
                        },
                    }
                },
            },
        },
        "responses": {
            "201": {
                "description": "Signed in",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["status", "statusCode", "response"],
                            "properties": {
                                "count": {"const": 1},
                                "status": {"const": 0},
                                "statusCode": {"const": 201},
                                "response": {
                                    "type": "object",
                                    "required": ["token", "expires"],
                                    "properties": {
                                        "token": {"type": "string"},
                                        "expires": {"type": "string"},
                                    },
                                },
                            },
                        }
                    }
                },
            },
            "400": {"description": "Unreadable parameters", "content": error},
            "401": {"description": "Wrong user name or password", "content": error},
            "413": {"description": "Body too large", "content": error},
            "415": {"description": "Unsupported body type", "content": error},
            "503": {"description": "Busy; retry later", "content": error},
        },
    }
    return {
        PATH: {"post": {**operation, "operationId": "post_authentication"}},
        f"{PATH}.json": {"post": {**operation, "operationId": "post_authentication_json"}},
    }
