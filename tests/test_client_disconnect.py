"""A client that goes away before its body arrives is not a server error."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from app.main import create_app
from app.settings import Settings
from tests.asgi import post_scope
from tests.conftest import Person


async def _send_half_then_leave(app: Any, path: str, key: str) -> list[dict[str, Any]]:
    incoming = [
        {"type": "http.request", "body": b'{"query": "{ me ', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [
        (b"host", b"127.0.0.1"),
        (b"content-type", b"application/json"),
        (b"content-length", b"100"),
        (b"authorization", key.encode()),
    ]
    scope = post_scope(path, headers)
    await app(scope, receive, send)
    return sent


@pytest.mark.parametrize("path", ["/graphql", "/api/2.0/crm/opportunity"])
async def test_logged_as_information_not_as_a_crash(
    settings: Settings, user: Person, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)
    with caplog.at_level(logging.INFO):
        sent = await _send_half_then_leave(app, path, user.key)

    start = next(message for message in sent if message["type"] == "http.response.start")
    assert start["status"] == 499
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert "client disconnected before its request was read" in caplog.text
