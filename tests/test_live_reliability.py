"""Against a real uvicorn process: 200 concurrent creates, and SIGKILL in the middle of a stream."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.db import models
from app.db.engine import Database
from tests.server import free_port, running_server, start_server, stop_server

KEY = "live-bootstrap-key"
CREATE = """
mutation Create($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) { errors { code message } opportunity { databaseId } }
}
"""
SETUP = """
mutation {
  acme: createContact(input: {companyName: "Acme"}) { contact { id } }
  ann: createContact(input: {firstName: "Ann", lastName: "Lee"}) { contact { id } }
  source: createCustomFieldDefinition(input: {label: "Source"}) { customFieldDefinition { id } }
  budget: createCustomFieldDefinition(input: {label: "Budget"}) { customFieldDefinition { id } }
}
"""


async def graphql(
    http: httpx.AsyncClient, base: str, query: str, **variables: Any
) -> httpx.Response:
    return await http.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": KEY},
    )


async def prepare(http: httpx.AsyncClient, base: str) -> dict[str, Any]:
    me = (await graphql(http, base, "{ me { id } }")).json()["data"]["me"]["id"]
    made = (await graphql(http, base, SETUP)).json()["data"]
    return {
        "title": "Concurrent",
        "responsibleId": me,
        "stageId": 3,
        "bidCurrencyAbbr": "EUR",
        "contactId": made["acme"]["contact"]["id"],
        "members": [made["ann"]["contact"]["id"]],
        "customFields": [
            {"fieldId": made["source"]["customFieldDefinition"]["id"], "value": "web"},
            {"fieldId": made["budget"]["customFieldDefinition"]["id"], "value": "10k"},
        ],
    }


async def create_until_done(http: httpx.AsyncClient, base: str, input_: dict[str, Any]) -> int:
    """One create, retried after every 503 as its Retry-After says; returns the new id."""
    for _ in range(50):
        response = await graphql(http, base, CREATE, input=input_)
        assert response.status_code in (200, 503), response.text
        assert "locked" not in response.text
        if response.status_code == 503:
            assert response.headers["retry-after"]
            await asyncio.sleep(float(response.headers["retry-after"]) / 10)
            continue
        body = response.json()
        assert "errors" not in body, body
        assert body["data"]["createOpportunity"]["errors"] == []
        return int(body["data"]["createOpportunity"]["opportunity"]["databaseId"])
    raise AssertionError("never got through")


async def completeness(database_url: str) -> dict[int, tuple[int, int]]:
    """(members, custom-field values) per opportunity."""
    db = Database(database_url)

    async def counts(conn: Any, owner: Any) -> dict[int, int]:
        rows = await conn.execute(select(owner, func.count()).group_by(owner))
        return {row[0]: row[1] for row in rows}

    try:
        async with db.read() as conn:
            deals = (await conn.execute(select(models.opportunity_t.c.id))).scalars().all()
            members = await counts(conn, models.member_t.c.opportunity_id)
            values = await counts(conn, models.field_value_t.c.opportunity_id)
    finally:
        await db.dispose()
    return {deal: (members.get(deal, 0), values.get(deal, 0)) for deal in deals}


async def test_200_concurrent_creates_all_land_complete(database_url: str) -> None:
    workers = "1" if database_url.startswith("sqlite") else "2"
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    # 200 connections from one address: more than the per-client bound of a worker allows.
    with running_server(
        database_url,
        CRM_BOOTSTRAP_API_KEY=KEY,
        CRM_WORKERS=workers,
        CRM_MAX_CONNECTIONS_PER_CLIENT="256",
    ) as base:
        async with httpx.AsyncClient(limits=limits, timeout=60) as http:
            input_ = await prepare(http, base)
            ids = await asyncio.gather(*(create_until_done(http, base, input_) for _ in range(200)))

    assert len(set(ids)) == 200
    stored = await completeness(database_url)
    assert len(stored) == 200
    assert set(stored.values()) == {(2, 2)}


async def _stream(
    base: str, input_: dict[str, Any], stop: asyncio.Event, acknowledged: list[int]
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        while not stop.is_set():
            try:
                response = await graphql(http, base, CREATE, input=input_)
            except httpx.TransportError:
                return  # the server died mid-request: not acknowledged
            payload = (
                response.json()["data"]["createOpportunity"]
                if response.status_code == 200
                else None
            )
            if payload and not payload["errors"]:
                acknowledged.append(int(payload["opportunity"]["databaseId"]))


async def _crash_round(
    database_url: str, input_: dict[str, Any] | None, acknowledged: list[int], seconds: float
) -> dict[str, Any]:
    """Serve a stream of creates from four clients, then SIGKILL the server mid-stream."""
    process, base = start_server(database_url, free_port(), CRM_BOOTSTRAP_API_KEY=KEY)
    if input_ is None:
        async with httpx.AsyncClient() as http:
            input_ = await prepare(http, base)
    stop = asyncio.Event()
    writers = [asyncio.create_task(_stream(base, input_, stop, acknowledged)) for _ in range(4)]
    await asyncio.sleep(seconds)
    process.send_signal(signal.SIGKILL)
    process.wait()
    stop.set()
    await asyncio.gather(*writers)
    stop_server(process)
    return input_


def test_acknowledged_creates_survive_sigkill(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the crash test checks SQLite's durability (WAL, synchronous=FULL)")
    path = make_url(database_url).database
    acknowledged: list[int] = []
    input_: dict[str, Any] | None = None

    for index in range(4):
        before = len(acknowledged)
        input_ = asyncio.run(_crash_round(database_url, input_, acknowledged, 0.6 + 0.2 * index))
        assert len(acknowledged) > before, "no create got through before the kill"

        # then, after a restart: every acknowledged create is there and complete, none partial
        with running_server(database_url, CRM_BOOTSTRAP_API_KEY=KEY):
            stored = asyncio.run(completeness(database_url))
        assert set(acknowledged) <= set(stored), "an acknowledged create was lost"
        assert set(stored.values()) <= {(2, 2)}, "a partial opportunity exists"
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
