"""`scripts/bench --scale`: how page-sized requests grow from 10k to 1M deals.

For each back end and size: a cached database (scale_seed), a real server (`python -m app
serve`, one worker) and every request of scale_requests timed one after another, as the
ordinary user and, where privacy changes the SQL, as an administrator. Then, at the largest
size, the plan of every statement of each request that grew more than 2x. Writes
var/bench/scale.json and var/bench/scale.png.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import sys
import time
import traceback
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from scripts.benchlib import scale_plans, scale_report, scale_seed
from scripts.benchlib.run import git_commit, terminating_as_interrupt
from scripts.benchlib.scale_load import asyncpg_dsn
from scripts.benchlib.scale_measure import Timing, landmarks, measure, rss_kib
from scripts.benchlib.scale_requests import Request, catalogue
from scripts.benchlib.servers import ROOT, Server, Servers

OUT = ROOT / "var" / "bench"
DEFAULT_POSTGRES_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432"


def options(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench --scale",
        description="Time page-sized requests at 10k and 1M deals on SQLite and PostgreSQL; "
        "print the growth and the plans of what grows; write var/bench/scale.json and .png.",
        epilog="Each database is seeded once (20 employees, a contact per 5 deals, 2.5 members "
        "a deal, 30% of deals with custom-field values, 10% private) and cached under "
        "var/bench/scale/ or as a crm_scale_bench_* PostgreSQL database. Every request (each "
        "orderBy both ways, each filter, deep cursors, counts, detail, creates, legacy pages) "
        "is sent as an ordinary user, some as an admin too: 2 warm-ups, then until 15 sends or "
        "10 s (at least 3). A request growing more than 2x gets the plan of each of its "
        "statements at the largest size.",
    )
    parser.add_argument("--sizes", default="10000,1000000", help="deal counts (10000,1000000)")
    parser.add_argument("--skip-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--only", help="run only the requests whose name, with its '(user)' or '(admin)', has this"
    )
    parser.add_argument("--reseed", action="store_true", help="seed again even when cached")
    parser.add_argument(
        "--postgres-server",
        default=os.environ.get("BENCH_POSTGRES_SERVER", DEFAULT_POSTGRES_SERVER),
        help="PostgreSQL server to hold the crm_scale_bench_* databases",
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=120.0,
        help="the service's CRM_REQUEST_TIMEOUT_S: long enough to measure slow requests",
    )
    args = parser.parse_args(argv)
    args.sizes = sorted(int(size) for size in args.sizes.split(","))
    return args


def roles(request: Request, data: scale_seed.ScaleDataset) -> list[tuple[str, str]]:
    """(role, API key) pairs a request is sent with."""
    found = [("user", data.user_key)]
    if request.admin_too:
        found.append(("admin", data.admin_key))
    return found


def service(backend: str, data: scale_seed.ScaleDataset, args: argparse.Namespace) -> Server:
    """The service on the cached database, not migrating or seeding at start."""
    server = Server.service(f"scale-{backend}-{data.size}", data.url, OUT / "scale-logs")
    # The cache is at the migration head already; a start-up seed must not change it.
    server.env["CRM_MIGRATE_ON_START"] = "false"
    server.env["CRM_REQUEST_TIMEOUT_S"] = str(args.request_timeout)
    return server


def _print(backend: str, size: int, name: str, timing: Timing) -> None:
    flag = f"  !!! {timing.error}" if timing.error else ""
    print(
        f"    {backend} {size:>9,} {name:<58} {timing.median:>10,.1f} ms"
        f"  p90 {timing.p90:>10,.1f}  n={len(timing.samples_ms):<2} items={timing.items}{flag}",
        flush=True,
    )


def measure_sizes(
    backend: str,
    datasets: list[scale_seed.ScaleDataset],
    args: argparse.Namespace,
    found: dict[str, Any],
) -> list[Request]:
    """Serve every size at once and time each request at each size in turn; read memory.

    Sizes take turns request by request, so that other work on the shared machine weighs on
    both sides of a growth ratio alike. Returns the requests of the largest size.
    """
    servers = [service(backend, data, args) for data in datasets]
    with Servers(servers), ExitStack() as stack:
        timeout = httpx.Timeout(args.request_timeout * 2)
        clients = [
            stack.enter_context(httpx.Client(base_url=server.base_url, timeout=timeout))
            for server in servers
        ]
        catalogues = [
            catalogue(data, landmarks(client, data.user_key))
            for data, client in zip(datasets, clients, strict=True)
        ]
        for same_request in zip(*catalogues, strict=True):
            for role_index, (role, _key) in enumerate(roles(same_request[0], datasets[0])):
                name = f"{same_request[0].name} ({role})"
                if args.only and args.only not in name:
                    continue
                for data, client, request in zip(datasets, clients, same_request, strict=True):
                    timing = measure(client, request, roles(request, data)[role_index][1])
                    found["requests"].setdefault(name, {})[data.size] = timing.as_dict()
                    _print(backend, data.size, name, timing)
        for data, server in zip(datasets, servers, strict=True):
            found["rss_kib"][data.size] = rss_kib(server.pid)
            print(f"    {backend} {data.size:,}: service RSS {found['rss_kib'][data.size]:,} KiB")
        # Other work on the shared machine shows in the figures: say how busy it was.
        found["load_average"] = os.getloadavg()
    return catalogues[-1]


def run_backend(backend: str, args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Every size of one back end, then the plans of what grew."""
    found: dict[str, Any] = {"datasets": {}, "rss_kib": {}, "requests": {}, "plans": {}}
    results["backends"][backend] = found
    datasets = []
    try:
        for size in args.sizes:
            data = scale_seed.dataset(backend, size, args.postgres_server, reseed=args.reseed)
            datasets.append(data)
            found["datasets"][size] = data.summary()
        requests = measure_sizes(backend, datasets, args, found)
        if len(datasets) > 1:
            explain_growing(backend, datasets[-1], requests, args, found)
    finally:
        for data in datasets:
            asyncio.run(scale_seed.forget_created(data))


def explain_growing(
    backend: str,
    data: scale_seed.ScaleDataset,
    requests: list[Request],
    args: argparse.Namespace,
    found: dict[str, Any],
) -> None:
    """The statements and plans, at the largest size, of each request that grew > 2x."""
    for request in requests:
        for role, key in roles(request, data):
            name = f"{request.name} ({role})"
            grown = scale_report.growth(found["requests"].get(name, {}))
            if grown is None or grown <= scale_report.TARGET_GROWTH:
                continue
            print(f"    {backend} plans: {name} ({grown:,.1f}x)", flush=True)
            statements = scale_plans.plans(data.url, request, key, args.request_timeout)
            found["plans"][name] = [s.as_dict() for s in statements]


def machine() -> dict[str, Any]:
    """Where the figures come from."""
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    memory = next(line.split()[1] for line in meminfo if line.startswith("MemTotal:"))
    return {
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "memory_kib": int(memory),
        "sqlite": sqlite3.sqlite_version,
        "load_average": os.getloadavg(),
    }


async def postgres_version(server: str) -> str:
    """The PostgreSQL server's version string."""
    conn = await asyncpg.connect(asyncpg_dsn(f"{server.rstrip('/')}/postgres"))
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> int:
    """Run the scale benchmark; non-zero when a request failed or the run stopped."""
    args = options(argv)
    started = time.monotonic()
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "sizes": args.sizes,
        "only": args.only,
        "backends": {},
    }
    backends = [b for b in ("sqlite", "postgres") if not getattr(args, f"skip_{b}")]
    failed = False
    with terminating_as_interrupt():
        try:
            if "postgres" in backends:
                results["machine"]["postgres"] = asyncio.run(postgres_version(args.postgres_server))
            for backend in backends:
                run_backend(backend, args, results)
        except KeyboardInterrupt:
            failed = True
            print("\ninterrupted: reporting what was measured", file=sys.stderr)
        except Exception:  # report what was measured, then fail
            failed = True
            traceback.print_exc()
    results["wall_seconds"] = round(time.monotonic() - started, 1)
    print("\n" + scale_report.table(results))
    if problems := scale_report.errors(results):
        failed = True
        print("\nrequests that failed:\n  " + "\n  ".join(problems))
    for backend, found in results["backends"].items():
        for size, kib in found["rss_kib"].items():
            print(f"service RSS, {backend} {size:,} deals: {kib / 1024:,.0f} MiB")
    print("\n" + scale_report.plans_text(results))
    scale_report.write_json(results, OUT / "scale.json")
    scale_report.chart(results, OUT / "scale.png")
    print(f"results: {OUT / 'scale.json'}, chart: {OUT / 'scale.png'}")
    print(f"wall time: {results['wall_seconds']:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
