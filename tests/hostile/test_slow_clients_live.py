"""Slow and crowding clients on a live server: cut off by their deadlines, others still served.

Raw sockets to 127.0.0.1 only; attackers come from other loopback addresses (127.0.0.10 and up)
so that the bystander, on 127.0.0.1, is another client address, as it would be in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.hostile.conftest import KEY, PRODUCTION, Bystander, Live
from tests.server import running_server

HEADER_TIMEOUT_S = 3.0
BODY_TIMEOUT_S = 3.0
PER_CLIENT = 40
# A deadline is met if the answer comes within it plus this (a byte interval and a busy loop).
SLACK_S = 2.0
# No attacker socket stays open longer than this, whatever the server does.
GIVE_UP_S = 10.0
BYTE_EVERY_S = 1.0
SIGN_IN_HEAD = (
    b"POST /api/2.0/authentication HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
)
SLOW_HEADERS = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100
REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout"
CLOSED = b""
RESET = b"reset"
HELD = b"still open"


@dataclass(frozen=True)
class Outcome:
    """What an attacker's connection saw first, and how long after connecting."""

    first_line: bytes
    after_s: float


@pytest.fixture
def guarded(database_url: str) -> Iterator[Live]:
    """One worker in the production profile with deadlines and a per-client bound short enough
    for a test."""
    with running_server(
        database_url,
        CRM_HEADER_TIMEOUT_S=str(HEADER_TIMEOUT_S),
        CRM_BODY_TIMEOUT_S=str(BODY_TIMEOUT_S),
        CRM_MAX_CONNECTIONS_PER_CLIENT=str(PER_CLIENT),
        **PRODUCTION,
    ) as base:
        yield Live(base, KEY, database_url)


def enough_descriptors(sockets: int) -> None:
    """Raise this process's open-file limit if it is too low for `sockets` connections."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = sockets + 256
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def attacker_address(n: int) -> str:
    """Spread `n`s over eight loopback addresses, fewer than PER_CLIENT each for 300 sockets."""
    return f"127.0.0.{10 + n % 8}"


@contextlib.asynccontextmanager
async def connection(
    live: Live, source: str
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """A raw TCP connection from `source` to the server, closed on leaving."""
    host, port = live.host_port
    reader, writer = await asyncio.open_connection(host, port, local_addr=(source, 0))
    try:
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def trickle(live: Live, source: str, head: bytes, drip: bytes) -> Outcome:
    """Send `head`, then `drip` a byte every BYTE_EVERY_S, until the server answers or closes."""
    started = time.monotonic()
    async with connection(live, source) as (reader, writer):
        try:
            writer.write(head)
            for byte in drip:
                writer.write(bytes([byte]))
                await writer.drain()
                with contextlib.suppress(TimeoutError):
                    line = await asyncio.wait_for(reader.readline(), BYTE_EVERY_S)
                    return Outcome(line.rstrip(), time.monotonic() - started)
                if time.monotonic() - started > GIVE_UP_S:
                    break
        except ConnectionError:
            return Outcome(RESET, time.monotonic() - started)
    return Outcome(HELD, time.monotonic() - started)


async def stay_silent(live: Live, source: str) -> Outcome:
    """Connect and send nothing, until the server closes the connection."""
    started = time.monotonic()
    async with connection(live, source) as (reader, _):
        try:
            line = await asyncio.wait_for(reader.readline(), GIVE_UP_S)
        except TimeoutError:
            line = HELD
        except ConnectionError:
            line = RESET
    return Outcome(line.rstrip(), time.monotonic() - started)


async def attack(count: int, one: Callable[[str], Awaitable[Outcome]]) -> list[Outcome]:
    """`count` attackers at once, spread over the attacker addresses."""
    enough_descriptors(count)
    return await asyncio.gather(*(one(attacker_address(n)) for n in range(count)))


def first_lines(outcomes: list[Outcome]) -> Counter[bytes]:
    return Counter(outcome.first_line for outcome in outcomes)


def latest(outcomes: list[Outcome]) -> float:
    return max(outcome.after_s for outcome in outcomes)


async def still_serves(live: Live) -> int:
    async with httpx.AsyncClient(base_url=live.base, timeout=5) as http:
        response = await http.post(
            "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": live.key}
        )
    return response.status_code


async def test_slow_bodies_get_408_at_their_deadline_and_hold_no_place_in_flight(
    guarded: Live,
) -> None:
    # given: more slow senders than the 256 places in flight
    async with Bystander(guarded) as bystander:
        # when: each declares 100000 bytes of sign-in body and sends one a second
        outcomes = await attack(
            300, lambda source: trickle(guarded, source, SIGN_IN_HEAD, b" " * 20)
        )

    # then
    bystander.assert_served(within=2.0)
    assert set(first_lines(outcomes)) <= {REQUEST_TIMEOUT, CLOSED, RESET}, first_lines(outcomes)
    assert first_lines(outcomes)[REQUEST_TIMEOUT] > 0
    assert latest(outcomes) <= BODY_TIMEOUT_S + SLACK_S
    assert await still_serves(guarded) == 200


async def test_slow_headers_are_cut_off_at_the_header_deadline(guarded: Live) -> None:
    # given
    async with Bystander(guarded) as bystander:
        # when: each sends a request line and then a header a byte a second
        outcomes = await attack(200, lambda source: trickle(guarded, source, b"", SLOW_HEADERS))

    # then
    bystander.assert_served(within=2.0)
    assert set(first_lines(outcomes)) <= {REQUEST_TIMEOUT, CLOSED, RESET}, first_lines(outcomes)
    assert first_lines(outcomes)[REQUEST_TIMEOUT] > 0
    assert latest(outcomes) <= HEADER_TIMEOUT_S + SLACK_S
    assert await still_serves(guarded) == 200


async def test_idle_connections_are_closed_at_the_header_deadline(guarded: Live) -> None:
    # given
    async with Bystander(guarded) as bystander:
        # when: each connects and sends nothing at all
        outcomes = await attack(300, lambda source: stay_silent(guarded, source))

    # then: closed without an answer to a request never made
    bystander.assert_served(within=2.0)
    assert first_lines(outcomes) == {CLOSED: 300}
    assert latest(outcomes) <= HEADER_TIMEOUT_S + SLACK_S
    assert await still_serves(guarded) == 200


async def test_connections_over_the_per_client_bound_are_refused_at_once(guarded: Live) -> None:
    # given: one address holds as many connections as it may
    source = "127.0.0.2"
    async with contextlib.AsyncExitStack() as held, Bystander(guarded) as bystander:
        for _ in range(PER_CLIENT):
            await held.enter_async_context(connection(guarded, source))

        # when: it opens twenty more, each sending its request
        async def one_more() -> tuple[bytes, float]:
            started = time.monotonic()
            async with connection(guarded, source) as (reader, writer):
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                answer = await asyncio.wait_for(reader.read(), GIVE_UP_S)
            return answer, time.monotonic() - started

        refused = await asyncio.gather(*(one_more() for _ in range(20)))
        await asyncio.sleep(0.5)  # the bystander keeps asking while the address is full

    # then: each got 503 + Retry-After and was closed at once; others never noticed
    bystander.assert_served(within=2.0)
    heads = [answer.split(b"\r\n\r\n")[0].lower().split(b"\r\n") for answer, _ in refused]
    assert all(head[0] == b"http/1.1 503 service unavailable" for head in heads), heads
    assert all(b"retry-after: 1" in head for head in heads), heads
    assert max(took for _, took in refused) < 1.5
    # and the address is served again once it holds fewer (as soon as the server saw them close)
    assert await served_again(guarded, source)


async def served_again(live: Live, source: str) -> bool:
    """A request from `source` gets 200 within a few tries."""
    for _ in range(10):
        async with connection(live, source) as (reader, writer):
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            answer = await asyncio.wait_for(reader.read(), GIVE_UP_S)
        if answer.startswith(b"HTTP/1.1 200 OK"):
            return True
        await asyncio.sleep(0.2)
    return False


TOO_LARGE = b"HTTP/1.1 431 Request Header Fields Too Large"


async def send_headers(live: Live, count: int) -> tuple[bytes, int]:
    """A request with `count` headers of 1000 bytes, sent as fast as the server reads: what
    the server answered first (RESET if it cut the connection) and how many headers went."""
    one = b"X-Padding: " + b"a" * 987 + b"\r\n"
    sent = 0
    async with connection(live, "127.0.0.2") as (reader, writer):
        try:
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            while sent < count:
                batch = min(100, count - sent)
                writer.write(one * batch)
                await writer.drain()
                sent += batch
            writer.write(b"\r\n")
            await writer.drain()
            answer = await asyncio.wait_for(reader.readline(), GIVE_UP_S)
        except ConnectionError:
            # Cut off while still sending: the kernel drops the 431 it had received.
            answer = RESET
    return answer.rstrip(), sent


@pytest.mark.parametrize(
    ("count", "answers", "at_most_sent"),
    [
        pytest.param(60, {b"HTTP/1.1 200 OK"}, 60, id="60-KB"),
        pytest.param(70, {TOO_LARGE}, 70, id="70-KB"),
        # Cut off well before the end: what went past 64 KiB filled the kernel's socket
        # buffers, which grow to tens of MB on loopback.
        pytest.param(100_000, {TOO_LARGE, RESET}, 50_000, id="100-MB"),
    ],
)
async def test_headers_over_64_kib_are_431(
    guarded: Live, count: int, answers: set[bytes], at_most_sent: int
) -> None:
    # when
    answer, sent = await send_headers(guarded, count)

    # then
    assert answer in answers
    assert sent <= at_most_sent
    assert await still_serves(guarded) == 200
