"""Health checks for orchestrators: the process is up; the database is reachable and current."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.db import migrate
from app.db.engine import Database


async def healthz(_: Request) -> Response:
    """Liveness: answers while the process serves requests."""
    return JSONResponse({"status": "ok"})


def readyz(db: Database) -> Callable[[Request], Awaitable[Response]]:
    """Readiness: the database answers and its schema is at the newest migration."""
    head = migrate.head_revision()

    async def endpoint(_: Request) -> Response:
        try:
            async with db.read() as conn:
                await conn.execute(text("SELECT 1"))
            current = await migrate.current_revision(db)
        except Exception as exc:  # any failure means "not ready"
            return JSONResponse({"status": "unavailable", "reason": type(exc).__name__}, 503)
        if current != head:
            return JSONResponse(
                {
                    "status": "unavailable",
                    "reason": "migrations pending",
                    "at": current,
                    "head": head,
                },
                503,
            )
        return JSONResponse({"status": "ok", "migration": current})

    return endpoint
