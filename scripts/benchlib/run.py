"""The benchmark: data, servers, checks, interleaved wrk rounds, the report.

Run through `scripts/bench` (see `scripts/bench --help`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from scripts.benchlib import documents, postgraphile, report
from scripts.benchlib.load import RowCounter, Target, wrk
from scripts.benchlib.seed import Dataset, recreate_postgres, seed_sync, sqlite_url
from scripts.benchlib.servers import (
    ROOT,
    Server,
    Servers,
    machine_busy_seconds,
    machine_steal_seconds,
    postgres_cpu_seconds,
)

OUT = ROOT / "var" / "bench"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/crm_bench"
BODIES = 2000
# Cores kept busy by processes other than the server, wrk and PostgreSQL during a run.
BACKGROUND_LIMIT = 0.25


def disturbance(run: dict[str, Any]) -> float:
    """Cores other processes used, or the hypervisor took away, during a run."""
    return float(run["background_cores"] + run.get("steal_cores", 0.0))


# How many runs may be repeated because of such load, and how long the whole benchmark may
# wait for the machine to be quiet: a loaded machine must not push a full run past 10 minutes.
REPEATS, REPEATS_QUICK = 6, 0
WAIT_BUDGET_S, WAIT_BUDGET_QUICK_S = 75.0, 0.0


class QuietWaiter:
    """Waits for other work on the machine to finish, within one budget for the whole run."""

    def __init__(self, budget: float) -> None:
        self.left = budget

    def wait(self, longest: float) -> None:
        """Until a second passes with the machine idle, or `longest` (or the budget) is spent."""
        started = time.monotonic()
        longest = min(longest, self.left)
        while time.monotonic() - started < longest:
            before = machine_busy_seconds()
            time.sleep(1.0)
            if machine_busy_seconds() - before < BACKGROUND_LIMIT:
                break
        self.left -= time.monotonic() - started


@dataclass(frozen=True)
class Variant:
    """One way of doing a scenario's operation: which server, which path, which bodies."""

    backend: str
    scenario: str
    name: str
    server: str
    path: str
    bodies: Path
    creates: bool


@dataclass
class Problems:
    """Everything that looked wrong; printed loudly and kept in the results."""

    items: list[str]

    def add(self, message: str) -> None:
        """Record and shout."""
        self.items.append(message)
        print(f"\n!!! {message}\n", file=sys.stderr, flush=True)


def options(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description="The service against a hand-written baseline, a naive version and two anchors "
        "(the floor, PostGraphile with row-level security), with wrk.",
    )
    parser.add_argument("--quick", action="store_true", help="short runs: a smoke check (< 1 min)")
    parser.add_argument("--duration", type=int, help="seconds per timed run (default 6, quick 1)")
    parser.add_argument("--rounds", type=int, help="rounds of interleaved runs (default 3)")
    parser.add_argument("--warmup", type=int, help="warm-up seconds per variant (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--skip-postgres", action="store_true", help="SQLite scenarios only")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL scenarios only")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="database to drop, re-create and use (its name must contain 'bench')",
    )
    parser.add_argument("--opportunities", type=int, default=10_000, help="deals to seed")
    parser.add_argument("--contacts", type=int, default=2_000, help="contacts to seed")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="SECONDS",
        default=0,
        help="also sample the service with py-spy under each SQLite scenario's load",
    )
    args = parser.parse_args(argv)
    args.duration = args.duration or (1 if args.quick else 6)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.warmup = args.warmup if args.warmup is not None else (1 if args.quick else 2)
    return args


def write_bodies(directory: Path, data: Dataset) -> dict[str, Path]:
    """Request bodies for every scenario, one JSON document a line."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(11)
    inputs = [
        documents.create_input(rng, data.user_id, data.readable_contacts, data.field_ids)
        for _ in range(BODIES)
    ]
    files = {
        "create": [documents.create_body(i) for i in inputs],
        "legacy": [documents.legacy_body(i) for i in inputs],
        "create-wire": [documents.create_wire_body(i) for i in inputs],
        "read": [documents.read_body(rng.choice(data.opportunity_ids)) for _ in range(BODIES)],
        "list": [documents.list_body()],
    }
    paths = {}
    for name, bodies in files.items():
        paths[name] = directory / f"{name}.jsonl"
        paths[name].write_text("\n".join(bodies) + "\n")
    return paths


def postgres_reachable(url: str) -> str | None:
    """None when PostgreSQL answers, else why not."""
    dsn = make_url(url).set(drivername="postgresql", database="postgres")

    async def probe() -> None:
        conn = await asyncpg.connect(dsn.render_as_string(hide_password=False), timeout=5)
        await conn.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return str(error) or type(error).__name__
    return None


def first_body(variant: Variant) -> bytes:
    """The first request body of a variant."""
    return variant.bodies.read_text().splitlines()[0].encode()


def post(server: Server, variant: Variant, key: str) -> httpx.Response:
    """One request, as wrk sends it."""
    return httpx.post(
        server.base_url + variant.path,
        content=first_body(variant),
        headers={"Authorization": key, "Content-Type": "application/json"},
        timeout=30,
    )


def answer_problem(variant: Variant, response: httpx.Response) -> str | None:
    """Why a check response is not a success, or None."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    body = response.json()
    if variant.name == "legacy":
        if body.get("status") != 0 or not body.get("response", {}).get("id"):
            return f"legacy envelope is not a success: {response.text[:300]}"
        return None
    if "errors" in body:
        return f"GraphQL errors: {body['errors']}"
    if variant.scenario == "create":
        payload = body["data"]["createOpportunity"]
        if payload["errors"] or not payload["opportunity"]:
            return f"createOpportunity refused: {payload}"
    return None


def canonical(variant: Variant, body: dict[str, Any]) -> str:
    """An answer with its key order kept (a create's new id blanked, where ids contain it)."""
    if variant.scenario == "create":
        body = json.loads(json.dumps(body))
        created = body["data"]["createOpportunity"]["opportunity"]
        created["id"] = 0
        # A value's id is opaque but made from its deal's id and its field's.
        for value in created.get("customFields") or ():
            value["id"] = 0
    return json.dumps(body, ensure_ascii=False)


class Bench:
    """One benchmark run: its settings, what it measured and what went wrong."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.runs: list[dict[str, Any]] = []
        self.checks: list[dict[str, Any]] = []
        self.problems = Problems([])
        self.datasets: dict[str, dict[str, Any]] = {}
        self.profiles: dict[str, Any] = {}
        self.skipped: list[str] = []
        self.discarded: list[dict[str, Any]] = []
        self.repeats_left = REPEATS_QUICK if args.quick else REPEATS
        self.quiet = QuietWaiter(WAIT_BUDGET_QUICK_S if args.quick else WAIT_BUDGET_S)

    # -- checks --------------------------------------------------------------------------

    def check(self, servers: Servers, variants: list[Variant], data: Dataset) -> None:
        """Each variant once: 200, no errors, rows written; and the same JSON as the service."""
        counter = RowCounter(data.url)
        answers: dict[str, str] = {}
        servers.assert_alive()
        for variant in variants:
            before = counter.counts() if variant.creates else {}
            response = post(servers[variant.server], variant, data.user_key)
            problem = answer_problem(variant, response)
            record = {
                "backend": variant.backend,
                "scenario": variant.scenario,
                "variant": variant.name,
                "status": response.status_code,
                "ok": problem is None,
            }
            if problem:
                self.problems.add(f"{variant.backend}/{variant.scenario}/{variant.name}: {problem}")
            if variant.creates:
                after = counter.settled()
                written = {t: after[t] - before[t] for t in after}
                record["written"] = written
                if written != {
                    "opportunity": 1,
                    "opportunity_member": 2,
                    "opportunity_custom_field": 2,
                }:
                    record["ok"] = False
                    self.problems.add(
                        f"{variant.backend}/{variant.scenario}/{variant.name}: one create wrote "
                        f"{written} (expected 1 deal, 2 members, 2 custom-field values)"
                    )
            if problem is None and variant.name != "legacy":
                answers[variant.name] = canonical(variant, response.json())
            self.checks.append(record)
        reference = answers.get("graphql")
        for name, answer in answers.items():
            # graphql-wire asks for other fields: its answer differs by design.
            if name in ("graphql", "graphql-2w", "graphql-wire") or reference is None:
                continue
            # PostGraphile answers in its own naming: the same deals, in the same order.
            compared = (
                "same_opportunities_as_service"
                if name == "postgraphile"
                else "same_json_as_service"
            )
            same = (
                postgraphile.answer_opportunities(json.loads(answer))
                == postgraphile.service_opportunities(json.loads(reference))
                if name == "postgraphile"
                else answer == reference
            )
            self.checks.append(
                {
                    "backend": variants[0].backend,
                    "scenario": variants[0].scenario,
                    "variant": name,
                    compared: same,
                    "ok": same,
                }
            )
            if not same:
                self.problems.add(
                    f"{variants[0].backend}/{variants[0].scenario}: {name} answers differently "
                    f"from the service:\n  service: {reference[:400]}\n  {name}: {answer[:400]}"
                )

    # -- measuring -----------------------------------------------------------------------

    def target(self, servers: Servers, variant: Variant, data: Dataset) -> Target:
        """Where wrk sends a variant's load."""
        return Target(servers[variant.server].base_url, variant.path, variant.bodies, data.user_key)

    def measure(self, servers: Servers, variant: Variant, data: Dataset, round_: int) -> None:
        """One timed run; repeated (within a budget) when other processes loaded the machine."""
        for attempt in range(1, 4):
            run = self.run_once(servers, variant, data, round_)
            background = disturbance(run)
            if background <= BACKGROUND_LIMIT:
                break
            if attempt < 3 and self.repeats_left > 0:
                self.repeats_left -= 1
                run["discarded"] = f"other work or steal took {background:.2f} cores"
                self.discarded.append(run)
                print(f"    (discarded: other work or steal took {background:.2f} cores; again)")
                self.quiet.wait(longest=8.0)
                continue
            self.problems.add(
                f"{variant.backend}/{variant.scenario}/{variant.name} round {round_}: other "
                f"processes or the hypervisor took {background:.2f} of {os.cpu_count()} cores "
                "during the run; its figures are not reliable"
            )
            break
        self.runs.append(run)

    def run_once(
        self, servers: Servers, variant: Variant, data: Dataset, round_: int
    ) -> dict[str, Any]:
        """One timed wrk run, with the server's CPU time and, for creates, the rows written."""
        server = servers[variant.server]
        # The last variant's statements still running in PostgreSQL would be timed with this one.
        drained = RowCounter(data.url).drained()
        counter = RowCounter(data.url) if variant.creates else None
        before = counter.settled() if counter else {}
        # The harness's own connection for this count is one session: subtract it.
        sessions_before = RowCounter(data.url).sessions()
        cpu_before = server.cpu_seconds()
        machine_before, postgres_before = machine_busy_seconds(), postgres_cpu_seconds()
        steal_before = machine_steal_seconds()
        wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            figures = wrk(
                self.target(servers, variant, data),
                seconds=self.args.duration,
                connections=self.args.connections,
            )
        except RuntimeError as error:
            raise RuntimeError(f"{variant.name} on {server.describe()}: {error}") from error
        servers.assert_alive()
        cpu = server.cpu_seconds() - cpu_before
        postgres = postgres_cpu_seconds() - postgres_before
        sessions_after = RowCounter(data.url).sessions()
        machine = machine_busy_seconds() - machine_before
        # A shared host's hypervisor runs other machines on our cores: time no process here got.
        steal = (machine_steal_seconds() - steal_before) / max(figures["duration_us"] / 1e6, 1e-6)
        wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        wrk_cpu = (wrk_after.ru_utime + wrk_after.ru_stime) - (
            wrk_before.ru_utime + wrk_before.ru_stime
        )
        errors = figures["errors"]
        requests = figures["requests"]
        seconds = figures["duration_us"] / 1e6
        # CPU that neither the server, wrk nor PostgreSQL used: other work on the machine.
        background = max(machine - cpu - wrk_cpu - postgres, 0.0) / max(seconds, 1e-6)
        run = {
            "backend": variant.backend,
            "scenario": variant.scenario,
            "variant": variant.name,
            "round": round_,
            "requests": requests,
            "seconds": seconds,
            "rps": requests / seconds if seconds else 0.0,
            "p50_ms": figures["latency_us"]["p50"] / 1000,
            "p99_ms": figures["latency_us"]["p99"] / 1000,
            "non_2xx": errors["status"],
            "socket_errors": errors["connect"] + errors["read"] + errors["write"],
            "timeouts": errors["timeout"],
            "cpu_seconds": cpu,
            "wrk_cpu_seconds": round(wrk_cpu, 3),
            "postgres_cpu_seconds": round(postgres, 3),
            "background_cores": round(background, 2),
            "steal_cores": round(steal, 2),
            "waited_for_postgres_s": round(drained, 2),
            # New PostgreSQL connections during the run: pool churn forks a backend each.
            "postgres_sessions_opened": None
            if sessions_before is None or sessions_after is None
            else sessions_after - sessions_before - 1,
            "wrk": figures,
        }
        if counter:
            after = counter.settled()
            written = {t: after[t] - before[t] for t in after}
            succeeded = requests - errors["status"]
            run["written"] = written
            run["succeeded"] = succeeded
            # wrk stops with up to one request per connection in flight: those may still
            # be written after it stopped counting.
            extra = written["opportunity"] - succeeded
            consistent = (
                0 <= extra <= self.args.connections
                and written["opportunity_member"] == 2 * written["opportunity"]
                and written["opportunity_custom_field"] == 2 * written["opportunity"]
            )
            run["rows_match"] = consistent
            if not consistent:
                self.problems.add(
                    f"{variant.backend}/{variant.scenario}/{variant.name} round {round_}: "
                    f"{succeeded} successful creates but {written} rows written"
                )
        if errors["status"] or run["socket_errors"] or errors["timeout"]:
            self.problems.add(
                f"{variant.backend}/{variant.scenario}/{variant.name} round {round_}: "
                f"{errors['status']} non-2xx, {run['socket_errors']} socket errors, "
                f"{errors['timeout']} timeouts"
            )
        print(
            f"  {variant.backend:<10} {variant.scenario:<6} {variant.name:<10} round {round_}: "
            f"{run['rps']:8.1f} req/s  p50 {run['p50_ms']:7.2f} ms  p99 {run['p99_ms']:7.2f} ms"
            f"  CPU {cpu * 1000 / max(requests, 1):6.2f} ms/req  background {background:.2f}"
            f"  steal {steal:.2f}"
            + (f"  (waited {drained:.1f} s for PostgreSQL)" if drained >= 0.2 else ""),
            flush=True,
        )
        return run

    def scenario(self, servers: Servers, variants: list[Variant], data: Dataset) -> None:
        """Check, warm up, then interleaved rounds (A B C A B C ...)."""
        first = variants[0]
        print(f"\n== {first.backend}: {first.scenario}", flush=True)
        # Other work on the machine skews every figure: give it a moment to finish.
        self.quiet.wait(longest=20.0)
        self.check(servers, variants, data)
        if self.args.warmup:
            for variant in variants:
                wrk(
                    self.target(servers, variant, data),
                    seconds=self.args.warmup,
                    connections=self.args.connections,
                )
        for round_ in range(1, self.args.rounds + 1):
            for variant in variants:
                self.measure(servers, variant, data, round_)

    # -- phases --------------------------------------------------------------------------

    def sqlite(self) -> None:
        """Service, legacy route, baseline and naive version on one SQLite file."""
        print("== seeding SQLite", flush=True)
        started = time.monotonic()
        data = seed_sync(
            sqlite_url(OUT / "bench.sqlite3"),
            opportunities=self.args.opportunities,
            contacts=self.args.contacts,
        )
        self.datasets["sqlite"] = {
            **data.summary(),
            "seconds": round(time.monotonic() - started, 1),
        }
        bodies = write_bodies(OUT / "bodies-sqlite", data)
        logs = OUT / "logs"
        servers = Servers(
            [
                Server.service("service", data.url, logs),
                Server.app("baseline", "scripts.benchlib.baseline:create_app", data.url, logs),
                Server.app("naive", "scripts.benchlib.naive:create_app", data.url, logs),
                Server.app("floor", "scripts.benchlib.floor:create_app", data.url, logs),
            ]
        )

        def variant(scenario: str, name: str, server: str, path: str, body: str) -> Variant:
            return Variant(
                "sqlite", scenario, name, server, path, bodies[body], scenario == "create"
            )

        with servers:
            # Reads first, on the seeded data; the creates then add to it.
            self.scenario(
                servers,
                [
                    variant("read", "graphql", "service", "/graphql", "read"),
                    variant("read", "baseline", "baseline", "/opportunity", "read"),
                    variant("read", "floor", "floor", "/opportunity", "read"),
                ],
                data,
            )
            self.scenario(
                servers,
                [
                    variant("list", "graphql", "service", "/graphql", "list"),
                    variant("list", "baseline", "baseline", "/opportunities", "list"),
                    variant("list", "floor", "floor", "/opportunities", "list"),
                ],
                data,
            )
            creates = [
                variant("create", "graphql", "service", "/graphql", "create"),
                variant("create", "legacy", "service", "/api/2.0/crm/opportunity", "legacy"),
                variant("create", "graphql-wire", "service", "/graphql", "create-wire"),
                variant("create", "baseline", "baseline", "/create", "create"),
                variant("create", "naive", "naive", "/graphql", "create"),
                variant("create", "floor", "floor", "/create", "create"),
            ]
            self.scenario(servers, creates, data)
            if self.args.profile:
                from scripts.benchlib import profile

                for scenario, path, body in (
                    ("create", "/graphql", "create"),
                    ("create-legacy", "/api/2.0/crm/opportunity", "legacy"),
                    ("read", "/graphql", "read"),
                    ("list", "/graphql", "list"),
                ):
                    target = Target(servers["service"].base_url, path, bodies[body], data.user_key)
                    self.profiles[scenario] = profile.sample(
                        servers["service"].pid,
                        target,
                        seconds=self.args.profile,
                        connections=self.args.connections,
                        out=OUT / f"profile-{scenario}",
                    )

    def postgres(self) -> None:
        """The service with 1 and 2 workers and the baseline, on PostgreSQL."""
        url = self.args.postgres_url
        why = postgres_reachable(url)
        if why is not None:
            self.problems.add(
                f"PostgreSQL at {make_url(url).render_as_string()} is not reachable ({why}): "
                "its scenarios are skipped (start it, or pass --skip-postgres)"
            )
            return
        print("\n== seeding PostgreSQL", flush=True)
        started = time.monotonic()
        asyncio.run(recreate_postgres(url))
        data = seed_sync(url, opportunities=self.args.opportunities, contacts=self.args.contacts)
        self.datasets["postgresql"] = {
            **data.summary(),
            "seconds": round(time.monotonic() - started, 1),
        }
        bodies = write_bodies(OUT / "bodies-postgresql", data)
        logs = OUT / "logs"
        anchors = [Server.app("pg-floor", "scripts.benchlib.floor:create_app", url, logs)]
        if self.postgraphile_ready(url):
            anchors.append(postgraphile.server("pg-postgraphile", url, logs))
            bodies |= postgraphile.write_bodies(bodies, OUT / "bodies-postgresql")
        servers = Servers(
            [
                Server.service("pg-service", url, logs),
                Server.service("pg-service-2w", url, logs, workers=2),
                Server.app("pg-baseline", "scripts.benchlib.baseline:create_app", url, logs),
                *anchors,
            ]
        )

        def variant(
            scenario: str, name: str, server: str, path: str, body: str | None = None
        ) -> Variant:
            return Variant(
                "postgresql",
                scenario,
                name,
                server,
                path,
                bodies[body or scenario],
                scenario == "create",
            )

        def postgraphile_variant(scenario: str) -> list[Variant]:
            if "pg-postgraphile" not in servers.servers:
                return []
            name = f"postgraphile-{scenario}"
            return [variant(scenario, "postgraphile", "pg-postgraphile", "/graphql", name)]

        with servers:
            self.scenario(
                servers,
                [
                    variant("read", "graphql", "pg-service", "/graphql"),
                    variant("read", "baseline", "pg-baseline", "/opportunity"),
                    variant("read", "floor", "pg-floor", "/opportunity"),
                    *postgraphile_variant("read"),
                ],
                data,
            )
            self.scenario(
                servers,
                [
                    variant("list", "graphql", "pg-service", "/graphql"),
                    variant("list", "graphql-2w", "pg-service-2w", "/graphql"),
                    variant("list", "baseline", "pg-baseline", "/opportunities"),
                    variant("list", "floor", "pg-floor", "/opportunities"),
                    *postgraphile_variant("list"),
                ],
                data,
            )
            self.scenario(
                servers,
                [
                    variant("create", "graphql", "pg-service", "/graphql"),
                    variant("create", "graphql-2w", "pg-service-2w", "/graphql"),
                    variant("create", "baseline", "pg-baseline", "/create"),
                    variant("create", "floor", "pg-floor", "/create"),
                ],
                data,
            )

    def postgraphile_ready(self, url: str) -> bool:
        """Install PostGraphile and secure the database for it; False (and why) if not."""
        why = postgraphile.unavailable()
        if why is None:
            print("  installing PostGraphile (npm ci) and its row-level security", flush=True)
            try:
                postgraphile.install()
                asyncio.run(postgraphile.secure(url))
            except (OSError, subprocess.SubprocessError, asyncpg.PostgresError) as error:
                self.problems.add(f"PostGraphile could not be set up: {error!r}")
                return False
            return True
        print(f"  PostGraphile (RLS): {why}", flush=True)
        self.skipped.append(f"PostGraphile (RLS): {why}")
        return False

    # -- output --------------------------------------------------------------------------

    def finish(self, started: float, interrupted: bool) -> None:
        """Table, ratios, results files and chart."""
        aggregates = report.aggregate(self.runs)
        found = report.ratios(aggregates)
        quiet_runs = [r for r in self.runs if disturbance(r) <= BACKGROUND_LIMIT]
        quiet_aggregates = report.aggregate(quiet_runs)
        print("\n" + report.table(aggregates))
        print("\n" + report.ratio_table(found))
        print("\n" + report.anchor_table(aggregates))
        for line in self.skipped:
            print(line)
        ceiling = report.scaling_ceiling(aggregates, os.cpu_count() or 1)
        if ceiling is not None:
            print("\n" + report.ceiling_note(ceiling))
        if len(quiet_runs) < len(self.runs):
            print(
                f"\nonly {len(quiet_runs)} of {len(self.runs)} rounds ran on a quiet machine; "
                "results and ratios from those alone are in the results file "
                "(results_quiet_rounds_only, ratios_quiet_rounds_only)"
            )
        if self.problems.items:
            print(f"\n!!! {len(self.problems.items)} problem(s):", file=sys.stderr)
            for item in self.problems.items:
                print(f"  - {item.splitlines()[0]}", file=sys.stderr)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        document = {
            "started_at": datetime.fromtimestamp(started, UTC).isoformat(),
            "wall_seconds": round(time.time() - started, 1),
            "interrupted": interrupted,
            "settings": {k: v for k, v in vars(self.args).items() if k not in ("postgres_url",)}
            | {"wrk_threads": 1, "server_workers": 1, "bodies_per_scenario": BODIES},
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "commit": git_commit(),
            },
            "datasets": self.datasets,
            "checks": self.checks,
            "runs": self.runs,
            "discarded_runs": self.discarded,
            "results": report.as_dicts(aggregates),
            "ratios": report.as_dicts(found),
            "postgres_scaling_ceiling": ceiling,
            # The same from the rounds no other work disturbed (when the machine was shared).
            "results_quiet_rounds_only": report.as_dicts(quiet_aggregates),
            "ratios_quiet_rounds_only": report.as_dicts(report.ratios(quiet_aggregates)),
            "problems": self.problems.items,
            "profiles": self.profiles,
            "skipped": self.skipped,
            "anchors": report.anchor_rows(aggregates),
        }
        path = OUT / f"results-{stamp}.json"
        report.write_json(path, document)
        report.write_json(OUT / "latest.json", document)
        title = f"crm-graphql bench {stamp} ({self.args.duration}s x {self.args.rounds} rounds)"
        busiest = max((disturbance(r) for r in self.runs), default=0.0)
        if busiest > BACKGROUND_LIMIT:
            title += f"\nUNRELIABLE: other work or steal took up to {busiest:.2f} cores"
        if found and self.runs:
            report.chart(found, OUT / "ratios.png", title)
            print(f"\nchart: {OUT / 'ratios.png'}")
        print(f"results: {path} (and {OUT / 'latest.json'})")
        print(f"wall time: {time.time() - started:.0f} s")


def git_commit() -> str | None:
    """The commit the service was measured at (with '+dirty' for local changes)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "app"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("+dirty" if dirty else "")


@contextmanager
def terminating_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the run like Ctrl-C does, so that the servers are stopped too."""
    import signal

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; non-zero when something looked wrong (not for a missed target)."""
    args = options(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    bench = Bench(args)
    started = time.time()
    interrupted = False
    with terminating_as_interrupt():
        try:
            if not args.skip_sqlite:
                bench.sqlite()
            if not args.skip_postgres:
                bench.postgres()
        except KeyboardInterrupt:
            interrupted = True
            print("\ninterrupted: servers stopped; reporting what was measured", file=sys.stderr)
        except Exception as error:  # report what was measured, then fail
            bench.problems.add(f"the run stopped: {error!r}\n{traceback.format_exc()}")
    bench.finish(started, interrupted)
    return 1 if bench.problems.items or interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
