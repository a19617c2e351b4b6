"""A real uvicorn process on a free port, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    database_url: str, port: int | None = None, **env: str
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `python -m app serve` and return the process and its base URL once it answers."""
    port = port or free_port()
    environment = {
        **os.environ,
        "CRM_DATABASE_URL": database_url,
        "CRM_HOST": "127.0.0.1",
        "CRM_PORT": str(port),
        "CRM_LOG_LEVEL": "warning",
        **env,
    }
    # A file, not a pipe: nobody reads while the server runs, and a full pipe would block it.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - the server process owns it until it stops
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited early:\n{log.read().decode()}")
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            return process, base
        except httpx.TransportError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.1)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Ask the server to stop; kill it if it does not."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_server(database_url: str, **env: str) -> Iterator[str]:
    """A server for the duration of the block; yields its base URL."""
    process, base = start_server(database_url, **env)
    try:
        yield base
    finally:
        stop_server(process)
