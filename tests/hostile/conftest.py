"""Live servers in the production profile, and a bystander that checks others are still served.

Every attack here goes to 127.0.0.1 only, is bounded in count and time, and stops what it starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType

import httpx
import pytest

from tests.server import running_server

KEY = "hostile-suite-admin-key"
MIN_ANSWERS = 3
PRODUCTION = {"CRM_PROFILE": "production", "CRM_BOOTSTRAP_API_KEY": KEY}


@dataclass(frozen=True)
class Live:
    """A running server: where it listens, the administrator's key, its database."""

    base: str
    key: str
    database_url: str

    @property
    def host_port(self) -> tuple[str, int]:
        """The address to open raw sockets to."""
        host, port = self.base.removeprefix("http://").split(":")
        return host, int(port)


@pytest.fixture
def live(database_url: str) -> Iterator[Live]:
    """One uvicorn worker in the production profile on a fresh database."""
    with running_server(database_url, **PRODUCTION) as base:
        yield Live(base, KEY, database_url)


@pytest.fixture
def live_workers(database_url: str) -> Iterator[Live]:
    """Two uvicorn workers in the production profile (PostgreSQL; SQLite takes one)."""
    workers = "1" if database_url.startswith("sqlite") else "2"
    with running_server(database_url, CRM_WORKERS=workers, **PRODUCTION) as base:
        yield Live(base, KEY, database_url)


@dataclass
class Bystander:
    """Another client asking `{ me { id } }` every `every` seconds while an attack runs.

    Use as `async with Bystander(live) as other: ...attack...`, then `other.assert_served()`.
    """

    live: Live
    every: float = 0.2
    timeout: float = 5.0
    answers: list[tuple[int, float]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _enough: asyncio.Event = field(default_factory=asyncio.Event)

    async def __aenter__(self) -> Bystander:
        self._task = asyncio.create_task(self._ask())
        return self

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        assert self._task is not None
        # However quick the attack was, let the bystander have asked a few times.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._enough.wait(), self.timeout)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _ask(self) -> None:
        # Its own connection pool: the attacker's connections are not this client's.
        async with httpx.AsyncClient(base_url=self.live.base, timeout=self.timeout) as http:
            while True:
                started = time.monotonic()
                try:
                    response = await http.post(
                        "/graphql",
                        json={"query": "{ me { id } }"},
                        headers={"Authorization": self.live.key},
                    )
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                self.answers.append((status, time.monotonic() - started))
                if len(self.answers) >= MIN_ANSWERS:
                    self._enough.set()
                await asyncio.sleep(self.every)

    def assert_served(self, *, within: float = 2.0, at_least: int = MIN_ANSWERS) -> None:
        """Every answer was a 200 and came within `within` seconds."""
        assert len(self.answers) >= at_least, self.answers
        slow = [(status, round(took, 2)) for status, took in self.answers if took > within]
        refused = [status for status, _ in self.answers if status != 200]
        assert not refused, f"the bystander was refused: {refused}"
        assert not slow, f"the bystander waited: {slow}"
