"""The floor: the fastest honest Python answer to the bench's three requests on this machine.

A raw ASGI app (no framework) for uvicorn + httptools: orjson in and out, the driver called
directly (stdlib sqlite3 on the event loop's thread for reads; asyncpg for PostgreSQL), one
statement per read (`floor_sql`: the database aggregates the nested lists), and creates through
a group-committing writer (`floor_write`): each is answered once its commit is durable. It keeps
what the service may not skip: the API-key check by digest (app/domain/keys.py), the privacy
rule (app/domain/access.py), the create's validation and reference checks, and the same bytes
out as the service's answer to the bench's document. It skips GraphQL parsing and execution,
the middleware and the legacy wire. A measuring stick, not a product: it answers only the
bench's three documents, at the baseline's paths (/opportunity, /opportunities, /create).
`tests/test_bench_anchors.py` checks its answers against the live service.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import sqlite3
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import asyncpg
import orjson
from sqlalchemy.engine import make_url

from scripts.benchlib.baseline import DEFAULT_PUBLIC_URL, Baseline, NewDeal, Values
from scripts.benchlib.floor_shape import Shapes
from scripts.benchlib.floor_sql import Statements
from scripts.benchlib.floor_write import CACHE_SIZE, Create, PostgresWriter, SqliteWriter

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

JSON_HEADERS = [(b"content-type", b"application/json")]
UNAUTHORIZED = bytes(Baseline.unauthorized().body)
UNAUTHORIZED_HEADERS = [*JSON_HEADERS, (b"www-authenticate", b'Bearer realm="crm-graphql"')]


def presented_key(scope: Scope) -> str | None:
    """The key of `Authorization: <key>` or `Authorization: Bearer <key>` (as the service)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            header = value.decode("latin-1").strip()
            scheme, _, rest = header.partition(" ")
            key = rest.strip() if rest and scheme.lower() == "bearer" else header
            return key or None
    return None


async def request_variables(receive: Receive) -> dict[str, Any]:
    """The variables of the GraphQL request body (the path says which document it is)."""
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return dict(orjson.loads(b"".join(chunks)).get("variables") or {})


class Floor:
    """The app over one database: SQLite (a reading connection, a writer thread) or PostgreSQL."""

    def __init__(self, database_url: str, public_url: str) -> None:
        url = make_url(database_url)
        self.sqlite = url.get_backend_name() == "sqlite"
        self.path = url.database or ""
        self.dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.values = Values(self.sqlite)
        self.shapes = Shapes(self.values, public_url)
        postgres = not self.sqlite
        self.for_admin = Statements.build(postgres=postgres, admin=True)
        self.for_others = Statements.build(postgres=postgres, admin=False)
        self.reader: sqlite3.Connection | None = None
        self.pool: asyncpg.Pool | None = None
        self.writer: SqliteWriter | PostgresWriter | None = None
        self.writer_conn: asyncpg.Connection | None = None

    # -- lifespan ------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the connections and start the writer."""
        if self.sqlite:
            self.reader = sqlite3.connect(self.path, isolation_level=None)
            self.reader.row_factory = sqlite3.Row
            self.reader.execute("PRAGMA busy_timeout=5000")
            self.reader.execute(CACHE_SIZE)
            self.writer = SqliteWriter(self.path, self.values, self.shapes)
        else:
            self.pool = await asyncpg.create_pool(self.dsn, min_size=4, max_size=16)
            self.writer_conn = await asyncpg.connect(self.dsn)
            self.writer = PostgresWriter(self.writer_conn, self.values, self.shapes)

    async def stop(self) -> None:
        """Stop the writer and close everything."""
        if isinstance(self.writer, SqliteWriter):
            await asyncio.to_thread(self.writer.close)
        elif self.writer is not None:
            await self.writer.close()
        if self.reader is not None:
            self.reader.close()
        if self.writer_conn is not None:
            await self.writer_conn.close()
        if self.pool is not None:
            await self.pool.close()

    # -- reading ---------------------------------------------------------------------------

    async def caller(self, scope: Scope, conn: Any) -> tuple[Any, bool] | None:
        """(the employee id as stored, is admin) for the presented key, or None."""
        key = presented_key(scope)
        if key is None:
            return None
        wanted = hashlib.sha256(key.encode()).hexdigest()
        params = {"digest": wanted, "now": self.values.now_param()}
        statement = self.for_admin.authenticate
        if self.sqlite:
            row = conn.execute(statement.sql, params).fetchone()
        else:
            row = await conn.fetchrow(statement.sql, *statement.args(params))
        if row is None or not hmac.compare_digest(row["digest"], wanted):
            return None
        return row["id"], bool(row["is_admin"])

    async def answer(self, path: str, scope: Scope, variables: dict[str, Any]) -> bytes | None:
        """The JSON for one request; None for an unknown key."""
        if self.sqlite:
            return await self._answer(path, scope, variables, self.reader)
        assert self.pool is not None
        async with self.pool.acquire() as conn:
            return await self._answer(path, scope, variables, conn)

    async def _answer(
        self, path: str, scope: Scope, variables: dict[str, Any], conn: Any
    ) -> bytes | None:
        found = await self.caller(scope, conn)
        if found is None:
            return None
        caller_id, admin = found
        sql = self.for_admin if admin else self.for_others
        if path == "/opportunity":
            params = {"id": int(variables["id"]), "caller": caller_id}
            if self.sqlite:
                row = conn.execute(sql.read_one.sql, params).fetchone()
            else:
                row = await conn.fetchrow(sql.read_one.sql, *sql.read_one.args(params))
            data = self.shapes.read_one(row, caller_id, admin)
        elif path == "/opportunities":
            size = int(variables["first"])
            params = {"limit": size + 1, "caller": caller_id}
            if self.sqlite:
                rows = conn.execute(sql.first_page.sql, params).fetchall()
            else:
                rows = await conn.fetch(sql.first_page.sql, *sql.first_page.args(params))
            data = self.shapes.first_page(rows, size)
        else:
            assert self.writer is not None
            future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            create = Create(caller_id, sql, NewDeal.parse(variables["input"]), future)
            data = await self.writer.submit(create)
        return orjson.dumps({"data": data})

    # -- ASGI ------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        path = scope["path"]
        if path == "/healthz":
            await respond(send, 200, b"ok", [(b"content-type", b"text/plain")])
            return
        if scope["method"] != "POST" or path not in ("/opportunity", "/opportunities", "/create"):
            await respond(send, 404, b'{"detail":"Not Found"}', JSON_HEADERS)
            return
        body = await self.answer(path, scope, await request_variables(receive))
        if body is None:
            await respond(send, 401, UNAUTHORIZED, UNAUTHORIZED_HEADERS)
        else:
            await respond(send, 200, body, JSON_HEADERS)

    async def lifespan(self, receive: Receive, send: Send) -> None:
        """Start on startup, stop on shutdown."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    """A whole response in two messages."""
    length = (b"content-length", str(len(body)).encode())
    await send({"type": "http.response.start", "status": status, "headers": [*headers, length]})
    await send({"type": "http.response.body", "body": body})


def create_app(database_url: str | None = None, public_url: str | None = None) -> Floor:
    """The floor app; the URL comes from BENCH_DATABASE_URL unless given."""
    return Floor(
        database_url or os.environ["BENCH_DATABASE_URL"],
        public_url or os.environ.get("CRM_PUBLIC_URL", DEFAULT_PUBLIC_URL),
    )
