"""Resuming a subscription from a cursor: what was missed, then live, with no gap and no repeat."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import event_log
from app.db.engine import Database
from app.db.event_log import event_log_t
from app.domain.events import EventKind, note
from app.graphql.live_feed import missed
from tests.ids import field_gid, opportunity_gid
from tests.live_events import call, create, employee, me, rename, socket, until_live
from tests.server import running_server

KEY = "live-resume-admin-key"
SERVER = {"CRM_BOOTSTRAP_API_KEY": KEY}
RESUME = """
subscription Resume($after: String) {
  opportunityEvents(after: $after) {
    kind opportunityId version changed cursor opportunity { id title }
  }
}"""


@contextmanager
def servers(database_url: str, **env: str) -> Iterator[list[str]]:
    """Two servers on one database on PostgreSQL (two workers), one on SQLite."""
    count = 1 if database_url.startswith("sqlite") else 2
    with ExitStack() as stack:
        yield [
            stack.enter_context(running_server(database_url, **SERVER, **env)) for _ in range(count)
        ]


async def logged_cursors(database_url: str, after: int) -> list[int]:
    """The opportunity events' cursors the log holds after `after`, in order."""
    db = Database(database_url)
    try:
        async with db.read() as conn:
            found = await conn.execute(
                select(event_log_t.c.id)
                .where(event_log_t.c.id > after, event_log_t.c.entity == "opportunity")
                .order_by(event_log_t.c.id)
            )
            return [int(cursor) for cursor in found.scalars()]
    finally:
        await db.dispose()


async def mark(base: str, probe: int) -> str:
    """A cursor a subscriber received: that of a rename of `probe`."""
    async with socket(base, KEY) as live:
        await live.subscribe(RESUME)
        await until_live(live, base, KEY, probe)
        await rename(base, KEY, probe, "marked")
        event = await live.event()
        assert event["opportunity"]["title"] == "marked"
        return str(event["cursor"])


async def test_a_resumed_subscription_gets_what_it_missed_then_live_events(
    database_url: str,
) -> None:
    with servers(database_url) as bases:
        first, last = bases[0], bases[-1]
        admin = await me(first, KEY)
        probe = await create(first, KEY, admin, "probe")
        cursor = await mark(first, probe)
        # Missed while no one listened: a create on one server, a rename on the other.
        made = await create(last, KEY, admin, "Missed")
        await rename(first, KEY, made, "Missed, renamed")
        async with socket(last, KEY) as again:
            await again.subscribe(RESUME, after=cursor)
            created, renamed = await again.event(), await again.event()
            assert (created["kind"], created["opportunityId"]) == ("CREATED", opportunity_gid(made))
            assert (renamed["kind"], renamed["changed"]) == ("UPDATED", ["title"])
            # Delivered as the deal is now, like a live event.
            assert renamed["opportunity"]["title"] == "Missed, renamed"
            assert int(cursor) < int(created["cursor"]) < int(renamed["cursor"])
            await rename(first, KEY, probe, "live")
            live = await again.event()
            assert (live["opportunityId"], live["opportunity"]["title"]) == (
                opportunity_gid(probe),
                "live",
            )
            assert int(live["cursor"]) > int(renamed["cursor"])
            assert await again.silent(0.3)


async def test_resuming_during_writes_on_every_server_misses_and_repeats_nothing(
    database_url: str,
) -> None:
    with servers(database_url) as bases:
        admin = await me(bases[0], KEY)
        deals = [await create(bases[0], KEY, admin, f"deal {n}") for n in range(2)]
        cursor = await mark(bases[0], deals[0])
        started = asyncio.Event()

        async def writes(deal: int) -> None:
            for n in range(30):
                await rename(bases[n % len(bases)], KEY, deal, f"{deal}: {n}")
                if n == 5:
                    started.set()

        async with socket(bases[-1], KEY, max_queue=None) as live:
            writers = asyncio.gather(*(writes(deal) for deal in deals))
            await started.wait()
            # Resumed while both writers run: the handover from log to live is mid-stream.
            await live.subscribe(RESUME, after=cursor)
            await writers
            expected = await logged_cursors(database_url, int(cursor))
            received: list[int] = []
            while len(received) < len(expected):
                received.append(int((await live.event())["cursor"]))
            assert received == expected
            assert await live.silent(0.5)


async def test_a_change_committed_while_the_replay_reads_is_left_to_the_live_feed(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(database_url)

    async def rename_deal(deal: int) -> None:
        async with db.write() as conn:
            note(conn, EventKind.UPDATED, {"id": deal, "version": 2}, ["title"])

    read_window = event_log.window

    async def window_after_a_commit(conn: AsyncConnection) -> tuple[int, int] | None:
        await rename_deal(3)  # lands between the replay's two reads
        return await read_window(conn)

    try:
        await rename_deal(1)
        await rename_deal(2)
        first, second = await logged_cursors(database_url, 0)
        monkeypatch.setattr(event_log, "window", window_after_a_commit)
        replay, accounted_for = await missed(db, first, ["opportunity"], 100)
        monkeypatch.undo()
        *_, third = await logged_cursors(database_url, 0)
    finally:
        await db.dispose()
    assert [(event.cursor, event.opportunity_id) for event in replay] == [(second, 2)]
    # The live feed yields what comes after the replay: the third change is not skipped.
    assert accounted_for == second < third


async def test_a_cursor_older_than_the_window_gets_one_refetch(database_url: str) -> None:
    with servers(database_url, CRM_EVENT_LOG_SIZE="3") as bases:
        admin = await me(bases[0], KEY)
        probe = await create(bases[0], KEY, admin, "probe")
        cursor = await mark(bases[0], probe)
        for n in range(5):
            await rename(bases[0], KEY, probe, f"missed {n}")
        async with socket(bases[-1], KEY) as again:
            await again.subscribe(RESUME, after=cursor)
            refetch = await again.event()
            assert (refetch["kind"], refetch["opportunity"]) == ("REFETCH", None)
            assert int(refetch["cursor"]) == (await logged_cursors(database_url, 0))[-1]
            assert await again.silent(0.3)
            await rename(bases[0], KEY, probe, "live")
            live = await again.event()
            assert (live["kind"], int(live["cursor"])) == ("UPDATED", int(refetch["cursor"]) + 1)
        # From the refetch's cursor on, nothing is missed: no second refetch.
        async with socket(bases[-1], KEY) as latest:
            await latest.subscribe(RESUME, after=refetch["cursor"])
            assert (await latest.event())["opportunity"]["title"] == "live"
            assert await latest.silent(0.3)


async def test_a_replay_shows_a_private_deal_only_to_those_who_may_see_it(
    database_url: str,
) -> None:
    with servers(database_url) as bases:
        admin = await me(bases[0], KEY)
        insider, insider_key, _ = await employee(bases[0], KEY, "Insider")
        _, outsider_key, _ = await employee(bases[0], KEY, "Outsider")
        probe = await create(bases[0], KEY, admin, "probe")
        cursor = await mark(bases[0], probe)
        secret = await create(bases[0], KEY, admin, "Secret", isPrivate=True, accessList=[insider])
        await rename(bases[0], KEY, probe, "public")
        heard: dict[str, list[str]] = {}
        for who, key in (("insider", insider_key), ("outsider", outsider_key)):
            async with socket(bases[-1], key) as again:
                await again.subscribe(RESUME, after=cursor)
                heard[who] = [(await again.event())["opportunityId"]]
                with contextlib.suppress(TimeoutError):
                    while True:
                        heard[who].append((await again.event(within=0.5))["opportunityId"])
        secret_gid, probe_gid = opportunity_gid(secret), opportunity_gid(probe)
        assert heard == {"insider": [secret_gid, probe_gid], "outsider": [probe_gid]}


async def test_a_cursor_not_handed_out_is_refused(database_url: str) -> None:
    with servers(database_url) as bases:
        async with socket(bases[0], KEY) as live:
            await live.subscribe(RESUME, after="not a cursor")
            message = await live.receive()
            assert message["type"] == "next"
            assert message["payload"]["errors"][0]["extensions"]["code"] == "INVALID"


FIELD_EVENTS = """subscription($after: String) {
  customFieldEvents(after: $after) { kind fieldId version changed cursor field { label position } }
}"""
CREATE_FIELD = """mutation($input: CreateCustomFieldDefinitionInput!) {
  createCustomFieldDefinition(input: $input) {
    customFieldDefinition { databaseId } errors { message } } }"""
UPDATE_FIELD = """mutation($input: UpdateCustomFieldDefinitionInput!) {
  updateCustomFieldDefinition(input: $input) { errors { message } } }"""
REORDER_FIELDS = """mutation($input: ReorderCustomFieldDefinitionsInput!) {
  reorderCustomFieldDefinitions(input: $input) { errors { message } } }"""
DELETE_FIELD = """mutation($input: DeleteCustomFieldDefinitionInput!) {
  deleteCustomFieldDefinition(input: $input) { errors { message } } }"""


async def test_a_board_hears_its_custom_fields_change_and_resumes_them(database_url: str) -> None:
    with servers(database_url) as bases:
        _, viewer_key, _ = await employee(bases[0], KEY, "Viewer")

        async def new_field(label: str) -> int:
            made = await call(bases[0], KEY, CREATE_FIELD, input={"label": label})
            return int(made["createCustomFieldDefinition"]["customFieldDefinition"]["databaseId"])

        async with socket(bases[-1], viewer_key) as live:
            await live.subscribe(FIELD_EVENTS)
            for _ in range(50):  # until the subscription is live
                await new_field("probe")
                if not await live.silent(0.2):
                    break
            await live.drain()
            budget = await new_field("Budget")
            created = (await live.receive())["payload"]["data"]["customFieldEvents"]
            assert (created["kind"], created["fieldId"]) == ("CREATED", field_gid(budget))
            assert created["field"]["label"] == "Budget"
            update = {"id": budget, "label": "Budget (EUR)", "fieldType": "TEXT_FIELD"}
            await call(bases[0], KEY, UPDATE_FIELD, input=update)
            await call(bases[0], KEY, REORDER_FIELDS, input={"ids": [budget]})
            await call(bases[0], KEY, DELETE_FIELD, input={"id": budget})
            rest = [
                (await live.receive())["payload"]["data"]["customFieldEvents"] for _ in range(3)
            ]
            assert [(e["kind"], e["changed"]) for e in rest] == [
                ("UPDATED", ["fieldType", "label", "mask"]),
                ("UPDATED", ["position"]),
                ("DELETED", []),
            ]
            assert rest[0]["field"]["label"] == "Budget (EUR)"
            assert [e["version"] for e in rest] == [2, 3, 4]
        # Resumed after the create: the same three, in order.
        async with socket(bases[0], viewer_key) as again:
            await again.subscribe(FIELD_EVENTS, after=created["cursor"])
            replayed = [
                (await again.receive())["payload"]["data"]["customFieldEvents"] for _ in range(3)
            ]
            assert [e["cursor"] for e in replayed] == [e["cursor"] for e in rest]
