"""Where the service's Python CPU goes under load: py-spy samples, by package and phase."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from scripts.benchlib.load import Target, wrk

# Inclusive phases: a sample counts for a phase when any frame of its stack matches.
PHASES = {
    "graphql parse": ("graphql/language/",),
    "graphql validate": ("graphql/validation/",),
    "graphql execute (incl. resolvers)": ("graphql/execution/",),
    "SQLAlchemy (all)": ("sqlalchemy/",),
    "SQLAlchemy compile": ("sqlalchemy/sql/compiler.py",),
    "driver (aiosqlite/asyncpg/sqlite3)": ("aiosqlite/", "asyncpg/", "sqlite3/"),
    "app code": ("/app/", "(app/"),
    "starlette + uvicorn": ("starlette/", "uvicorn/"),
}
PACKAGES = (
    "strawberry",
    "graphql",
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "sqlite3",
    "starlette",
    "uvicorn",
    "pydantic",
    "asyncio",
    "uuid",
    "json",
    "logging",
)


def _package(frame: str) -> str:
    location = frame[frame.rfind("(") + 1 :]
    if "/app/" in location or location.startswith("app/"):
        return "app"
    for name in PACKAGES:
        if f"{name}/" in location or location.startswith(f"{name}."):
            return name
    return "other"


def summarize(raw: Path) -> dict[str, Any]:
    """Samples by package of the innermost frame (self time) and by phase (inclusive)."""
    total = 0
    by_package: Counter[str] = Counter()
    by_phase: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        leaf = frames[-1]
        by_package[_package(leaf)] += count
        by_function[leaf] += count
        for phase, markers in PHASES.items():
            if any(marker in frame for frame in frames for marker in markers):
                by_phase[phase] += count

    def share(counter: Counter[str], limit: int) -> dict[str, float]:
        return (
            {k: round(100 * v / total, 1) for k, v in counter.most_common(limit)} if total else {}
        )

    return {
        "samples": total,
        "self_percent_by_package": share(by_package, 20),
        "inclusive_percent_by_phase": share(by_phase, 20),
        "top_self_functions_percent": share(by_function, 15),
        "raw": str(raw),
    }


def sample(
    pid: int, target: Target, *, seconds: int, connections: int, out: Path
) -> dict[str, Any]:
    """py-spy on the server process while wrk loads it; collapsed stacks in `out`.txt."""
    py_spy = Path(sys.executable).with_name("py-spy")
    raw = out.with_suffix(".txt")
    recorder = subprocess.Popen(
        [
            str(py_spy),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(seconds),
            "--rate",
            "250",
            "--format",
            "raw",
            "--nonblocking",
            # Only the thread holding the GIL: the Python work. SQLite's own work runs in
            # aiosqlite's threads without the GIL and is left out (the baseline's CPU per
            # request bounds it).
            "--gil",
            "--output",
            str(raw),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    figures = wrk(target, seconds=seconds, connections=connections)
    _, errors = recorder.communicate(timeout=seconds + 60)
    if recorder.returncode != 0 or not raw.exists():
        return {"error": errors.decode(errors="replace")[-500:]}
    summary = summarize(raw)
    summary["rps_while_sampled"] = round(figures["requests"] / (figures["duration_us"] / 1e6), 1)
    print(f"\n== py-spy: {out.name} ({summary['samples']} samples)")
    for title in ("inclusive_percent_by_phase", "self_percent_by_package"):
        print(f"  {title}: {summary[title]}")
    print("  top self functions:")
    for name, percent in summary["top_self_functions_percent"].items():
        print(f"    {percent:5.1f}%  {name}")
    return summary
