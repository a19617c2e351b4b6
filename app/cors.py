"""CORS for SPA origins: every request header the service reads, the response headers pages need."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

# What the service reads from requests, and what Apollo's clients add: their name and version
# (kept in logs by proxies), and the headers Apollo's CSRF prevention asks for. A header missing
# here fails the browser's preflight, and with it the request.
ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "Accept",
    "Idempotency-Key",
    "X-Request-ID",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "X-Apollo-Operation-Name",
)
# A page reads only these besides the CORS-safelisted ones: when to retry a 503, the id to quote
# when reporting a problem, how to authenticate after a 401, and the methods after a 405.
EXPOSED_HEADERS = ("Retry-After", "X-Request-ID", "WWW-Authenticate", "Allow")
METHODS = ("GET", "POST", "PUT", "DELETE")
PREFLIGHT_MAX_AGE_S = 600


def cors(origins: list[str]) -> Middleware:
    """The CORS middleware for `origins` (API keys travel in a header: no credentials mode)."""
    return Middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=METHODS,
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        max_age=PREFLIGHT_MAX_AGE_S,
    )
