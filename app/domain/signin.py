"""Sign-in for legacy clients: a user name and a password give an expiring token.

Passwords are hashed with argon2id (memory-hard). A token is an API key with an expiry, so
every route authenticates it the same way. Unknown users cost the same time as wrong
passwords, and repeated failures for a name are answered ever more slowly.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, insert, select, update

from app.db.engine import Database
from app.db.models import api_key_t, employee_t, utcnow
from app.domain.errors import DomainError, ErrorCode, FieldError
from app.domain.keys import digest, new_key

PASSWORD_MIN = 8
PASSWORD_MAX = 1024
_hasher = PasswordHasher()
# Verified against when the user does not exist, so that both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a password: used to keep failure timing uniform")


def hash_password(password: str) -> str:
    """argon2id hash of a password."""
    return _hasher.hash(password)


def password_errors(password: str) -> list[FieldError]:
    """Why a password cannot be set."""
    if len(password) < PASSWORD_MIN:
        return [FieldError(ErrorCode.INVALID, "password", f"At least {PASSWORD_MIN} characters.")]
    if len(password) > PASSWORD_MAX:
        return [FieldError(ErrorCode.TOO_LONG, "password", f"At most {PASSWORD_MAX} characters.")]
    return []


async def set_password(
    db: Database, *, employee_id: uuid.UUID, user_name: str | None, password: str
) -> None:
    """Give an employee a password (and, optionally, a new sign-in name)."""
    errors = password_errors(password)
    if user_name is not None and not user_name.strip():
        errors.append(FieldError(ErrorCode.REQUIRED, "userName", "A user name is required."))
    if errors:
        raise DomainError(errors)
    values: dict[str, object] = {"password_hash": hash_password(password), "updated_at": utcnow()}
    if user_name is not None:
        values["user_name"] = user_name.strip()
    async with db.write() as conn:
        if user_name is not None:
            taken = await conn.execute(
                select(employee_t.c.id).where(
                    func.lower(employee_t.c.user_name) == user_name.strip().lower(),
                    employee_t.c.id != employee_id,
                )
            )
            if taken.first() is not None:
                raise DomainError.one(ErrorCode.CONFLICT, "userName", "That user name is taken.")
        done = await conn.execute(
            update(employee_t).where(employee_t.c.id == employee_id).values(**values)
        )
        if done.rowcount == 0:
            raise DomainError.one(ErrorCode.NOT_FOUND, "id", "No such employee.")


@dataclass
class Throttle:
    """Slows down repeated failed sign-ins for a user name (per process).

    The first `free` failures within `window` seconds cost nothing extra; each further one
    waits twice as long as the one before, up to `ceiling` seconds. A success clears it.
    """

    free: int = 3
    window: float = 900.0
    ceiling: float = 30.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _failures: dict[str, list[float]] = field(default_factory=dict)

    def _recent(self, name: str) -> list[float]:
        now = self.clock()
        recent = [t for t in self._failures.get(name, []) if now - t < self.window]
        self._failures[name] = recent
        return recent

    def delay(self, name: str) -> float:
        """Seconds the next failed attempt for this name is held back."""
        extra = len(self._recent(name)) + 1 - self.free
        return 0.0 if extra <= 0 else min(self.ceiling, 2.0 ** (extra - 1))

    async def failed(self, name: str) -> None:
        """Record a failure and hold the answer back as long as the count says."""
        wait = self.delay(name)
        self._recent(name).append(self.clock())
        if wait:
            await self.sleep(wait)

    def succeeded(self, name: str) -> None:
        """Forget the failures of a name."""
        self._failures.pop(name, None)


async def sign_in(
    db: Database, *, user_name: str, password: str, ttl: timedelta, throttle: Throttle
) -> tuple[str, datetime] | None:
    """A fresh token and its expiry, or None (after a constant-time check) when refused."""
    name = user_name.strip().lower()
    async with db.read() as conn:
        row = (
            await conn.execute(
                select(employee_t.c.id, employee_t.c.password_hash).where(
                    func.lower(employee_t.c.user_name) == name
                )
            )
        ).first()
    stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
    verified: bool
    try:
        # argon2 is CPU-heavy; keep the event loop free while it runs.
        verified = await asyncio.to_thread(_hasher.verify, stored, password)
    except (VerificationError, InvalidHashError):
        verified = False
    if not verified or row is None or not row.password_hash:
        await throttle.failed(name)
        return None
    throttle.succeeded(name)
    token = new_key()
    expires = utcnow() + ttl
    async with db.write() as conn:
        await conn.execute(
            insert(api_key_t).values(
                employee_id=row.id,
                digest=digest(token),
                prefix=token[:12],
                created_at=utcnow(),
                expires_at=expires,
            )
        )
    return token, expires
