"""Command line: `python -m app serve | migrate | seed | users add | export-schema`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, select

from app.db.engine import Database
from app.db.models import employee_t
from app.domain.employees import create_employee
from app.domain.errors import DomainError
from app.domain.signin import set_password
from app.graphql.ide import INSTALL_COMMAND
from app.main import open_database, prepare_database, print_generated_key
from app.settings import Settings, local_url

T = TypeVar("T")
# uvicorn's own default, said here: an idle keep-alive connection is closed after it.
KEEP_ALIVE_S = 5
READY_POLL_S = 0.2
# The banner asks this host itself: never through a proxy that http_proxy may name.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _with_db(
    settings: Settings,
    work: Callable[[Database], Awaitable[T]],
    *,
    show_key: Callable[[str], None] = print_generated_key,
) -> T:
    async def run() -> T:
        db = open_database(settings)
        try:
            await prepare_database(db, settings, show_key=show_key)
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def _serve(settings: Settings, _: argparse.Namespace) -> None:
    async def nothing(_: Database) -> None:
        return None

    # A key generated now waits for the banner, so that it is not lost in what comes before.
    generated: list[str] = []
    _with_db(settings, nothing, show_key=generated.append)
    key = generated[0] if generated else None
    announced = threading.Event()
    threading.Thread(
        target=_announce_when_ready, args=(settings, key, announced), daemon=True
    ).start()
    try:
        _run_uvicorn(settings)
    finally:
        if key is not None and not announced.is_set():
            print("The service stopped before it was ready.", file=sys.stderr)
            print_generated_key(key)


def _status(url: str, accept: str = "application/json") -> int | None:
    """The HTTP status `url` answers with, or None while nothing listens there."""
    request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310 - our own http URL
    try:
        with _DIRECT.open(request, timeout=2) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return refused.code
    except OSError:
        return None


def _announce_when_ready(settings: Settings, key: str | None, announced: threading.Event) -> None:
    # Asked from the supervising process over HTTP: once a worker answers /readyz, the service
    # is listening, migrated and serving, whatever the number of workers.
    base = local_url(settings.host, settings.port)
    while _status(f"{base}/readyz") != 200:
        time.sleep(READY_POLL_S)
    graphiql_status = _status(f"{base}/graphql", accept="text/html")
    print(banner(settings, key=key, graphiql_status=graphiql_status), file=sys.stderr, flush=True)
    announced.set()


def _python() -> str:
    """How to call this Python from the working directory."""
    executable = Path(sys.executable)
    return (
        str(executable.relative_to(Path.cwd()))
        if executable.is_relative_to(Path.cwd())
        else str(executable)
    )


def banner(settings: Settings, *, key: str | None, graphiql_status: int | None) -> str:
    """What a person starting the service needs: where it answers and how to get in."""
    base = local_url(settings.host, settings.port)
    if not settings.graphiql_enabled:
        why = f"the {settings.profile} profile" if settings.graphiql is None else "CRM_GRAPHIQL"
        graphiql = f"off by {why} (CRM_GRAPHIQL=true turns it on)"
    elif graphiql_status == 200:
        graphiql = f"{base}/graphql in a browser (put the key in its Headers tab)"
    else:
        graphiql = f"{base}/graphql lacks its files; install them with: {INSTALL_COMMAND}"
    if key is not None:
        access = [
            f"  API key   {key}",
            "            the Administrator's, shown this once: keep it (only a digest is stored)",
        ]
    elif settings.bootstrap_api_key is not None:
        access = ["  API key   the Administrator's is CRM_BOOTSTRAP_API_KEY"]
    else:
        access = [
            "  API key   the Administrator's was shown on the first start; to make a new one:",
            f'            {_python()} -m app users add --admin --display-name "Your Name"',
        ]
    lines = [
        f"crm-graphql is ready at {base}",
        f"  GraphQL   POST {base}/graphql with the header Authorization: <API key>",
        f"  GraphiQL  {graphiql}",
        f"  REST      {base}/api/2.0/crm/... (described at /api/2.0/openapi.json)",
        *access,
        "  Ctrl+C stops it.",
    ]
    if settings.public_url != base:
        lines.insert(1, f"  public    {settings.public_url} (CRM_PUBLIC_URL, for profile links)")
    rule = "=" * max(len(line) for line in lines)
    return "\n".join([rule, *lines, rule])


def _run_uvicorn(settings: Settings) -> None:
    import uvicorn

    # Our own middleware writes one JSON line per request; uvicorn's access log would repeat it.
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop="uvloop",
        # By import path: each worker process imports it and reads the limits from the settings.
        http="app.http_protocol:GuardedHttpToolsProtocol",
        # Subscriptions (graphql-transport-ws on /graphql); a socket stays in its client's
        # connection count until it closes (app.http_protocol), a message is at most a body.
        ws="websockets",
        ws_max_size=settings.max_body_bytes,
        # uvicorn's limit_concurrency is not set: it answers 503 to everyone once connections
        # plus tasks reach it, so a crowd of slow clients would lock everyone out again.
        timeout_keep_alive=KEEP_ALIVE_S,
        log_level=settings.log_level,
        access_log=False,
        log_config=log_config(settings.log_level),
    )


def log_config(level: str) -> dict[str, object]:
    """uvicorn's logging, plus our access log as bare JSON lines on stdout."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(levelname)s %(name)s: %(message)s"},
            "json": {"format": "%(message)s"},
        },
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "plain"},
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper()},
            "crm": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "crm.access": {"handlers": ["access"], "level": level.upper(), "propagate": False},
        },
    }


def _prepare(settings: Settings, _: argparse.Namespace) -> None:
    async def done(_: Database) -> None:
        print("database is migrated and seeded", file=sys.stderr)

    _with_db(settings, done)


def _users_add(settings: Settings, args: argparse.Namespace) -> None:
    async def add(db: Database) -> tuple[object, str]:
        return await create_employee(
            db=db, display_name=args.display_name, title=args.title, is_admin=args.admin
        )

    employee_id, key = _with_db(settings, add)
    print(json.dumps({"id": str(employee_id), "apiKey": key}))


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("the passwords differ")
    return first


def _users_set_password(settings: Settings, args: argparse.Namespace) -> None:
    password = _read_password()

    async def change(db: Database) -> None:
        employee_id = args.id
        if employee_id is None:
            async with db.read() as conn:
                found = await conn.execute(
                    select(employee_t.c.id).where(
                        func.lower(employee_t.c.user_name) == args.user_name.strip().lower()
                    )
                )
                employee_id = found.scalar()
            if employee_id is None:
                raise SystemExit(f"no employee signs in as {args.user_name!r}; pass --id")
        try:
            await set_password(
                db=db, employee_id=employee_id, user_name=args.user_name, password=password
            )
        except DomainError as refused:
            raise SystemExit(str(refused)) from None

    _with_db(settings, change)
    print(json.dumps({"userName": args.user_name, "passwordSet": True}))


def _export_schema(_settings: Settings, _: argparse.Namespace) -> None:
    from app.graphql.schema import build_schema

    sys.stdout.write(build_schema().as_str() + "\n")


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run the command."""
    parser = argparse.ArgumentParser(prog="python -m app", description="crm-graphql service")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="migrate, seed and run the HTTP server").set_defaults(
        run=_serve
    )
    commands.add_parser("migrate", help="apply migrations and seed reference data").set_defaults(
        run=_prepare
    )
    commands.add_parser("seed", help="same as migrate: both are idempotent").set_defaults(
        run=_prepare
    )
    commands.add_parser("export-schema", help="print the GraphQL schema (SDL)").set_defaults(
        run=_export_schema
    )
    users = commands.add_parser("users", help="manage employees").add_subparsers(
        dest="users_command", required=True
    )
    add = users.add_parser("add", help="add an employee and print its id and API key as JSON")
    add.add_argument("--display-name", required=True)
    add.add_argument("--title")
    add.add_argument("--admin", action="store_true")
    add.set_defaults(run=_users_add)
    password = users.add_parser(
        "set-password",
        help="set the sign-in name and password legacy clients use (password from stdin)",
    )
    password.add_argument("--user-name", required=True, help="the name to sign in with")
    password.add_argument(
        "--id", type=uuid.UUID, help="the employee (needed the first time a name is given)"
    )
    password.set_defaults(run=_users_set_password)
    args = parser.parse_args(argv)
    args.run(Settings(), args)
