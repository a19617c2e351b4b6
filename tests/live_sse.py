"""A GraphQL over Server-Sent Events client for tests: real `curl -N` against a live server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tests.ids import opportunity_gid
from tests.live_events import WAIT_S, rename


class CurlStream:
    """One `curl -N` POST to /graphql that accepts text/event-stream; its messages as parsed."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.heartbeats = 0

    async def message(self, within: float = WAIT_S) -> tuple[str, Any]:
        """The next message's event name and data (JSON, or None when empty); skips comments."""
        return await asyncio.wait_for(self._message(), within)

    async def _message(self) -> tuple[str, Any]:
        assert self.process.stdout is not None
        name, data = "", ""
        while True:
            line = (await self.process.stdout.readline()).decode()
            if not line:
                raise EOFError("the stream ended")
            line = line.rstrip("\n")
            if line.startswith(":"):
                self.heartbeats += 1
            elif line.startswith("event:"):
                name = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                data += line.removeprefix("data:").strip()
            elif not line and name:
                return name, json.loads(data) if data else None

    async def event(self, field: str = "opportunityEvents", within: float = WAIT_S) -> Any:
        """The next `next` message's event; fails on anything else."""
        name, body = await self.message(within)
        assert name == "next" and "errors" not in body, (name, body)
        return body["data"][field]

    async def silent(self, seconds: float) -> bool:
        """Whether no message arrives for `seconds`."""
        try:
            await self.message(seconds)
        except TimeoutError:
            return True
        return False

    async def drain(self) -> None:
        """Read off whatever arrives until nothing has for half a second."""
        while not await self.silent(0.5):
            pass


@asynccontextmanager
async def curl_stream(
    base: str, key: str | None, query: str, **variables: Any
) -> AsyncIterator[CurlStream]:
    """`curl -sN` subscribed to `query` for the block's duration."""
    headers = ["-H", "Accept: text/event-stream", "-H", "Content-Type: application/json"]
    if key is not None:
        headers += ["-H", f"Authorization: {key}"]
    body = json.dumps({"query": query, "variables": variables})
    process = await asyncio.create_subprocess_exec(
        "curl", "-sN", "-X", "POST", f"{base}/graphql", *headers, "-d", body,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        yield CurlStream(process)
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


async def until_streaming(stream: CurlStream, base: str, key: str, probe: int) -> None:
    """Rename `probe` until the stream reports it: from then on it hears every change."""
    for attempt in range(50):
        await rename(base, key, probe, f"probe {attempt}")
        try:
            event = await stream.event(within=0.2)
        except TimeoutError:
            continue
        assert event["opportunityId"] == opportunity_gid(probe)
        await stream.drain()
        return
    raise AssertionError("the stream never became live")
