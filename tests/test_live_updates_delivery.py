"""Subscriptions at their limits: across processes, slow subscribers, revoked keys, documents."""

from __future__ import annotations

import asyncio
from secrets import token_urlsafe

import asyncpg
import httpx
import pytest

from tests.live_events import (
    WAIT_S,
    call,
    create,
    employee,
    me,
    rename,
    socket,
    stalled_subscriber,
    until_live,
)
from tests.server import running_server

KEY = "live-delivery-admin-key"
SERVER = {"CRM_BOOTSTRAP_API_KEY": KEY}
REVOKE = """mutation($input: RevokeApiKeyInput!) {
  revokeApiKey(input: $input) { keyId errors { message } } }"""


async def test_a_change_on_one_server_reaches_a_subscriber_of_another(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("one process per SQLite database: its events stay in process")
    with (
        running_server(database_url, **SERVER) as first,
        running_server(database_url, **SERVER) as second,
    ):
        admin = await me(first, KEY)
        probe = await create(first, KEY, admin, "probe")
        async with socket(second, KEY) as live:
            await live.subscribe()
            # The probe is renamed through the first server: it is live across them.
            await until_live(live, first, KEY, probe)
            async with httpx.AsyncClient(timeout=WAIT_S) as http:
                answer = await http.post(
                    f"{first}/api/2.0/crm/opportunity",
                    json={
                        "title": "Legacy, A",
                        "responsibleid": admin,
                        "stageid": 1,
                        "bidCurrencyAbbr": "EUR",
                    },
                    headers={"Authorization": KEY},
                )
            assert answer.status_code == 200, answer.text
            event = await live.event()
            assert (event["kind"], event["opportunity"]["title"]) == ("CREATED", "Legacy, A")


async def test_a_subscriber_that_stops_reading_is_closed_and_others_are_served(
    database_url: str,
) -> None:
    settings = {"CRM_SUBSCRIPTION_BUFFER": "8", "CRM_SUBSCRIPTION_SEND_TIMEOUT_S": "1"}
    with running_server(database_url, **SERVER, **settings) as base:
        admin = await me(base, KEY)
        probe = await create(base, KEY, admin, "probe")
        # Large events (incompressible: WebSocket frames are deflated) fill the socket's
        # buffers in a few dozen; the client reads none of them.
        copies = " ".join(f"d{n}: opportunity {{ description }}" for n in range(20))
        query = f"subscription {{ opportunityEvents {{ opportunityId {copies} }} }}"
        slow = await stalled_subscriber(base, KEY, query)
        async with socket(base, KEY) as other:
            await other.subscribe()
            await until_live(other, base, KEY, probe)
            updates = 200
            for number in range(updates):
                await call(
                    base,
                    KEY,
                    """mutation($input: UpdateOpportunityInput!) {
                    updateOpportunity(input: $input) { errors { message } } }""",
                    input={"id": probe, "description": f"{number} {token_urlsafe(15_000)}"},
                )
            # The server stays responsive meanwhile, and a reading subscriber got every event.
            seen = 0
            while not await other.silent(0.5):
                seen += 1
            assert seen >= updates - 1
            await asyncio.sleep(2)  # past the send timeout
            received, closed = await slow.read_to_end()
        slow.writer.close()
        assert (received < updates, closed) == (True, True), received


async def test_a_revoked_key_ends_its_subscription(database_url: str) -> None:
    with running_server(database_url, **SERVER, CRM_SUBSCRIPTION_RECHECK_S="0.2") as base:
        admin = await me(base, KEY)
        _, key, key_id = await employee(base, KEY, "Leaving")
        probe = await create(base, KEY, admin, "probe")
        async with socket(base, key) as live:
            await live.subscribe()
            await until_live(live, base, KEY, probe)
            await call(base, KEY, REVOKE, input={"keyId": key_id})
            await asyncio.sleep(0.3)
            await rename(base, KEY, probe, "after the revocation")
            # An error in the stream comes as its last result, then the subscription completes.
            message = await live.receive()
            assert message["type"] == "next"
            assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
            assert (await live.receive())["type"] == "complete"


async def test_document_limits_and_subscription_counts_apply(database_url: str) -> None:
    production = {"CRM_PROFILE": "production", "CRM_MAX_SUBSCRIPTIONS_PER_CONNECTION": "2"}
    with running_server(database_url, **SERVER, **production) as base:
        async with socket(base, KEY) as live:
            await live.subscribe("subscription { __schema { types { name } } }")
            refused = await live.receive()
            assert refused["type"] == "error"
            aliases = " ".join(f"a{n}: kind" for n in range(31))
            await live.subscribe(f"subscription {{ opportunityEvents {{ {aliases} }} }}")
            too_many = await live.receive()
            assert too_many["type"] == "error"
            assert too_many["payload"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        async with socket(base, KEY) as live:
            await live.subscribe()
            await live.subscribe()
            await live.subscribe()
            # The third, over the connection's two, is refused; the two keep running.
            refused = await live.receive()
            assert refused["type"] == "error"
            assert refused["payload"][0]["message"] == "Subscription limit reached"


async def test_a_lost_listener_reconnects_and_tells_its_subscribers_to_refetch(
    database_url: str,
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has no listener connection")
    with running_server(database_url, **SERVER) as base:
        admin = await me(base, KEY)
        probe = await create(base, KEY, admin, "probe")
        async with socket(base, KEY) as live:
            await live.subscribe()
            await until_live(live, base, KEY, probe)
            dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
            conn = await asyncpg.connect(dsn)
            try:
                # Only this test's database: other test processes have their own.
                ended = await conn.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                )
            finally:
                await conn.close()
            assert ended == 1
            refetch = await live.event()
            assert (refetch["kind"], refetch["opportunity"]) == ("REFETCH", None)
            await rename(base, KEY, probe, "after the reconnection")
            event = await live.event()
            assert event["opportunity"]["title"] == "after the reconnection"


async def test_one_key_holds_at_most_its_subscriptions(database_url: str) -> None:
    limits = {"CRM_MAX_SUBSCRIPTIONS_PER_KEY": "2"}
    with running_server(database_url, **SERVER, **limits) as base:
        admin = await me(base, KEY)
        probe = await create(base, KEY, admin, "probe")
        async with socket(base, KEY) as first, socket(base, KEY) as second:
            await first.subscribe()
            await first.subscribe()
            await until_live(first, base, KEY, probe)
            await second.subscribe()
            refused = await second.receive()
            assert refused["type"] == "next"
            assert refused["payload"]["errors"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
