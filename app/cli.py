"""Command line: `python -m app serve | migrate | seed | users add | export-schema`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from app.db.engine import Database
from app.domain.employees import create_employee
from app.main import open_database, prepare_database
from app.settings import Settings

T = TypeVar("T")


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
        http="httptools",
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
            db, display_name=args.display_name, title=args.title, is_admin=args.admin
        )

    employee_id, key = _with_db(settings, add)
    print(json.dumps({"id": str(employee_id), "apiKey": key}))


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
    args = parser.parse_args(argv)
    args.run(Settings(), args)
