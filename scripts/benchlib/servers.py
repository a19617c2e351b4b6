"""The processes under test: started on free loopback ports, measured from /proc, stopped."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
UVICORN = ["--loop", "uvloop", "--http", "httptools", "--log-level", "warning", "--no-access-log"]


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: split after the last ')'.
    return raw[raw.rindex(")") + 2 :].split()


def descendants(root: int) -> list[int]:
    """The process and every live process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            children.setdefault(int(stat[1]), []).append(int(entry.name))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def cpu_seconds(root: int) -> float:
    """User + system CPU time of a process tree (live processes), in seconds."""
    ticks = 0
    for pid in descendants(root):
        if (stat := _stat(pid)) is not None:
            # Fields 14 and 15 of /proc/PID/stat (utime, stime); index 11 and 12 after the name.
            ticks += int(stat[11]) + int(stat[12])
    return ticks / CLOCK_TICKS


def _machine_cpu_ticks() -> list[int]:
    """The CPU line of /proc/stat: user, nice, system, idle, iowait, irq, softirq, steal..."""
    return [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]


def machine_busy_seconds() -> float:
    """CPU time all processes of the machine used since boot (user, nice, system)."""
    fields = _machine_cpu_ticks()
    # Interrupts and the hypervisor's steal are nobody's process: left out.
    return (fields[0] + fields[1] + fields[2]) / CLOCK_TICKS


def machine_steal_seconds() -> float:
    """CPU time the hypervisor gave to other machines while this one wanted it, since boot."""
    fields = _machine_cpu_ticks()
    return fields[7] / CLOCK_TICKS if len(fields) > 7 else 0.0


def postgres_cpu_seconds() -> float:
    """CPU time of the PostgreSQL server's processes and of those that exited (pool churn).

    A backend that exits takes its own times away; the postmaster, having reaped it, counts
    them among its children's (cutime, cstime), so the sum only grows.
    """
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        if raw[raw.index("(") + 1 : raw.rindex(")")] == "postgres":
            stat = raw[raw.rindex(")") + 2 :].split()
            ticks += int(stat[11]) + int(stat[12]) + int(stat[13]) + int(stat[14])
    return ticks / CLOCK_TICKS


@dataclass
class Server:
    """One uvicorn process (and its workers) serving one variant."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """Where it listens."""
        return f"http://{HOST}:{self.port}"

    @classmethod
    def service(cls, name: str, database_url: str, log_dir: Path, *, workers: int = 1) -> Server:
        """`python -m app serve`, configured through its environment."""
        port = free_port()
        env = {
            "CRM_DATABASE_URL": database_url,
            "CRM_HOST": HOST,
            "CRM_PORT": str(port),
            "CRM_WORKERS": str(workers),
            "CRM_LOG_LEVEL": "warning",
        }
        return cls(name, [sys.executable, "-m", "app", "serve"], env, log_dir, port)

    @classmethod
    def app(cls, name: str, factory: str, database_url: str, log_dir: Path) -> Server:
        """A benchmark app (`module:create_app`) under uvicorn, one worker, as the service runs."""
        port = free_port()
        argv = [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", HOST]
        argv += ["--port", str(port), "--workers", "1", *UVICORN]
        return cls(name, argv, {"BENCH_DATABASE_URL": database_url}, log_dir, port)

    def start(self) -> None:
        """Start the process; its output goes to a log file."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "CRM_PUBLIC_URL": "http://127.0.0.1:8000", **self.env}
        env.pop("CRM_BOOTSTRAP_API_KEY", None)
        with (self.log_dir / f"{self.name}.log").open("wb") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own session: a Ctrl-C in the terminal reaches us, and we stop it.
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 90) -> None:
        """Block until GET /healthz answers 200."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early; see {self.log_path}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not become ready; see {self.log_path}")
            time.sleep(0.1)

    def describe(self) -> str:
        """Name, port, and whether it still runs."""
        state = "not started"
        if self.process is not None:
            code = self.process.poll()
            state = f"pid {self.process.pid}, " + (
                "running" if code is None else f"exited with {code}"
            )
        return f"{self.name} on port {self.port} ({state}; log {self.log_path})"

    @property
    def log_path(self) -> Path:
        """Its output."""
        return self.log_dir / f"{self.name}.log"

    @property
    def pid(self) -> int:
        """The main process id."""
        assert self.process is not None
        return self.process.pid

    def cpu_seconds(self) -> float:
        """CPU time of the server and its workers so far."""
        return cpu_seconds(self.pid)

    def stop(self) -> None:
        """SIGTERM (uvicorn's graceful stop), then SIGKILL to whatever of it is left."""
        if self.process is None or self.process.poll() is not None:
            return
        tree = descendants(self.process.pid)
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for pid in tree[1:]:
            if _stat(pid) is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


class Servers:
    """Servers started together and always stopped together."""

    def __init__(self, servers: list[Server]) -> None:
        self.servers = {s.name: s for s in servers}

    def __enter__(self) -> Servers:
        try:
            for server in self.servers.values():
                server.start()
            for server in self.servers.values():
                server.wait_ready()
                print(f"  started {server.describe()}", flush=True)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def __getitem__(self, name: str) -> Server:
        return self.servers[name]

    def assert_alive(self) -> None:
        """Fail loudly, naming the server and its exit status, when one has died."""
        for server in self.servers.values():
            if server.process is not None and server.process.poll() is not None:
                raise RuntimeError(f"a server died: {server.describe()}")

    def stop(self) -> None:
        """Stop every server, even when one of them fails to stop."""
        for server in self.servers.values():
            try:
                server.stop()
            except Exception as error:  # the others must still be stopped
                print(f"could not stop {server.name}: {error}", file=sys.stderr)
