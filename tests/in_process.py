"""The service in process with changed settings, and a resolver that waits until released."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.domain import reads
from app.main import create_app
from app.settings import Settings

EMPLOYEES = {"query": "{ employees { id } }"}


@contextlib.asynccontextmanager
async def service(settings: Settings, **changes: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app built from `settings` with `changes`."""
    app = create_app(settings.model_copy(update=changes))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=30) as http:
        yield http
    await app.state.db.dispose()


def hold_employees(monkeypatch: pytest.MonkeyPatch) -> tuple[asyncio.Event, asyncio.Event]:
    """Make `employees` wait: the first event is set once it waits, the second releases it."""
    waiting, release = asyncio.Event(), asyncio.Event()
    real = reads.all_employees

    async def held(conn: Any) -> Any:
        waiting.set()
        await release.wait()
        return await real(conn)

    monkeypatch.setattr(reads, "all_employees", held)
    return waiting, release
