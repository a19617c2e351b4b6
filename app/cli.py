"""Command line: `python -m app serve | migrate | seed | users add | export-schema`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import func, select

from app.db.engine import Database
from app.db.models import employee_t
from app.domain.employees import create_employee
from app.domain.errors import DomainError
from app.domain.signin import set_password
from app.main import open_database, prepare_database
from app.settings import Settings

T = TypeVar("T")
# uvicorn's own default, said here: an idle keep-alive connection is closed after it.
KEEP_ALIVE_S = 5


def _with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    async def run() -> T:
        db = open_database(settings)
        try:
            await prepare_database(db, settings)
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def _serve(settings: Settings, _: argparse.Namespace) -> None:
    import uvicorn

    async def nothing(_: Database) -> None:
        return None

    _with_db(settings, nothing)
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
        # No WebSocket routes; an upgrade would also take the connection out of the
        # per-client count without telling it.
        ws="none",
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
