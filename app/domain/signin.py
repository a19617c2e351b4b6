"""Sign-in for legacy clients: a user name and a password give an expiring token.

Passwords are hashed with argon2id (memory-hard). A token is an API key with an expiry, so
every route authenticates it the same way. Unknown users cost the same time as wrong
passwords. Attempts are admitted by a `SignInGuard` (app/domain/throttle.py) before any password
is checked, and checks run on a `Verifier`'s own bounded threads.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, insert, select, update

from app.db.engine import Database
from app.db.models import api_key_t, employee_t, utcnow
from app.domain.errors import DomainError, ErrorCode, FieldError
from app.domain.keys import digest, new_key
from app.domain.throttle import SignInGuard

PASSWORD_MIN = 8
PASSWORD_MAX = 1024
# argon2-cffi's defaults (RFC 9106's low-memory profile: 3 passes over 64 MiB) but one lane:
# with four, one check keeps 1.5 cores busy, and on a small machine a stream of guesses then
# slows every other request. One lane holds a check to one core, on its one thread.
_hasher = PasswordHasher(parallelism=1)
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
    *, db: Database, employee_id: uuid.UUID, user_name: str | None, password: str
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


class HashQueueFull(Exception):
    """Every hashing thread is busy and the queue of checks waiting for one is full."""


class Verifier:
    """Checks passwords on a few dedicated threads, with a bounded queue of waiting checks.

    argon2 is CPU-heavy (about 0.14 s and 1.5 cores per check here): on the default executor a
    burst of guesses would take every core from the other clients, and an unbounded queue would
    make each answer wait for all the guesses before it.
    """

    def __init__(self, *, workers: int = 1, queue: int = 4) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self._capacity = workers + queue
        self._pending = 0  # running or waiting; released by the thread when a check ends
        self._lock = threading.Lock()

    @property
    def busy(self) -> int:
        """Checks running or waiting for a thread."""
        return self._pending

    async def verify(self, stored: str, password: str) -> bool:
        """True when the password matches the hash; HashQueueFull when no check can wait."""
        with self._lock:
            if self._pending >= self._capacity:
                raise HashQueueFull
            self._pending += 1
        try:
            running = self._executor.submit(_verify, stored, password)
        except BaseException:
            self._release(None)
            raise
        # Released when the thread is done, not when the caller stops waiting: a request that
        # times out or disconnects leaves its check running, and it still takes a thread.
        running.add_done_callback(self._release)
        return await asyncio.wrap_future(running)

    def _release(self, _: object) -> None:
        with self._lock:
            self._pending -= 1


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


async def check_password(
    *,
    db: Database,
    user_name: str,
    password: str,
    client: str,
    guard: SignInGuard,
    verifier: Verifier,
) -> uuid.UUID | None:
    """The employee whose name and password these are, or None after a full password check.

    Raises TooManyAttempts before looking at the password when the name or the client has
    tried too often, and HashQueueFull when no password check can wait for a thread. A failure
    counts against the name whoever asks: the sign-in route and Basic authentication alike.
    """
    name = user_name.strip().lower()
    with guard.attempt(name, client):
        async with db.read() as conn:
            row = (
                await conn.execute(
                    select(employee_t.c.id, employee_t.c.password_hash).where(
                        func.lower(employee_t.c.user_name) == name
                    )
                )
            ).first()
        stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
        verified = await verifier.verify(stored, password)
        if not verified or row is None or not row.password_hash:
            guard.failed(name)
            return None
        guard.succeeded(name)
    return uuid.UUID(str(row.id))


async def sign_in(
    *,
    db: Database,
    user_name: str,
    password: str,
    client: str,
    ttl: timedelta,
    guard: SignInGuard,
    verifier: Verifier,
) -> tuple[str, datetime] | None:
    """A fresh token and its expiry, or None (after a full password check) when refused.

    Raises as `check_password` does.
    """
    employee_id = await check_password(
        db=db, user_name=user_name, password=password, client=client, guard=guard, verifier=verifier
    )
    if employee_id is None:
        return None
    token = new_key()
    expires = utcnow() + ttl
    async with db.write() as conn:
        await conn.execute(
            insert(api_key_t).values(
                employee_id=employee_id,
                digest=digest(token),
                prefix=token[:12],
                created_at=utcnow(),
                expires_at=expires,
            )
        )
    return token, expires
