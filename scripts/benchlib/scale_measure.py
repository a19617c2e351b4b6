"""Timing requests one after another against a live server, and reading its memory.

Each request is sent twice to warm up, then again until MAX_REPETITIONS timed sends or
MAX_SECONDS of timed sending (but at least MIN_REPETITIONS), whichever comes first.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from scripts.benchlib.scale_requests import (
    CURSOR_AT,
    DEEP_ORDERS,
    GRAPHQL,
    TOTAL,
    Landmarks,
    Request,
)
from scripts.benchlib.servers import descendants

WARMUPS = 2
MAX_REPETITIONS = 15
MIN_REPETITIONS = 3
MAX_SECONDS = 10.0
# A warm-up slower than this is not repeated: the second would only lengthen the run.
SLOW_WARMUP_S = 3.0


@dataclass
class Timing:
    """How long one request took, send by send, and what it answered."""

    samples_ms: list[float] = field(default_factory=list)
    status: int = 0
    error: str | None = None
    items: int | None = None  # deals (or stages, fields) in the answer

    @property
    def median(self) -> float:
        """Median of the timed sends, in ms."""
        return statistics.median(self.samples_ms)

    @property
    def p90(self) -> float:
        """90th percentile (nearest rank) of the timed sends, in ms."""
        ordered = sorted(self.samples_ms)
        return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]

    def as_dict(self) -> dict[str, Any]:
        """For the results file."""
        return {
            "median_ms": round(self.median, 2),
            "p90_ms": round(self.p90, 2),
            "n": len(self.samples_ms),
            "samples_ms": [round(s, 2) for s in self.samples_ms],
            "status": self.status,
            "error": self.error,
            "items": self.items,
        }


def headers(key: str) -> dict[str, str]:
    """Authorization and content negotiation of every request."""
    return {"Authorization": key, "Accept": "application/json"}


def problem(response: httpx.Response) -> str | None:
    """What is wrong with an answer, or None: any non-200, GraphQL error or legacy failure."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    body = response.json()
    if isinstance(body, dict) and body.get("errors"):
        return f"GraphQL errors: {str(body['errors'])[:300]}"
    if isinstance(body, dict) and "data" in body:
        for payload in (body["data"] or {}).values():
            if isinstance(payload, dict) and payload.get("errors"):
                return f"user errors: {payload['errors']}"
    elif isinstance(body, dict) and body.get("status") not in (0, None):
        return f"legacy error: {str(body)[:300]}"
    return None


def count_items(body: Any) -> int | None:
    """How many things the answer lists: edges of the connection, the legacy count, a list."""
    if not isinstance(body, dict):
        return None
    if "data" not in body:
        count = body.get("count")
        return int(count) if count is not None else None
    for value in (body["data"] or {}).values():
        if isinstance(value, list):
            return len(value)
        if isinstance(value, dict):
            nested = value.get("opportunities", value)
            if isinstance(nested, dict) and "edges" in nested:
                return len(nested["edges"])
            if "id" in value:
                return 1
    return None


def measure(client: httpx.Client, request: Request, key: str) -> Timing:
    """Warm up, then time sends of `request` with `key` within the bounds above."""
    timing = Timing()
    sent = 0

    def send() -> float:
        nonlocal sent
        started = time.perf_counter()
        response = client.request(
            request.method, request.path, headers=headers(key), **request.send_args(sent)
        )
        elapsed = (time.perf_counter() - started) * 1000
        sent += 1
        timing.status = response.status_code
        if timing.error is None and (found := problem(response)):
            timing.error = found
        if timing.items is None and response.status_code == 200:
            timing.items = count_items(response.json())
        return elapsed

    for _ in range(WARMUPS):
        if send() > SLOW_WARMUP_S * 1000:
            break
    spent = 0.0
    while len(timing.samples_ms) < MAX_REPETITIONS and (
        spent < MAX_SECONDS * 1000 or len(timing.samples_ms) < MIN_REPETITIONS
    ):
        timing.samples_ms.append(send())
        spent += timing.samples_ms[-1]
    return timing


def landmarks(client: httpx.Client, key: str) -> Landmarks:
    """How many deals the caller sees, and the cursor in the middle of each deep ordering."""

    def ask(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = client.post(
            GRAPHQL, json={"query": query, "variables": variables}, headers=headers(key)
        )
        if (found := problem(response)) is not None:
            raise RuntimeError(f"cannot find landmarks: {found}")
        return dict(response.json()["data"]["opportunities"])

    total = int(ask(TOTAL, {})["totalCount"])
    cursors = {}
    for name, order in DEEP_ORDERS.items():
        edges = ask(CURSOR_AT, {"orderBy": order or None, "offset": total // 2})["edges"]
        cursors[name] = edges[0]["cursor"]
    return Landmarks(total=total, cursors=cursors)


def rss_kib(pid: int) -> int:
    """Resident memory of a process tree (the server and any workers), in KiB."""
    total = 0
    for each in descendants(pid):
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total
