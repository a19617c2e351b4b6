"""Driving load with wrk, and counting what a create run really wrote."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

LUA = Path(__file__).with_name("post.lua")
TABLES = ("opportunity", "opportunity_member", "opportunity_custom_field")


@dataclass(frozen=True)
class Target:
    """Where one variant of a scenario sends its requests."""

    base_url: str
    path: str
    bodies: Path
    key: str


def wrk(target: Target, *, seconds: int, connections: int) -> dict[str, Any]:
    """One wrk run (1 thread); its figures as the Lua `done()` printed them."""
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk is not installed (scripts/bench installs it with apt-get)")
    argv = [
        binary,
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        "-H",
        f"Authorization: {target.key}",
        "-H",
        "Content-Type: application/json",
        target.base_url,
        "--",
        target.path,
        str(target.bodies),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=seconds + 60)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_WRK "):
            return dict(json.loads(line.removeprefix("BENCH_WRK ")))
    raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")


class RowCounter:
    """Counts the rows a create writes, straight from the database."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)

    def counts(self) -> dict[str, int]:
        """Rows in each table a create writes to."""
        if self.url.get_backend_name() == "sqlite":
            conn = sqlite3.connect(f"file:{self.url.database}?mode=ro", uri=True, timeout=30)
            try:
                return {
                    t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES
                }
            finally:
                conn.close()
        return asyncio.run(self._postgres())

    async def _postgres(self) -> dict[str, int]:
        dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(dsn)
        try:
            return {t: int(await conn.fetchval(f"SELECT count(*) FROM {t}")) for t in TABLES}
        finally:
            await conn.close()

    def sessions(self) -> int | None:
        """PostgreSQL sessions opened on the database so far (None on SQLite)."""
        if self.url.get_backend_name() == "sqlite":
            return None

        async def fetch() -> int:
            dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
            conn = await asyncpg.connect(dsn)
            try:
                return int(
                    await conn.fetchval(
                        "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
                    )
                )
            finally:
                await conn.close()

        return asyncio.run(fetch())

    def drained(self, timeout: float = 30.0) -> float:
        """Wait until no other session of the PostgreSQL database runs a statement; the seconds
        waited (0 on SQLite).

        wrk stops with requests in flight, and their statements go on in PostgreSQL: after a
        round of PostGraphile's list (about two seconds a request on a slow machine), the next
        variant's first second ran beside them and its p99 measured the stall, not itself.
        """
        if self.url.get_backend_name() == "sqlite":
            return 0.0

        async def wait() -> float:
            dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
            conn = await asyncpg.connect(dsn)
            started = time.monotonic()
            try:
                while time.monotonic() - started < timeout:
                    busy = await conn.fetchval(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND state = 'active' AND pid <> pg_backend_pid()"
                    )
                    if not busy:
                        break
                    await asyncio.sleep(0.1)
            finally:
                await conn.close()
            return time.monotonic() - started

        return asyncio.run(wait())

    def settled(self, timeout: float = 5.0, quiet: float = 1.0) -> dict[str, int]:
        """Counts once requests still in flight when wrk stopped have finished.

        Settled means unchanged for `quiet` seconds: a create stalled behind a checkpoint can
        commit more than a few hundred milliseconds after wrk stopped, and counting it in the
        next run's rows reported writes that no request of that run made.
        """
        deadline = time.monotonic() + timeout
        last = self.counts()
        stable_since = time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.25)
            now = self.counts()
            if now != last:
                last, stable_since = now, time.monotonic()
            elif time.monotonic() - stable_since >= quiet:
                return now
        return last
