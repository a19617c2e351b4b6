"""Who a request comes from, read as the original reads it (ASC.Specific's authorizations).

In the original's order: the `asc_auth_key` cookie (AscCookieAuthorization), then
`Authorization: Basic` with a user name and password (AscBasicAuthorization), then the token in
`Authorization` (AscBearerAuthorization, and the cookie step's fallback to the header). A Basic
password is checked as a sign-in is: the same attempt limits and the same hashing threads, and a
wrong one counts as a failed sign-in of that name.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from starlette.requests import HTTPConnection

from app.db.engine import Database
from app.domain.caller import Caller
from app.domain.keys import caller_for, employee_caller
from app.domain.signin import Verifier, check_password
from app.domain.throttle import SignInGuard

AUTH_COOKIE = "asc_auth_key"


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """User name and password of `Authorization: Basic <base64 of name:password>`, if that.

    As the original: only the first of comma-separated credentials counts, and the scheme is
    "Basic" exactly. Unlike it, the password is all after the first colon (it may hold colons)
    and the text is UTF-8 (the original reads ASCII).
    """
    value = (authorization or "").strip().split(",", 1)[0].strip()
    if not value.startswith("Basic "):
        return None
    try:
        decoded = base64.b64decode(value[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    name, colon, password = decoded.partition(":")
    if not (colon and name and password):
        return None
    return name, password


@dataclass(frozen=True)
class Authenticator:
    """Finds the caller of a request; sign-in limits shared with the sign-in route."""

    db: Database
    guard: SignInGuard
    verifier: Verifier

    async def caller(
        self, request: HTTPConnection, *, cookie: bool, db: Database | None = None
    ) -> Caller | None:
        """The caller, or None. Raises TooManyAttempts or HashQueueFull for a Basic password
        that may not be checked now. Keys and tokens are looked up through `db` (the request's
        view, whose reader the request may hold), passwords through the service's database:
        their check waits for a hashing turn, with no connection held meanwhile."""
        keys = db or self.db
        authorization = request.headers.get("authorization")
        token = request.cookies.get(AUTH_COOKIE) if cookie else None
        if token:
            # A cookie that names no valid token falls through to the header, as in the original.
            found = await caller_for(db=keys, authorization=token)
            if found is not None:
                return found
        basic = basic_credentials(authorization)
        if basic is None:
            return await caller_for(db=keys, authorization=authorization)
        employee_id = await check_password(
            db=self.db,
            user_name=basic[0],
            password=basic[1],
            # Behind a reverse proxy every client shares its address: the bucket is the proxy's.
            client=request.client.host if request.client else "",
            guard=self.guard,
            verifier=self.verifier,
        )
        return None if employee_id is None else await employee_caller(self.db, employee_id)
