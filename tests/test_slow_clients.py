"""Clients that send their bodies slowly: a deadline, a size limit, and no place in flight."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette

from app.main import create_app
from app.settings import Settings
from tests.asgi import post_scope
from tests.conftest import Person, nothing_written
from tests.ids import (
    employee_gid,
)

LEGACY_CREATE = "/api/2.0/crm/opportunity"
SIGN_IN = "/api/2.0/authentication"
# Only a bug could make a test wait this long: the deadlines under test are far shorter.
GUARD_S = 10


class HandDrivenRequest:
    """One HTTP request whose body arrives when the test says, as a slow client sends it."""

    def __init__(self, path: str, *, key: str = "", declared: int | None = None) -> None:
        self.path = path
        self.headers = [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"authorization", key.encode()),
        ]
        if declared is not None:
            self.headers.append((b"content-length", str(declared).encode()))
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.reads = 0
        self.waiting = asyncio.Event()
        self.sent: list[dict[str, Any]] = []

    def part(self, body: bytes, *, more: bool = True) -> None:
        """The next bytes of the body arrive."""
        self.incoming.put_nowait({"type": "http.request", "body": body, "more_body": more})

    def leave(self) -> None:
        """The client disconnects."""
        self.incoming.put_nowait({"type": "http.disconnect"})

    async def receive(self) -> dict[str, Any]:
        self.reads += 1
        if self.incoming.empty():
            self.waiting.set()
        message = await self.incoming.get()
        self.waiting.clear()
        return message

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    async def run(self, app: Starlette) -> None:
        """Let the app answer the request (bounded: a hang is a failure, not a stuck suite)."""
        scope = post_scope(self.path, self.headers)
        await asyncio.wait_for(app(scope, self.receive, self.send), GUARD_S)

    @property
    def status(self) -> int:
        return int(next(m["status"] for m in self.sent if m["type"] == "http.response.start"))

    @property
    def response_headers(self) -> dict[bytes, bytes]:
        start = next(m for m in self.sent if m["type"] == "http.response.start")
        return dict(start["headers"])

    @property
    def json(self) -> Any:
        return orjson.loads(b"".join(m.get("body", b"") for m in self.sent[1:]))


def legacy_error(status: int, message: str, hresult: int) -> dict[str, Any]:
    return {
        "status": 1,
        "statusCode": status,
        "error": {"message": message, "hresult": hresult, "data": {}},
    }


def fast_settings(settings: Settings, **update: Any) -> Settings:
    return settings.model_copy(update={"body_timeout_s": 0.05, **update})


async def test_a_graphql_body_past_its_deadline_gets_408_and_the_connection_closes(
    settings: Settings, user: Person
) -> None:
    # given
    app = create_app(fast_settings(settings))
    request = HandDrivenRequest("/graphql", key=user.key, declared=100)
    request.part(b'{"query": "mutation { createOpportunity(')

    # when: the rest never comes
    await request.run(app)

    # then
    assert request.status == 408
    assert request.response_headers[b"connection"] == b"close"
    assert request.json == {
        "errors": [
            {
                "message": "The request body did not arrive within 0.05 seconds.",
                "extensions": {"code": "REQUEST_TIMEOUT"},
            }
        ]
    }
    await app.state.db.dispose()


async def test_a_legacy_body_past_its_deadline_gets_408_in_the_envelope_and_writes_nothing(
    settings: Settings, user: Person, db: Any
) -> None:
    # given
    app = create_app(fast_settings(settings))
    request = HandDrivenRequest(LEGACY_CREATE, key=user.key, declared=200)
    request.part(b'{"title": "Slow", "responsibleid": "' + str(user.id).encode() + b'"')

    # when
    await request.run(app)

    # then
    assert request.status == 408
    assert request.response_headers[b"connection"] == b"close"
    assert request.json == legacy_error(
        408, "The request body did not arrive within 0.05 seconds.", -2146233088
    )
    assert await nothing_written(db)
    await app.state.db.dispose()


async def test_requests_still_receiving_their_bodies_are_not_in_flight(
    settings: Settings, user: Person
) -> None:
    # given: room for two requests in flight, and three clients half-way through their bodies
    app = create_app(settings.model_copy(update={"max_in_flight": 2}))
    slow = [HandDrivenRequest("/graphql", key=user.key, declared=26) for _ in range(3)]
    running = []
    for request in slow:
        request.part(b'{"query": "{ me')
        running.append(asyncio.create_task(request.run(app)))
    await asyncio.wait_for(asyncio.gather(*(r.waiting.wait() for r in slow)), GUARD_S)

    # when: a fourth client sends its whole request at once
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        fast = await http.post(
            "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": user.key}
        )
    for request, task in zip(slow, running, strict=True):
        request.part(b' { id } }"}', more=False)
        await task

    # then: it is served, and so is each slow one once its body is complete
    assert fast.status_code == 200, fast.text
    assert fast.json()["data"]["me"]["id"] == employee_gid(user.id)
    assert [r.status for r in slow] == [200, 200, 200]
    assert [r.json["data"]["me"]["id"] for r in slow] == [employee_gid(user.id)] * 3
    await app.state.db.dispose()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param(
            "/graphql",
            {
                "errors": [
                    {
                        "message": "The body is larger than 1024 bytes.",
                        "extensions": {"code": "PAYLOAD_TOO_LARGE"},
                    }
                ]
            },
            id="graphql",
        ),
        pytest.param(
            LEGACY_CREATE,
            legacy_error(413, "The body is larger than 1024 bytes.", -2147024809),
            id="legacy",
        ),
    ],
)
async def test_a_declared_length_over_the_limit_is_413_before_any_byte_is_read(
    settings: Settings, user: Person, path: str, expected: dict[str, Any]
) -> None:
    # given
    app = create_app(settings.model_copy(update={"max_body_bytes": 1024}))
    request = HandDrivenRequest(path, key=user.key, declared=1025)

    # when
    await request.run(app)

    # then
    assert request.status == 413
    assert request.reads == 0
    assert request.response_headers[b"connection"] == b"close"
    assert request.json == expected
    await app.state.db.dispose()


async def test_an_undeclared_body_is_413_as_soon_as_it_passes_the_limit(
    settings: Settings, user: Person
) -> None:
    # given: a chunked body, no Content-Length, that never ends
    app = create_app(settings.model_copy(update={"max_body_bytes": 1024}))
    request = HandDrivenRequest(LEGACY_CREATE, key=user.key)
    request.part(b" " * 1000)
    request.part(b" " * 25)

    # when
    await request.run(app)

    # then
    assert request.status == 413
    assert request.reads == 2
    assert request.json == legacy_error(413, "The body is larger than 1024 bytes.", -2147024809)
    await app.state.db.dispose()


@pytest.mark.parametrize("path", ["/graphql", LEGACY_CREATE, SIGN_IN])
async def test_a_client_leaving_before_its_body_arrives_is_499_and_information(
    settings: Settings, user: Person, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    app = create_app(settings)
    request = HandDrivenRequest(path, key=user.key, declared=100)
    request.part(b'{"userName": "ann", ')
    request.leave()

    # when
    with caplog.at_level(logging.INFO):
        await request.run(app)

    # then
    assert request.status == 499
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert "client disconnected before its request was read" in caplog.text
    await app.state.db.dispose()


async def test_after_the_body_the_app_still_hears_of_a_disconnect(settings: Settings) -> None:
    # given: an app that reads its body, then asks for the next message
    from app.request_body import ReadBodyFirst

    heard: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        heard.append(await receive())
        heard.append(await receive())
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    wrapped = ReadBodyFirst(app, max_body_bytes=1024, body_timeout_s=1)
    request = HandDrivenRequest("/graphql", declared=4)
    request.part(b"ab")
    request.part(b"cd", more=False)
    request.leave()

    # when
    await request.run(wrapped)  # type: ignore[arg-type]

    # then: the body in one piece, then the disconnect as the client sent it
    assert heard == [
        {"type": "http.request", "body": b"abcd", "more_body": False},
        {"type": "http.disconnect"},
    ]


async def test_bodies_still_arriving_share_a_bounded_buffer(
    settings: Settings, user: Person
) -> None:
    # given: room for 3000 bytes of bodies still arriving; one slow body holds 2000 of it
    app = create_app(
        settings.model_copy(update={"max_body_bytes": 2048, "max_buffered_body_bytes": 3000})
    )
    holding = HandDrivenRequest(LEGACY_CREATE, key=user.key)
    holding.part(b" " * 2000)
    held = asyncio.create_task(holding.run(app))
    await asyncio.wait_for(holding.waiting.wait(), GUARD_S)
    crowding = HandDrivenRequest(LEGACY_CREATE, key=user.key)
    crowding.part(b" " * 1500)

    # when
    await crowding.run(app)
    holding.leave()
    await held
    after = HandDrivenRequest("/graphql", key=user.key)
    after.part(b'{"query": "{ me { id } }"}', more=False)
    await after.run(app)

    # then: the second is refused at once, and the room comes back when the first is gone
    assert crowding.status == 503
    assert crowding.response_headers[b"retry-after"] == b"1"
    assert after.status == 200
    await app.state.db.dispose()
