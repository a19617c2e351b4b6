"""GraphQL over Server-Sent Events against live servers, read with real `curl -N`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from secrets import token_urlsafe

import httpx

from tests.ids import opportunity_gid
from tests.live_events import (
    EVENTS,
    SET_ACCESS,
    UPDATE,
    WAIT_S,
    call,
    create,
    employee,
    me,
    rename,
)
from tests.live_sse import curl_stream, until_streaming
from tests.server import running_server

KEY = "live-sse-admin-key"
SERVER = {"CRM_BOOTSTRAP_API_KEY": KEY}
REVOKE = """mutation($input: RevokeApiKeyInput!) {
  revokeApiKey(input: $input) { keyId errors { message } } }"""


async def test_curl_hears_create_and_rename_and_a_query_completes(database_url: str) -> None:
    with running_server(database_url, **SERVER) as base:
        admin = await me(base, KEY)
        probe = await create(base, KEY, admin, "probe")
        async with curl_stream(base, KEY, EVENTS) as stream:
            await until_streaming(stream, base, KEY, probe)
            made = await create(base, KEY, admin, "Over SSE")
            created = await stream.event()
            assert (created["kind"], created["opportunityId"]) == ("CREATED", opportunity_gid(made))
            assert created["opportunity"]["title"] == "Over SSE"
            await rename(base, KEY, made, "Over SSE, renamed")
            renamed = await stream.event()
            assert (renamed["kind"], renamed["changed"]) == ("UPDATED", ["title"])
            assert int(renamed["cursor"]) > int(created["cursor"])
        # A query over the same transport: one `next`, then `complete`.
        async with curl_stream(base, KEY, "{ me { displayName } }") as stream:
            name, body = await stream.message()
            assert (name, body["data"]["me"]["displayName"]) == ("next", "Administrator")
            assert await stream.message() == ("complete", None)


async def test_sse_privacy_outsider_hears_nothing_insider_until_removed(database_url: str) -> None:
    with running_server(database_url, **SERVER) as base:
        admin = await me(base, KEY)
        insider, insider_key, _ = await employee(base, KEY, "Insider")
        _, outsider_key, _ = await employee(base, KEY, "Outsider")
        colleague, _, _ = await employee(base, KEY, "Colleague")
        probe = await create(base, KEY, admin, "probe")
        async with (
            curl_stream(base, insider_key, EVENTS) as inside,
            curl_stream(base, outsider_key, EVENTS) as outside,
        ):
            await until_streaming(inside, base, KEY, probe)
            await until_streaming(outside, base, KEY, probe)
            await inside.drain()
            secret = await create(base, KEY, admin, "Secret", isPrivate=True, accessList=[insider])
            assert (await inside.event())["opportunity"]["title"] == "Secret"
            access = {"id": secret, "isPrivate": True, "accessList": [colleague]}
            await call(base, KEY, SET_ACCESS, input=access)
            gone = await inside.event()
            assert (gone["kind"], gone["opportunityId"], gone["opportunity"]) == (
                "ACCESS_CHANGED",
                opportunity_gid(secret),
                None,
            )
            await rename(base, KEY, secret, "Still secret")
            # A public change after them: both streams flow, and neither heard the secret since.
            await rename(base, KEY, probe, "public again")
            assert (await inside.event())["opportunityId"] == opportunity_gid(probe)
            assert (await outside.event())["opportunityId"] == opportunity_gid(probe)
            assert await inside.silent(0.3)
            assert await outside.silent(0.3)


async def test_a_revoked_key_ends_the_stream(database_url: str) -> None:
    with running_server(database_url, **SERVER, CRM_SUBSCRIPTION_RECHECK_S="0.2") as base:
        admin = await me(base, KEY)
        _, key, key_id = await employee(base, KEY, "Leaving")
        probe = await create(base, KEY, admin, "probe")
        async with curl_stream(base, key, EVENTS) as stream:
            await until_streaming(stream, base, KEY, probe)
            await call(base, KEY, REVOKE, input={"keyId": key_id})
            await asyncio.sleep(0.3)
            await rename(base, KEY, probe, "after the revocation")
            name, body = await stream.message()
            assert name == "next"
            assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
            assert await stream.message() == ("complete", None)
            await asyncio.wait_for(stream.process.wait(), WAIT_S)  # the server ended it


async def test_no_key_is_401_and_limits_apply_as_on_the_websocket(database_url: str) -> None:
    limits = {
        "CRM_PROFILE": "production",
        "CRM_MAX_SUBSCRIPTIONS_PER_KEY": "1",
        "CRM_SSE_HEARTBEAT_S": "0.2",
    }
    with running_server(database_url, **SERVER, **limits) as base:
        async with httpx.AsyncClient(timeout=WAIT_S) as http:
            refused = await http.post(
                f"{base}/graphql",
                json={"query": EVENTS},
                headers={"Accept": "text/event-stream"},
            )
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        aliases = " ".join(f"a{n}: kind" for n in range(31))
        async with curl_stream(
            base, KEY, f"subscription {{ opportunityEvents {{ {aliases} }} }}"
        ) as s:
            name, body = await s.message()
            assert (name, body["errors"][0]["extensions"]["code"]) == ("next", "QUERY_TOO_COMPLEX")
            assert await s.message() == ("complete", None)
        async with (
            curl_stream(base, KEY, EVENTS) as first,
            curl_stream(base, KEY, EVENTS) as second,
        ):
            # One of the two holds the key's one subscription; the other is refused.
            refusals = []
            for stream in (first, second):
                try:
                    name, body = await stream.message(within=1.0)
                except TimeoutError:
                    continue
                refusals.append(body["errors"][0]["extensions"]["code"])
            assert refusals == ["TOO_MANY_SUBSCRIPTIONS"]
            # The idle one is kept open by heartbeats (SSE comments).
            await asyncio.sleep(0.5)
            assert first.heartbeats + second.heartbeats >= 2


async def test_open_streams_do_not_hold_places_of_requests_in_flight(database_url: str) -> None:
    with running_server(database_url, **SERVER, CRM_MAX_IN_FLIGHT="3") as base:
        admin = await me(base, KEY)
        probe = await create(base, KEY, admin, "probe")
        async with contextlib.AsyncExitStack() as streams:
            # One after another: a stream holds its place only until it is subscribed, and the
            # request before may still be leaving its place as the next comes (hence 3 places).
            for _ in range(4):
                stream = await streams.enter_async_context(curl_stream(base, KEY, EVENTS))
                await until_streaming(stream, base, KEY, probe)
            # Four subscribed streams, and requests are still answered, not refused as busy.
            assert await me(base, KEY) == admin


async def test_a_stream_that_is_not_read_is_dropped_and_others_are_served(
    database_url: str,
) -> None:
    settings = {"CRM_SUBSCRIPTION_BUFFER": "8", "CRM_SUBSCRIPTION_SEND_TIMEOUT_S": "1"}
    with running_server(database_url, **SERVER, **settings) as base:
        admin = await me(base, KEY)
        probe = await create(base, KEY, admin, "probe")
        copies = " ".join(f"d{n}: opportunity {{ description }}" for n in range(20))
        query = f"subscription {{ opportunityEvents {{ opportunityId {copies} }} }}"
        body = json.dumps({"query": query}).encode()
        host, port = base.removeprefix("http://").split(":")
        # A client with a small receive buffer that sends its request and then reads nothing.
        reader, writer = await asyncio.open_connection(host, int(port), limit=65536)
        writer.transport.get_extra_info("socket").setsockopt(
            socket.SOL_SOCKET, socket.SO_RCVBUF, 16384
        )
        writer.write(
            b"POST /graphql HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
            + f"Authorization: {KEY}\r\nContent-Type: application/json\r\n".encode()
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        async with curl_stream(base, KEY, EVENTS) as other:
            await until_streaming(other, base, KEY, probe)
            updates = 60
            for number in range(updates):
                description = f"{number} {token_urlsafe(15_000)}"
                await call(base, KEY, UPDATE, input={"id": probe, "description": description})
            seen = 0
            while not await other.silent(0.5):
                seen += 1
            assert seen >= updates - 1
            await asyncio.sleep(2)  # past the send timeout
        received = b""
        while chunk := await asyncio.wait_for(reader.read(1 << 20), WAIT_S):
            received += chunk
        writer.close()
        # The server dropped it (the read ended) before all events were sent, without a complete.
        assert received.count(b"event: next") < updates
        assert b"event: complete" not in received
