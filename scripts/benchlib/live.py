"""scripts/bench --live: live updates measured on a real server, on SQLite and PostgreSQL.

- Delivery: 100 subscribers (graphql-transport-ws) hear a burst of renames made 4 at a time:
  events per second delivered (all subscribers together, first write to last delivery); then
  renames paced at 2 per second: the latency of each delivery from the event's log write (just
  before its commit) to its arrival, p50 and p99.
- Memory: a subscriber that stops reading while large events are sent; the service's RSS
  before, at its peak and after that subscriber is closed (its buffers are bounded).
- On PostgreSQL, creates per second with 2 workers (every create writes its event log row and
  NOTIFY), 16 at a time.

Everything runs on 127.0.0.1, bounded in count and time; every process started is stopped.
Writes var/bench/live.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect

from app.db.engine import Database
from app.db.event_log import event_log_t
from scripts.benchlib.run import DEFAULT_POSTGRES_URL, postgres_reachable
from scripts.benchlib.scale_measure import rss_kib
from scripts.benchlib.seed import Dataset, recreate_postgres, seed, sqlite_url
from scripts.benchlib.servers import ROOT, Server, Servers

OUT = ROOT / "var" / "bench"
EVENTS = "subscription { opportunityEvents { kind cursor opportunity { id title } } }"
RENAME = """mutation($input: UpdateOpportunityInput!) {
  updateOpportunity(input: $input) { errors { message } } }"""
CREATE = """mutation($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) { opportunity { id } errors { message } } }"""
LIMITS = {"CRM_MAX_SUBSCRIPTIONS_PER_KEY": "1000", "CRM_MAX_CONNECTIONS_PER_CLIENT": "1000"}
WAIT_S = 60.0


async def graphql(http: httpx.AsyncClient, key: str, query: str, **variables: Any) -> Any:
    answer = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"Authorization": key}
    )
    body = answer.json()
    assert "errors" not in body, body
    return body["data"]


async def subscriber(base: str, key: str, query: str, max_queue: int | None) -> ClientConnection:
    ws = await connect(
        base.replace("http://", "ws://") + "/graphql",
        max_queue=max_queue,
        subprotocols=["graphql-transport-ws"],
        ping_interval=None,
        # Uncompressed: a stalled subscriber's events fill the socket's buffers in a few.
        compression=None,
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": key}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
    return ws


async def heard(ws: ClientConnection, count: int) -> list[tuple[int, float]]:
    """The cursors of `count` events and when each arrived (wall clock, as the log's)."""
    got = []
    while len(got) < count:
        message = json.loads(await asyncio.wait_for(ws.recv(), WAIT_S))
        if message["type"] == "next":
            assert message["payload"].get("data"), message
            got.append(
                (int(message["payload"]["data"]["opportunityEvents"]["cursor"]), time.time())
            )
    return got


async def until_all_live(
    sockets: list[ClientConnection], http: httpx.AsyncClient, key: str, deal: int
) -> None:
    """Rename `deal` until every subscriber hears it, then read off what is left."""
    for attempt in range(100):
        await graphql(http, key, RENAME, input={"id": deal, "title": f"warm {attempt}"})
        await asyncio.sleep(0.2)
        try:
            await asyncio.gather(*(heard(ws, 1) for ws in sockets))
            break
        except TimeoutError:
            continue
    for ws in sockets:
        while True:
            try:
                await asyncio.wait_for(ws.recv(), 0.3)
            except TimeoutError:
                break


async def written_at(url: str, cursors: set[int]) -> dict[int, float]:
    db = Database(url)
    try:
        async with db.read() as conn:
            rows = await conn.execute(
                select(event_log_t.c.id, event_log_t.c.created_at).where(
                    event_log_t.c.id >= min(cursors), event_log_t.c.id <= max(cursors)
                )
            )
            return {int(row.id): row.created_at.timestamp() for row in rows}
    finally:
        await db.dispose()


async def delivery(
    base: str, data: Dataset, subscribers: int, renames: int, paced: int
) -> dict[str, Any]:
    """Events per second to `subscribers` under a burst, and latency at a paced rate."""
    key, deals = data.admin_key, data.opportunity_ids
    async with httpx.AsyncClient(base_url=base, timeout=WAIT_S) as http:
        sockets = [await subscriber(base, key, EVENTS, None) for _ in range(subscribers)]
        try:
            await until_all_live(sockets, http, key, deals[0])
            # The burst: renames 4 at a time, as fast as the service takes them.
            listening = [asyncio.ensure_future(heard(ws, renames)) for ws in sockets]
            started = time.time()
            queue = list(range(renames))

            async def writer(pause: float = 0.0) -> None:
                while queue:
                    n = queue.pop()
                    values = {"id": deals[n % len(deals)], "title": f"bench {n}"}
                    await graphql(http, key, RENAME, input=values)
                    await asyncio.sleep(pause)

            await asyncio.gather(*(writer() for _ in range(4)))
            burst = [each for got in await asyncio.gather(*listening) for each in got]
            # Paced: one rename every 0.5 s, which the subscribers keep up with.
            listening = [asyncio.ensure_future(heard(ws, paced)) for ws in sockets]
            queue = list(range(paced))
            await writer(0.5)
            steady = [each for got in await asyncio.gather(*listening) for each in got]
        finally:
            for ws in sockets:
                await ws.close()
    logged = await written_at(data.url, {cursor for cursor, _ in burst + steady})
    burst_ms = sorted((at - logged[cursor]) * 1000 for cursor, at in burst)
    steady_ms = sorted((at - logged[cursor]) * 1000 for cursor, at in steady)
    return {
        "subscribers": subscribers,
        "burst_events": renames,
        "deliveries": len(burst),
        "events_per_s": round(len(burst) / (max(at for _, at in burst) - started), 1),
        "burst_latency_ms_p50": round(statistics.median(burst_ms), 1),
        "paced_events": paced,
        "latency_ms_p50": round(statistics.median(steady_ms), 1),
        "latency_ms_p99": round(steady_ms[int(len(steady_ms) * 0.99) - 1], 1),
    }


async def slow_subscriber_memory(base: str, pid: int, data: Dataset) -> dict[str, Any]:
    """RSS while a subscriber that reads nothing is sent large events until it is closed."""
    key, deal = data.admin_key, data.opportunity_ids[0]
    copies = " ".join(f"d{n}: opportunity {{ description }}" for n in range(20))
    before = rss_kib(pid)
    stalled = await subscriber(base, key, f"subscription {{ opportunityEvents {{ {copies} }} }}", 1)
    peak, updates = before, 150
    async with httpx.AsyncClient(base_url=base, timeout=WAIT_S) as http:
        for n in range(updates):
            text = f"{n} {secrets.token_urlsafe(15_000)}"
            await graphql(http, key, RENAME, input={"id": deal, "description": text})
            peak = max(peak, rss_kib(pid))
        for _ in range(50):  # past the send timeout
            await asyncio.sleep(0.1)
            peak = max(peak, rss_kib(pid))
    closed = stalled.close_code is not None or await _drained_to_close(stalled)
    return {
        "updates": updates,
        "event_kib": 20 * 20,
        "rss_kib_before": before,
        "rss_kib_peak": peak,
        "rss_kib_after": rss_kib(pid),
        "slow_subscriber_closed": closed,
    }


async def _drained_to_close(ws: ClientConnection) -> bool:
    try:
        while True:
            await asyncio.wait_for(ws.recv(), 5)
    except TimeoutError:
        return False
    except Exception:  # the connection closed: what the server does to a slow subscriber
        return True


async def creates_per_second(base: str, data: Dataset, seconds: float) -> float:
    """Creates per second, 16 at a time, for `seconds`."""
    values = {
        "title": "bench",
        "responsibleId": str(data.admin_id),
        "stageId": 1,
        "bidCurrencyAbbr": "EUR",
    }
    done, deadline = 0, time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base, timeout=WAIT_S) as http:

        async def client() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                await graphql(http, data.admin_key, CREATE, input=values)
                done += 1

        await asyncio.gather(*(client() for _ in range(16)))
    return round(done / seconds, 1)


def run_backend(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    data = asyncio.run(seed(url, opportunities=200, contacts=20))
    found: dict[str, Any] = {}
    logs = OUT / "live-logs"
    slow = {"CRM_SUBSCRIPTION_SEND_TIMEOUT_S": "2"}
    with Servers([Server(f"{name}-live", *_service(url, logs, {**LIMITS, **slow}))]) as servers:
        server = servers[f"{name}-live"]
        found["delivery"] = asyncio.run(
            delivery(server.base_url, data, args.subscribers, args.events, args.paced)
        )
        print(f"  {name}: {found['delivery']}", flush=True)
        found["slow_subscriber"] = asyncio.run(
            slow_subscriber_memory(server.base_url, server.pid, data)
        )
        print(f"  {name}: {found['slow_subscriber']}", flush=True)
    if name == "postgresql":
        with Servers(
            [Server(f"{name}-creates", *_service(url, logs, LIMITS, workers=2))]
        ) as servers:
            rate = asyncio.run(creates_per_second(servers[f"{name}-creates"].base_url, data, 10))
            found["creates_per_s_2_workers"] = rate
            print(f"  {name}: creates/s with 2 workers: {rate}", flush=True)
    return found


def _service(url: str, logs: Path, env: dict[str, str], workers: int = 1) -> tuple[Any, ...]:
    made = Server.service("x", url, logs, workers=workers)
    return (made.argv, {**made.env, **env}, logs, made.port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench --live", description=__doc__)
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--events", type=int, default=100, help="renames of the burst")
    parser.add_argument("--paced", type=int, default=30, help="renames at 2 per second")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--postgres-url", default=DEFAULT_POSTGRES_URL.replace("crm_bench", "crm_bench_live")
    )
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    if not args.skip_sqlite:
        results["sqlite"] = run_backend("sqlite", sqlite_url(OUT / "live" / "crm.sqlite3"), args)
    if not args.skip_postgres:
        if (why := postgres_reachable(args.postgres_url)) is not None:
            print(f"  PostgreSQL skipped: {why}", file=sys.stderr)
        else:
            asyncio.run(recreate_postgres(args.postgres_url))
            results["postgresql"] = run_backend("postgresql", args.postgres_url, args)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "live.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
