"""The first run: the banner `python -m app serve` prints when ready, and where links point."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest

from app.cli import banner
from app.graphql.ide import INSTALL_COMMAND
from app.settings import Settings
from tests.server import free_port

ROOT = Path(__file__).resolve().parent.parent
READY = "crm-graphql is ready at "
KEY_LINE = re.compile(r"^  API key   (crm_\S+)$", re.MULTILINE)
ME = "{ me { displayName profileUrl } }"


@dataclass
class Started:
    """A `python -m app serve` process and what it has written to stderr so far."""

    process: subprocess.Popen[bytes]
    log: IO[bytes]
    port: int

    @property
    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read().decode()

    def wait_for(self, text: str, timeout: float = 60) -> str:
        """Stderr once `text` is in it (or the process has ended)."""
        deadline = time.monotonic() + timeout
        while text not in self.stderr and self.process.poll() is None:
            assert time.monotonic() < deadline, f"no {text!r} within {timeout} s:\n{self.stderr}"
            time.sleep(0.1)
        return self.stderr


@contextmanager
def serving(database_url: str, **env: str) -> Iterator[Started]:
    """`python -m app serve` on a free port, as a person starts it; stopped after the block."""
    port = int(env.pop("CRM_PORT", "0")) or free_port()
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith("CRM_")},
        "CRM_DATABASE_URL": database_url,
        "CRM_PORT": str(port),
        **env,
    }
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            yield Started(process, log, port)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def banner_of(stderr: str) -> str:
    """The banner: from its first line to its closing rule."""
    start = stderr.index(READY)
    rule_start = stderr.rindex("\n", 0, start - 1) + 1
    rule = stderr[rule_start : start - 1]
    end = stderr.index(rule, start)
    return stderr[rule_start : end + len(rule)]


def ask(port: int, key: str, query: str = ME) -> httpx.Response:
    return httpx.post(
        f"http://127.0.0.1:{port}/graphql", json={"query": query}, headers={"Authorization": key}
    )


def test_first_start_shows_the_generated_key_once_in_the_banner_and_later_starts_say_how_to_get_in(
    database_url: str,
) -> None:
    # given: a fresh database and no configured key
    with serving(database_url) as first:
        # when: the service is ready
        stderr = first.wait_for("Ctrl+C stops it.")
        shown = banner_of(stderr)

        # then: the banner comes after uvicorn listens, says where, and holds the key
        assert stderr.index("Uvicorn running on") < stderr.index(READY)
        base = f"http://127.0.0.1:{first.port}"
        assert f"{READY}{base}\n" in shown
        assert f"  GraphiQL  {base}/graphql in a browser" in shown
        [key] = KEY_LINE.findall(shown)
        assert stderr.count(key) == 1, "the key is shown once, in the banner"
        me = ask(first.port, key).json()
        assert me["data"]["me"]["displayName"] == "Administrator"

    # when: the same database is served again
    with serving(database_url) as second:
        later = banner_of(second.wait_for("Ctrl+C stops it."))

    # then: no key is shown, and the banner says how to make one
    assert KEY_LINE.search(later) is None
    assert "the Administrator's was shown on the first start" in later
    assert "-m app users add --admin --display-name" in later


def test_with_crm_port_set_profile_links_follow_it(database_url: str) -> None:
    # given: only the port is configured
    port = free_port()
    with serving(database_url, CRM_PORT=str(port), CRM_BOOTSTRAP_API_KEY="front-door-key") as s:
        shown = banner_of(s.wait_for("Ctrl+C stops it."))

        # when: a client reads its profile link
        me = ask(port, "front-door-key").json()

    # then: the link is on the port the service listens on
    assert me["data"]["me"]["profileUrl"].startswith(
        f"http://127.0.0.1:{port}/Products/People/Profile.aspx?user="
    )
    assert "  API key   the Administrator's is CRM_BOOTSTRAP_API_KEY" in shown
    assert "  public  " not in shown, "with no CRM_PUBLIC_URL the public URL is the local one"


def test_an_explicit_public_url_wins_and_the_banner_names_it(database_url: str) -> None:
    with serving(
        database_url, CRM_PUBLIC_URL="https://crm.example/", CRM_BOOTSTRAP_API_KEY="door-key"
    ) as started:
        shown = banner_of(started.wait_for("Ctrl+C stops it."))
        me = ask(started.port, "door-key").json()

    assert me["data"]["me"]["profileUrl"].startswith("https://crm.example/Products/People/")
    assert "  public    https://crm.example (CRM_PUBLIC_URL, for profile links)" in shown


def test_two_production_workers_print_one_banner_saying_graphiql_is_off(
    database_url: str,
) -> None:
    with serving(database_url, CRM_WORKERS="2", CRM_PROFILE="production") as started:
        stderr = started.wait_for("Ctrl+C stops it.")
        # Both workers have started (and could have printed) by the time they both log it.
        deadline = time.monotonic() + 30
        while stderr.count("Application startup complete.") < 2:
            assert time.monotonic() < deadline, stderr
            time.sleep(0.1)
            stderr = started.stderr

    assert stderr.count(READY) == 1
    assert "  GraphiQL  off by the production profile (CRM_GRAPHIQL=true turns it on)" in stderr


def test_a_key_generated_on_a_start_that_fails_is_still_shown(database_url: str) -> None:
    # given: the port is taken by someone else
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        # when: the service cannot listen
        with serving(database_url, CRM_PORT=str(port)) as started:
            started.process.wait(timeout=60)
            stderr = started.stderr

    # then: it says so, and the key it generated is not lost
    assert READY not in stderr
    assert "The service stopped before it was ready." in stderr
    key = stderr.split("(shown once): ", 1)[1].split()[0]
    with serving(database_url) as again:
        again.wait_for("Ctrl+C stops it.")
        assert ask(again.port, key).json()["data"]["me"]["displayName"] == "Administrator"


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"CRM_PORT": "9001"}, "http://127.0.0.1:9001"),
        ({"CRM_HOST": "0.0.0.0", "CRM_PORT": "9002"}, "http://127.0.0.1:9002"),
        ({"CRM_HOST": "::", "CRM_PORT": "9003"}, "http://[::1]:9003"),
        ({"CRM_HOST": "::1"}, "http://[::1]:8000"),
        ({"CRM_HOST": "crm.internal", "CRM_PORT": "80"}, "http://crm.internal:80"),
        ({"CRM_PUBLIC_URL": "https://crm.example/", "CRM_PORT": "9004"}, "https://crm.example"),
    ],
    ids=["default", "port", "all-ipv4", "all-ipv6", "ipv6-loopback", "host-name", "explicit"],
)
def test_the_public_url_follows_host_and_port_unless_given(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: str
) -> None:
    for name in ("CRM_HOST", "CRM_PORT", "CRM_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert Settings(_env_file=None).public_url == expected


def test_the_banner_says_how_to_install_missing_graphiql_files() -> None:
    settings = Settings(_env_file=None, port=8123)

    shown = banner(settings, key=None, graphiql_status=503)

    assert (
        f"  GraphiQL  http://127.0.0.1:8123/graphql lacks its files; install them with: "
        f"{INSTALL_COMMAND}"
    ) in shown
