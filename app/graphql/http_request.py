"""Reading a GraphQL-over-HTTP request: media types, parameters, and the refusals of both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request

from app.db.faults import Unavailable
from app.domain.bounds import MAX_BATCH
from app.graphql.error_codes import STATUS_CODES, ErrorCode

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
# Far more than any input needs (a batch of 1000 ids, a deal with 100 members and fields...).
MAX_VARIABLE_VALUES = 20_000


class RequestRefused(Exception):
    """The HTTP request cannot become a GraphQL operation."""

    def __init__(
        self,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
        *,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.code = code or STATUS_CODES.get(status, ErrorCode.BAD_REQUEST)

    @classmethod
    def unavailable(cls, fault: Unavailable) -> RequestRefused:
        """503 with Retry-After for a fault the client should wait out."""
        return cls(503, str(fault), {"Retry-After": str(fault.retry_after)}, code=fault.code)


def _accepted(accept: str | None) -> list[tuple[str, float]]:
    ranges = []
    for part in (accept or "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((media.lower(), quality))
    return ranges


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header, or None when nothing we have fits.

    The highest quality wins; between equals, a range naming the spec's own type picks
    it, and a wildcard picks plain JSON, which every client reads.
    """
    ranges = _accepted(accept)
    if not ranges:
        return JSON
    best: tuple[float, int, str] | None = None
    for media, quality in ranges:
        if quality <= 0:
            continue
        if media == GRAPHQL_RESPONSE:
            candidate = (quality, 2, GRAPHQL_RESPONSE)
        elif media == JSON:
            candidate = (quality, 1, JSON)
        elif media in ("*/*", "application/*"):
            candidate = (quality, 0, JSON)
        else:
            continue
        if best is None or candidate > best:
            best = candidate
    return best[2] if best else None


def wants_html(accept: str | None) -> bool:
    """A browser asking for a page rather than for a GraphQL response."""
    ranges = dict(_accepted(accept))
    return ranges.get("text/html", 0) > 0


@dataclass(slots=True)
class VariablesShape:
    """How big the variables are, read in one walk before GraphQL coerces them.

    Coercing input objects costs far more per value than reading JSON: 5000 orderBy terms took
    0.4 s of CPU before any rule could refuse them. No input the schema takes holds a list
    longer than a batch (1000 ids), so longer lists, or more values in all, are refused here.
    """

    values: int = 0
    longest_list: int = 0
    has_nul: bool = False

    @classmethod
    def of(cls, variables: Any) -> VariablesShape:
        """The shape of a request's variables (an iterative walk: no recursion limit)."""
        shape = cls()
        pending = [variables]
        while pending:
            value = pending.pop()
            shape.values += 1
            if isinstance(value, str):
                shape.has_nul = shape.has_nul or "\x00" in value
            elif isinstance(value, dict):
                pending.extend(value.keys())
                pending.extend(value.values())
            elif isinstance(value, list):
                shape.longest_list = max(shape.longest_list, len(value))
                pending.extend(value)
        return shape

    def refusal(self) -> str | None:
        """Why the variables are refused, or None."""
        if self.longest_list > MAX_BATCH:
            return f"A list in the variables has more than {MAX_BATCH} items."
        if self.values > MAX_VARIABLE_VALUES:
            return f"The variables hold more than {MAX_VARIABLE_VALUES} values."
        return None


# Other names clients give a persisted document's id: `documentId` (the GraphQL-over-HTTP
# persisted-documents proposal, optionally `sha256:`-prefixed) and Relay's `doc_id`.
DOCUMENT_ID_PARAMS = ("documentId", "doc_id")


async def read_params(request: Request, max_body_bytes: int) -> dict[str, Any]:
    """The request's query, variables, operation name and extensions, checked."""
    if request.method == "GET":
        params: dict[str, Any] = dict(request.query_params)
        for name in ("variables", "extensions"):
            if params.get(name):
                params[name] = _json(params[name], name)
    else:
        params = await _posted(request, max_body_bytes)
    _check(params)
    return params


async def _posted(request: Request, max_body_bytes: int) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    media, *options = (p.strip().lower() for p in content_type.split(";"))
    charset = next((o.split("=", 1)[1] for o in options if o.startswith("charset=")), "utf-8")
    if media != JSON or charset.strip('"') != "utf-8":
        raise RequestRefused(415, f"Send the request as {JSON} (UTF-8).")
    params = _json(await _body(request, max_body_bytes), "body")
    if isinstance(params, list):
        raise RequestRefused(400, "Batched requests are not supported.")
    if not isinstance(params, dict):
        raise RequestRefused(400, "The body must be a JSON object.")
    return params


def _check(params: dict[str, Any]) -> None:
    query = params.get("query")
    extensions = params.get("extensions")
    # A persisted query's hash stands for its document (app.graphql.persisted looks it up).
    hash_only = query is None and (
        (isinstance(extensions, dict) and "persistedQuery" in extensions)
        or any(params.get(name) is not None for name in DOCUMENT_ID_PARAMS)
    )
    if not hash_only and (not isinstance(query, str) or not query.strip()):
        raise RequestRefused(400, "The request has no query (a string) to execute.")
    # PostgreSQL cannot store NUL in text; refuse it up front, the same on every back end.
    shape = VariablesShape.of(params.get("variables"))
    if "\\u0000" in (query or "") or shape.has_nul:
        raise RequestRefused(400, "Text must not contain NUL characters.")
    if refusal := shape.refusal():
        raise RequestRefused(400, refusal, code=ErrorCode.BAD_USER_INPUT)
    for name in ("variables", "extensions"):
        if params.get(name) is not None and not isinstance(params[name], dict):
            raise RequestRefused(400, f"{name} must be an object.")
    if params.get("operationName") is not None and not isinstance(params["operationName"], str):
        raise RequestRefused(400, "operationName must be a string.")


async def _body(request: Request, max_body_bytes: int) -> bytes:
    limit = max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestRefused(413, f"The body is larger than {limit} bytes.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestRefused(413, f"The body is larger than {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def _json(text: str | bytes, what: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise RequestRefused(400, f"The {what} is not valid JSON.") from None
