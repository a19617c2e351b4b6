"""Legacy route declarations and the original's wire envelope: what each route is and answers.

A route is a declaration (`LegacyRoute`): method and path (`{name:int}` parts allowed), the
GraphQL operation it executes, its parameters, a request mapper (bound parameters ->
variables), a response mapper (GraphQL data -> wire object) and a table of how the payload's
refusals are answered (`Refusals`). No route carries rules of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import cached_property
from typing import Any

from graphql import OperationDefinitionNode, parse, validate
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from strawberry import Schema

from app.db.faults import Unavailable
from app.domain.errors import MSG_ACCESS_DENIED, MSG_OUT_OF_RANGE
from app.rest import wire
from app.rest.kinds import (
    Kind,
)

PREFIX = "/api/2.0/crm/"
# The people module's routes (ASC.Api.Employee), for the users a CRM client picks from.
PEOPLE_ROOT = "/api/2.0/"
# Everything under these answers in the envelope: 404 for a path no route has, 405 for a method.
ROOTS_ANSWERED = (PREFIX, "/api/2.0/people/")
# The original's maxPage (spec 1.6): legacy lists page up to 1000 items, GraphQL up to 100.
LEGACY_MAX_PAGE = 1000
MSG_NOT_FOUND = "Not found"
CONTEXT = "apiContext"  # the bound parameter holding a route's ApiContext
ANY_METHOD = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"]
# .NET HResults of the exceptions the original maps to each status (spec 1.5).
HRESULTS = {
    400: -2147024809,
    403: -2146233078,
    404: -2147467259,
    413: -2147024809,
    422: -2146233079,
    415: -2147024809,
}
HRESULT_OTHER = -2146233088
# As the original's JsonNetSerializer and SerializerResponder answer, success or error.
JSON_TYPE = "application/json; charset=UTF-8"
JSON_HEADERS = {"Content-Type": JSON_TYPE, "X-Responded": JSON_TYPE}
UNEXPECTED = "Unexpected error."
HASHING_BUSY = "Too many sign-ins are being checked; retry after a moment."


class LegacyError(Exception):
    """An error answer on the legacy wire."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


# How a route answers one refusal: the status, and the message (None keeps GraphQL's own).
Answer = tuple[int, str | None]
BARE_400: Answer = (400, MSG_OUT_OF_RANGE)  # the original's bare ArgumentException
OWN_400: Answer = (400, None)
NOT_FOUND_404: Answer = (404, MSG_NOT_FOUND)
DENIED_403: Answer = (403, MSG_ACCESS_DENIED)


@dataclass(frozen=True)
class Refusals:
    """A route's table from GraphQL user-error codes to legacy answers.

    The first refusal decides, as the original throws at its first failed check. An entry for
    (code, field) wins over one for the code alone; a code missing from the table is a 400
    with GraphQL's message.
    """

    by_code: Mapping[str, Answer]
    by_field: Mapping[tuple[str, str | None], Answer] = field(default_factory=dict)

    def __call__(self, errors: list[Mapping[str, Any]]) -> LegacyError:
        first = errors[0]
        code, message = first["code"], first["message"]
        status, text = self.by_field.get((code, first["field"])) or self.by_code.get(code, OWN_400)
        return LegacyError(status, text or message)


# The create's answers (spec 2.2), the default: a bare ArgumentException for what is missing or
# unknown, the stage's own message, 403 for a contact the caller may not read, 422 for an
# Idempotency-Key reused with another request.
DEFAULT_REFUSALS = Refusals(
    {
        "REQUIRED": BARE_400,
        "INVALID": OWN_400,
        "TOO_LONG": OWN_400,
        "NOT_FOUND": BARE_400,
        "FORBIDDEN": DENIED_403,
        "CONFLICT": (422, None),
    },
    {("NOT_FOUND", "stageId"): OWN_400},
)


@dataclass(frozen=True, slots=True)
class Paged:
    """A page of a legacy list, with the envelope's paging fields (spec 1.4)."""

    items: list[Any]
    start_index: int = 0
    next_index: int | None = None
    total: int | None = None


@dataclass(frozen=True, slots=True)
class WireContext:
    """What a response mapper needs besides the data."""

    zone: tzinfo
    # The request's bound parameters (say, startIndex and count for a list's envelope).
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LegacyRoute:
    """One legacy endpoint, declared as a mapping onto a GraphQL operation."""

    method: str
    path: str
    summary: str
    operation: str
    params: Mapping[str, Kind]
    variables: Callable[[dict[str, Any]], dict[str, Any]]
    respond: Callable[[dict[str, Any], WireContext], Any]
    status: int = 200
    response_schema: Mapping[str, Any] = field(default_factory=dict)
    required: tuple[str, ...] = ()  # parameters without which the route always refuses
    # How the user errors of the operation's payload are answered (as the create's by default).
    refusals: Refusals = DEFAULT_REFUSALS
    paged: bool = False  # a list answered with startIndex/nextIndex/total in the envelope
    # The ApiContext values the route reads (app.rest.api_context), from the query string alone;
    # when any, the bound parameters carry the request's ApiContext under CONTEXT.
    context: tuple[str, ...] = ()
    root: str = PREFIX  # what `path` is under

    @property
    def full_path(self) -> str:
        """The route's path from the server's root (without `.json`)."""
        return self.root + self.path

    def check(self, schema: Schema) -> None:
        """Fail at start-up, not at the first request, when the operation does not validate."""
        errors = validate(schema._schema, parse(self.operation))
        if errors:
            raise ValueError(f"{self.method} {self.path}: {errors[0].message}")

    @cached_property
    def operation_name(self) -> str | None:
        """The name of the persisted operation, for the access log."""
        for definition in parse(self.operation).definitions:
            if isinstance(definition, OperationDefinitionNode) and definition.name:
                return definition.name.value
        return None


def envelope(status: int, response: Any) -> bytes:
    """The success envelope; `count` is omitted when zero, so are the paging fields when unset."""
    body: dict[str, Any] = {}
    if isinstance(response, Paged):
        page, response = response, response.items
    else:
        page = Paged([])
    count = len(response) if isinstance(response, list) else 1
    if count:
        body["count"] = count
    if page.start_index:
        body["startIndex"] = page.start_index
    if page.next_index is not None:
        body["nextIndex"] = page.next_index
    if page.total is not None:
        body["total"] = page.total
    body |= {"status": 0, "statusCode": status, "response": response}
    return wire.dumps(body)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The error envelope."""
    body = {
        "status": 1,
        "statusCode": status,
        "error": {
            "message": message,
            "hresult": HRESULTS.get(status, HRESULT_OTHER),
            "data": {},
        },
    }
    return Response(wire.dumps(body), status_code=status, headers=JSON_HEADERS | (headers or {}))


def unavailable_response(fault: Unavailable) -> Response:
    """503 with Retry-After, in the envelope: the client should retry later."""
    return error_response(503, str(fault), {"Retry-After": str(fault.retry_after)})


def retry_after(seconds: float) -> dict[str, str]:
    """The Retry-After header of a refusal to try again later."""
    return {"Retry-After": str(max(1, int(seconds)))}


def unauthorized(request: Request) -> Response:
    """401 as the original's ApiRouteHandler sends it: plain text, not the envelope.

    When an Authorization header was sent, AscBasicAuthorization (the first of its
    authorizations to answer a failure) adds its challenge; without one there is none.
    """
    headers: dict[str, str] = {}
    if request.headers.get("authorization"):
        host = request.headers.get("host", "localhost")
        headers["WWW-Authenticate"] = f'Basic Realm="{host}"'
    return PlainTextResponse("Unauthorized", status_code=401, headers=headers)
