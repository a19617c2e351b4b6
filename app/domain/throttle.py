"""Limits on sign-in attempts, checked before any password is verified.

Per user name: one attempt at a time, and after `failures_free` failures each further one locks
the name out for 1 s, then 2, 4, ... up to `lockout_max_s`. Per client address: a token bucket of
attempts, whatever names it tries. Names are tracked whether or not they exist, so the answers
and their timing say nothing about which users exist. The state lives in the process: each
worker keeps its own.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")
# Beyond this many names (or client addresses) the oldest are forgotten, so that a flood of
# distinct names cannot grow the process without bound.
MAX_TRACKED = 100_000
# 2 ** 40 s is far beyond any sensible lock-out ceiling, and keeps the power a small integer.
_MAX_DOUBLINGS = 40
MSG_NAME_BUSY = "Another sign-in for this user name is in progress; retry after a moment."
MSG_NAME_LOCKED = "Too many failed sign-ins for this user name; retry later."
MSG_CLIENT = "Too many sign-in attempts from this address; retry later."


@dataclass(frozen=True)
class Limits:
    """How many sign-in attempts are allowed, per user name and per client address."""

    failures_free: int = 3
    lockout_max_s: float = 900.0
    failure_window_s: float = 86_400.0
    client_burst: int = 20
    client_per_minute: float = 30.0


class TooManyAttempts(Exception):
    """An attempt refused before its password was looked at; retry after `retry_after_s`."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_s = max(1, math.ceil(retry_after_s))


@dataclass
class _Name:
    failures: int = 0
    last_failure: float = 0.0
    busy: bool = False


@dataclass
class _Bucket:
    tokens: float
    updated: float


class SignInGuard:
    """Admits or refuses sign-in attempts and remembers their failures (per process)."""

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_tracked: int = MAX_TRACKED,
    ) -> None:
        self.limits = limits or Limits()
        self.clock = clock
        self.max_tracked = max_tracked
        self._names: dict[bytes, _Name] = {}
        self._buckets: dict[str, _Bucket] = {}

    @contextmanager
    def attempt(self, name: str, client: str) -> Iterator[None]:
        """Hold the name for one attempt, or raise TooManyAttempts without holding anything."""
        key = _key(name)
        now = self.clock()
        state = self._names.get(key)
        if state is not None and state.busy:
            raise TooManyAttempts(MSG_NAME_BUSY, 1)
        locked = self._locked_for(state, now)
        if locked > 0:
            raise TooManyAttempts(MSG_NAME_LOCKED, locked)
        self._take_token(client, now)
        if state is None:
            _trim(
                self._names,
                self.max_tracked - 1,
                lambda known: self._forgettable(known, now),
                lambda known: known.busy,
            )
            state = self._names[key] = _Name()
        state.busy = True
        try:
            yield
        finally:
            state.busy = False

    def failed(self, name: str) -> None:
        """Count a failed attempt for the name."""
        state = self._names.setdefault(_key(name), _Name())
        now = self.clock()
        if now - state.last_failure > self.limits.failure_window_s:
            state.failures = 0
        state.failures += 1
        state.last_failure = now

    def succeeded(self, name: str) -> None:
        """Forget the failures of the name."""
        state = self._names.get(_key(name))
        if state is not None:
            state.failures = 0

    def locked_for(self, name: str) -> float:
        """Seconds until the name may be tried again (0 when it may be now)."""
        return self._locked_for(self._names.get(_key(name)), self.clock())

    def _locked_for(self, state: _Name | None, now: float) -> float:
        if state is None or now - state.last_failure > self.limits.failure_window_s:
            return 0.0
        beyond = state.failures - self.limits.failures_free
        if beyond <= 0:
            return 0.0
        lockout = min(self.limits.lockout_max_s, float(2 ** min(beyond - 1, _MAX_DOUBLINGS)))
        return max(0.0, state.last_failure + lockout - now)

    def _take_token(self, client: str, now: float) -> None:
        burst = float(self.limits.client_burst)
        per_second = self.limits.client_per_minute / 60.0
        bucket = self._buckets.get(client)
        if bucket is None:
            _trim(self._buckets, self.max_tracked - 1, lambda b: self._refilled(b, now))
            bucket = self._buckets[client] = _Bucket(burst, now)
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * per_second)
        bucket.updated = now
        if bucket.tokens < 1:
            raise TooManyAttempts(MSG_CLIENT, (1 - bucket.tokens) / per_second)
        bucket.tokens -= 1

    def _forgettable(self, state: _Name, now: float) -> bool:
        return not state.busy and (
            state.failures == 0 or now - state.last_failure > self.limits.failure_window_s
        )

    def _refilled(self, bucket: _Bucket, now: float) -> bool:
        per_second = self.limits.client_per_minute / 60.0
        return bucket.tokens + (now - bucket.updated) * per_second >= self.limits.client_burst


def _key(name: str) -> bytes:
    # A fixed-size digest: a name may be as long as the body allows, and only equality matters.
    return hashlib.blake2b(name.encode(), digest_size=16).digest()


def _trim(
    table: dict[K, V],
    most: int,
    forgettable: Callable[[V], bool],
    in_use: Callable[[V], bool] = lambda _: False,
) -> None:
    """Keep the table within `most` entries: first what is worth nothing, then the oldest."""
    if len(table) <= most:
        return
    for key in [key for key, value in table.items() if forgettable(value)]:
        del table[key]
    if len(table) <= most:
        return
    # A tenth at once, so that the scans above stay rare under a flood of new names. Entries in
    # use stay: forgetting a name being tried would let a second attempt run beside the first.
    excess = len(table) - most + most // 10
    oldest = [key for key, value in table.items() if not in_use(value)]
    for key in oldest[:excess]:
        del table[key]
