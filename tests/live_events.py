"""A graphql-transport-ws client for tests, and GraphQL calls against a live server."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.client import ClientProtocol
from websockets.frames import Opcode
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from tests.ids import (
    opportunity_gid,
)

WAIT_S = 10.0
EVENTS = """
subscription Events($filter: OpportunityFilter) {
  opportunityEvents(filter: $filter) {
    kind opportunityId version changed cursor
    opportunity { id title stage { id } isPrivate }
  }
}"""
_ids = itertools.count(1)


class Socket:
    """One graphql-transport-ws connection."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def subscribe(self, query: str = EVENTS, **variables: Any) -> str:
        """Start a subscription; returns its id."""
        sub_id = str(next(_ids))
        message = {"query": query, "variables": variables}
        await self.send({"id": sub_id, "type": "subscribe", "payload": message})
        return sub_id

    async def send(self, message: dict[str, Any]) -> None:
        """Send one protocol message."""
        await self.ws.send(json.dumps(message))

    async def receive(self, within: float = WAIT_S) -> dict[str, Any]:
        """The next protocol message; fails after `within` seconds."""
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), within))
        return message

    async def event(self, within: float = WAIT_S) -> dict[str, Any]:
        """The next subscription event's data (pongs skipped); fails on anything else."""
        while True:
            message = await self.receive(within)
            if message["type"] == "next":
                assert "errors" not in message["payload"], message
                event: dict[str, Any] = message["payload"]["data"]["opportunityEvents"]
                return event
            assert message["type"] == "pong", message

    async def drain(self) -> None:
        """Read off whatever arrives until nothing has for half a second."""
        while not await self.silent(0.5):
            pass

    async def silent(self, seconds: float) -> bool:
        """Whether nothing arrives for `seconds`."""
        try:
            await asyncio.wait_for(self.ws.recv(), seconds)
        except TimeoutError:
            return True
        return False


@asynccontextmanager
async def socket(base: str, key: str, *, max_queue: int | None = 16) -> AsyncIterator[Socket]:
    """A connection to /graphql, initialised with `key`."""
    url = base.replace("http://", "ws://") + "/graphql"
    async with connect(
        url,
        subprotocols=["graphql-transport-ws"],
        open_timeout=WAIT_S,
        max_queue=max_queue,
        # A test that writes for long without reading would miss its own pongs: no pings.
        ping_interval=None,
    ) as ws:
        live = Socket(ws)
        await live.send({"type": "connection_init", "payload": {"Authorization": key}})
        assert (await live.receive())["type"] == "connection_ack"
        yield live


async def call(base: str, key: str, query: str, **variables: Any) -> Any:
    """A GraphQL call over HTTP; its data, failing on top-level errors or user errors."""
    async with httpx.AsyncClient(timeout=WAIT_S) as http:
        response = await http.post(
            f"{base}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": key},
        )
    body = response.json()
    assert "errors" not in body, body
    for payload in body["data"].values():
        assert not (isinstance(payload, dict) and payload.get("errors")), body
    return body["data"]


CREATE = """mutation($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) { opportunity { databaseId version } errors { message } } }"""
UPDATE = """mutation($input: UpdateOpportunityInput!) {
  updateOpportunity(input: $input) { opportunity { id version } errors { message } } }"""
SET_ACCESS = """mutation($input: SetOpportunityAccessInput!) {
  setOpportunityAccess(input: $input) { opportunity { id } errors { message } } }"""
DELETE = """mutation($input: DeleteOpportunityInput!) {
  deleteOpportunity(input: $input) { errors { message } } }"""
NEW_EMPLOYEE = """mutation($input: CreateEmployeeInput!) {
  createEmployee(input: $input) { employee { id } apiKey keyId errors { message } } }"""


async def me(base: str, key: str) -> str:
    """The caller's employee UUID (databaseId: the legacy routes take it, GraphQL too)."""
    return str((await call(base, key, "{ me { databaseId } }"))["me"]["databaseId"])


async def create(base: str, key: str, responsible: str, title: str, **more: Any) -> int:
    """A new deal's databaseId (id arguments take it as they take the global id)."""
    values = {"title": title, "responsibleId": responsible, "stageId": 1, "bidCurrencyAbbr": "EUR"}
    data = await call(base, key, CREATE, input={**values, **more})
    return int(data["createOpportunity"]["opportunity"]["databaseId"])


async def rename(base: str, key: str, opportunity_id: int, title: str) -> None:
    """Give a deal another title."""
    await call(base, key, UPDATE, input={"id": opportunity_id, "title": title})


async def employee(base: str, key: str, name: str) -> tuple[str, str, int]:
    """A new (non-admin) employee: its id, API key and key id."""
    made = (await call(base, key, NEW_EMPLOYEE, input={"displayName": name}))["createEmployee"]
    return str(made["employee"]["id"]), str(made["apiKey"]), int(made["keyId"])


async def until_live(live: Socket, base: str, key: str, probe: int) -> None:
    """Rename `probe` until the subscription reports it: from then on it hears every change."""
    for attempt in range(50):
        await rename(base, key, probe, f"probe {attempt}")
        try:
            event = await live.event(within=0.2)
        except TimeoutError:
            continue
        assert event["opportunityId"] == opportunity_gid(probe)
        # Later renames' events may still arrive: read them off before the test goes on.
        await live.drain()
        return
    raise AssertionError("the subscription never became live")


class StalledSubscriber:
    """A subscriber on a raw socket that, once subscribed, reads nothing until told to."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.protocol: ClientProtocol | None = None

    async def start(self, base: str, key: str, query: str) -> None:
        """Open, initialise and subscribe; returns once the connection is acknowledged."""
        url = base.replace("http://", "ws://") + "/graphql"
        self.protocol = ClientProtocol(
            parse_uri(url), subprotocols=[Subprotocol("graphql-transport-ws")]
        )
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        await self._until(
            lambda: (
                self.protocol is not None
                and self.protocol.handshake_exc is None
                and self.protocol.state.name == "OPEN"
            )
        )
        self._send({"type": "connection_init", "payload": {"Authorization": key}})
        texts: list[str] = []
        await self._until(lambda: any("connection_ack" in t for t in texts), texts)
        self._send({"id": "slow", "type": "subscribe", "payload": {"query": query}})

    def _send(self, message: dict[str, Any]) -> None:
        assert self.protocol is not None
        self.protocol.send_text(json.dumps(message).encode())
        self._flush()

    def _flush(self) -> None:
        assert self.protocol is not None
        self.writer.write(b"".join(self.protocol.data_to_send()))

    async def _until(self, done: Any, texts: list[str] | None = None) -> None:
        assert self.protocol is not None
        while not done():
            data = await asyncio.wait_for(self.reader.read(65536), WAIT_S)
            assert data, "the server closed the connection"
            self.protocol.receive_data(data)
            for event in self.protocol.events_received():
                if texts is not None and getattr(event, "opcode", None) is Opcode.TEXT:
                    texts.append(bytes(event.data).decode())  # type: ignore[union-attr]

    async def read_to_end(self) -> tuple[int, bool]:
        """Read everything now: how many events had been sent, and whether it was closed."""
        assert self.protocol is not None
        events, closed = 0, False
        while True:
            try:
                data = await asyncio.wait_for(self.reader.read(1 << 20), WAIT_S)
            except TimeoutError:
                return events, closed
            if not data:
                return events, True
            self.protocol.receive_data(data)
            for event in self.protocol.events_received():
                opcode = getattr(event, "opcode", None)
                events += opcode is Opcode.TEXT and b'"next"' in bytes(event.data)  # type: ignore[union-attr]
                closed = closed or opcode is Opcode.CLOSE
            self._flush()


async def stalled_subscriber(base: str, key: str, query: str) -> StalledSubscriber:
    """A StalledSubscriber to `query`, with a small receive buffer."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port), limit=65536)
    stalled = StalledSubscriber(reader, writer)
    await stalled.start(base, key, query)
    return stalled
