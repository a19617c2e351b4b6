"""Subscriptions against live servers: what a subscriber hears, from either API, and what not."""

from __future__ import annotations

import httpx
import pytest

from tests.ids import (
    opportunity_gid,
    stage_gid,
)
from tests.live_events import (
    DELETE,
    SET_ACCESS,
    WAIT_S,
    call,
    create,
    employee,
    me,
    rename,
    socket,
    until_live,
)
from tests.server import running_server

KEY = "live-updates-admin-key"
SERVER = {"CRM_BOOTSTRAP_API_KEY": KEY}


async def test_a_subscriber_hears_create_update_and_delete_with_the_deal_as_stored(
    database_url: str,
) -> None:
    with running_server(database_url, **SERVER) as base:
        admin = await me(base, KEY)
        probe = await create(base, KEY, admin, "probe")
        async with socket(base, KEY) as live:
            await live.subscribe()
            await until_live(live, base, KEY, probe)

            made = await create(base, KEY, admin, "Pilot")
            created = await live.event()
            assert (created["kind"], created["opportunityId"]) == ("CREATED", opportunity_gid(made))
            assert created["opportunity"]["title"] == "Pilot"
            assert created["version"] == 1

            await rename(base, KEY, made, "Pilot, phase 2")
            updated = await live.event()
            assert (updated["kind"], updated["changed"]) == ("UPDATED", ["title"])
            assert updated["opportunity"]["title"] == "Pilot, phase 2"
            assert updated["version"] == 2

            await call(base, KEY, DELETE, input={"id": made})
            deleted = await live.event()
            assert (deleted["kind"], deleted["opportunityId"]) == ("DELETED", opportunity_gid(made))
            assert deleted["opportunity"] is None
            assert deleted["version"] == 3


async def test_a_legacy_post_reaches_a_graphql_subscriber(database_url: str) -> None:
    with running_server(database_url, **SERVER) as base:
        admin = await me(base, KEY)
        probe = await create(base, KEY, admin, "probe")
        async with socket(base, KEY) as live:
            await live.subscribe()
            await until_live(live, base, KEY, probe)
            body = {"title": "From REST", "responsibleid": admin, "stageid": 1}
            async with httpx.AsyncClient(timeout=WAIT_S) as http:
                answer = await http.post(
                    f"{base}/api/2.0/crm/opportunity",
                    json={**body, "bidCurrencyAbbr": "EUR"},
                    headers={"Authorization": KEY},
                )
            assert answer.status_code == 200, answer.text
            event = await live.event()
            assert event["kind"] == "CREATED"
            assert event["opportunity"]["title"] == "From REST"


async def test_privacy_outsider_hears_nothing_insider_hears_and_losing_access_stops_it(
    database_url: str,
) -> None:
    with running_server(database_url, **SERVER) as base:
        admin = await me(base, KEY)
        insider, insider_key, _ = await employee(base, KEY, "Insider")
        _, outsider_key, _ = await employee(base, KEY, "Outsider")
        colleague, _, _ = await employee(base, KEY, "Colleague")
        probe = await create(base, KEY, admin, "probe")
        async with socket(base, insider_key) as inside, socket(base, outsider_key) as outside:
            await inside.subscribe()
            await outside.subscribe()
            await until_live(inside, base, KEY, probe)
            await until_live(outside, base, KEY, probe)
            await inside.drain()

            secret = await create(base, KEY, admin, "Secret", isPrivate=True, accessList=[insider])
            heard = await inside.event()
            assert (heard["kind"], heard["opportunity"]["title"]) == ("CREATED", "Secret")
            await rename(base, KEY, secret, "Secret, renamed")
            assert (await inside.event())["opportunity"]["title"] == "Secret, renamed"

            # The insider loses access: they hear the id once (it left what they see), then nothing.
            await call(
                base,
                KEY,
                SET_ACCESS,
                input={"id": secret, "isPrivate": True, "accessList": [colleague]},
            )
            gone = await inside.event()
            assert (gone["kind"], gone["opportunityId"], gone["opportunity"]) == (
                "ACCESS_CHANGED",
                opportunity_gid(secret),
                None,
            )
            await rename(base, KEY, secret, "Still secret")
            await call(base, KEY, DELETE, input={"id": secret})
            # A public change after them proves both streams still flow, in order.
            await rename(base, KEY, probe, "public again")
            assert (await inside.event())["opportunityId"] == opportunity_gid(probe)
            assert (await outside.event())["opportunityId"] == opportunity_gid(probe)
            assert await inside.silent(0.3)
            assert await outside.silent(0.3)


async def test_a_filter_as_the_lists_picks_the_events(database_url: str) -> None:
    with running_server(database_url, **SERVER) as base:
        admin = await me(base, KEY)
        probe = await create(base, KEY, admin, "probe", stageId=2)
        async with socket(base, KEY) as live:
            await live.subscribe(filter={"stageId": 2})
            await until_live(live, base, KEY, probe)
            await create(base, KEY, admin, "Elsewhere", stageId=1)
            here = await create(base, KEY, admin, "Here", stageId=2)
            event = await live.event()
            assert (event["opportunityId"], event["opportunity"]["stage"]["id"]) == (
                opportunity_gid(here),
                stage_gid(2),
            )
            assert await live.silent(0.3)


async def test_a_bad_key_is_refused_with_4403(database_url: str) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    with running_server(database_url, **SERVER) as base:
        url = base.replace("http://", "ws://") + "/graphql"
        async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send('{"type": "connection_init", "payload": {"Authorization": "nope"}}')
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4403


STAGE_EVENTS = "subscription { stageEvents { kind stageId version changed stage { title } } }"
CREATE_STAGE = """mutation($input: CreateStageInput!) {
  createStage(input: $input) { stage { id } errors { message } } }"""
RECOLOR = """mutation($input: SetStageColorInput!) {
  setStageColor(input: $input) { stage { id } errors { message } } }"""
DELETE_STAGE = """mutation($input: DeleteStageInput!) {
  deleteStage(input: $input) { errors { message } } }"""


async def test_a_board_hears_its_stages_change(database_url: str) -> None:
    with running_server(database_url, **SERVER) as base:
        _, key, _ = await employee(base, KEY, "Viewer")
        async with socket(base, key) as live:
            await live.subscribe(STAGE_EVENTS)
            for attempt in range(50):  # until the subscription is live
                await call(base, KEY, RECOLOR, input={"id": 1, "color": f"#00000{attempt % 10}"})
                if not await live.silent(0.2):
                    break
            await live.drain()
            made = await call(base, KEY, CREATE_STAGE, input={"title": "Trial", "color": "#123456"})
            stage_id = made["createStage"]["stage"]["id"]
            created = await live.receive()
            assert created["payload"]["data"]["stageEvents"] == {
                "kind": "CREATED",
                "stageId": stage_id,
                "version": 1,
                "changed": [],
                "stage": {"title": "Trial"},
            }
            await call(base, KEY, DELETE_STAGE, input={"id": stage_id})
            deleted = (await live.receive())["payload"]["data"]["stageEvents"]
            assert (deleted["kind"], deleted["stageId"], deleted["stage"]) == (
                "DELETED",
                stage_id,
                None,
            )
