"""The scale benchmark's databases: made by the app's migrations, bulk-filled, cached.

Schema, reference data, employees with their API keys and custom-field definitions go through
the app's own functions; the bulk rows through `scale_load`. Each database is cached under
var/bench/scale/ (SQLite) or as a PostgreSQL database named `crm_scale_bench_...`, keyed by back
end, size and SEED_VERSION; a JSON file next to it says what it holds. A cached database behind
the migration head is migrated forward, as a deployment's would be, not seeded again.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import text

from app.db import migrate
from app.main import open_database
from app.settings import Settings
from scripts.benchlib import scale_load, scale_roster
from scripts.benchlib.scale_data import COMMON_WORD, RARE_DEALS, RARE_WORD, Drawer
from scripts.benchlib.seed import recreate_postgres
from scripts.benchlib.servers import ROOT

# Bump when the drawn data changes: every cached database is then seeded again.
SEED_VERSION = 1
CACHE = ROOT / "var" / "bench" / "scale"


@dataclass
class ScaleDataset:
    """A seeded database and what the requests need to know about it."""

    backend: str
    size: int
    url: str
    cache_key: str
    user_id: str
    user_key: str
    admin_id: str
    admin_key: str
    field_ids: list[int]
    stage_ids: list[int]
    open_stage_id: int
    contact_id: int  # readable by the user, a member of exactly RARE_DEALS deals
    member_contacts: list[int]  # readable contacts for the deals the benchmark creates
    rare_word: str
    common_word: str
    counts: dict[str, int]
    seed_seconds: float
    max_deal_id: int
    detail_deal_id: int
    revision: str | None = None  # the migration the database is at

    def summary(self) -> dict[str, Any]:
        """What the results file records (no keys)."""
        found = asdict(self)
        for secret in ("user_key", "admin_key"):
            found.pop(secret)
        return found


def cache_key(backend: str, size: int) -> str:
    """The name of a cached database: back end, size and seed version."""
    return f"{backend}-{size}-s{SEED_VERSION}"


def database_url(backend: str, size: int, postgres_server: str) -> str:
    """Where the cached database of that back end and size lives."""
    key = cache_key(backend, size)
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{CACHE / f'{key}.sqlite3'}"
    # The benchmark's guard (recreate_postgres) only drops databases whose names say 'bench'.
    return f"{postgres_server.rstrip('/')}/crm_scale_bench_{key.replace('-', '_')}"


def _meta_path(backend: str, size: int) -> Path:
    return CACHE / f"{cache_key(backend, size)}.json"


# What the requests look up once per database, on both back ends the same rows.
FACTS = {
    "contact_id": f"""
        SELECT m.contact_id FROM opportunity_member m JOIN contact c ON c.id = m.contact_id
        WHERE c.share_type <> 0 GROUP BY m.contact_id HAVING count(*) = {RARE_DEALS}
        ORDER BY m.contact_id LIMIT 1""",
    # Members of the deals the run creates: the newest contacts, never the contact measured.
    "member_contacts": "SELECT id FROM contact WHERE share_type <> 0 ORDER BY id DESC LIMIT 50",
    "max_deal_id": "SELECT max(id) FROM opportunity",
    # A public deal in the middle, for the detail page.
    "detail_deal_id": """
        SELECT min(id) FROM opportunity
        WHERE NOT is_private AND id >= (SELECT max(id) / 2 FROM opportunity)""",
}
COUNTED = (
    "employee",
    "api_key",
    "contact",
    "contact_access",
    "custom_field_definition",
    "opportunity",
    "opportunity_member",
    "opportunity_custom_field",
    "opportunity_access",
)


async def facts(url: str) -> dict[str, Any]:
    """Row counts and the ids the requests use, read back from the database."""
    db = open_database(Settings(database_url=url, _env_file=None))  # type: ignore[call-arg]
    try:
        async with db.read() as conn:
            found: dict[str, Any] = {"counts": {}}
            for table in COUNTED:
                count = (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
                found["counts"][table] = int(count)
            private = "SELECT count(*) FROM opportunity WHERE is_private"
            found["counts"]["private_opportunities"] = int(
                (await conn.execute(text(private))).scalar_one()
            )
            for name, sql in FACTS.items():
                rows = list((await conn.execute(text(sql))).scalars())
                found[name] = rows if name == "member_contacts" else int(rows[0])
            return found
    finally:
        await db.dispose()


def _sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite+aiosqlite:///"))


def _fresh_sqlite(url: str) -> Path:
    """The file of a SQLite URL, with any earlier database in it (and its WAL) removed."""
    path = _sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


async def _seed(backend: str, size: int, url: str) -> ScaleDataset:
    started = time.monotonic()
    if backend == "sqlite":
        path = _fresh_sqlite(url)
    else:
        await recreate_postgres(url)
    settings = Settings(
        database_url=url,
        bootstrap_api_key=secrets.token_urlsafe(32),
        _env_file=None,  # type: ignore[call-arg]
    )
    roster, keys = await scale_roster.roster(settings)
    drawer = Drawer(roster, size)
    chunks = scale_load.both(drawer.contact_chunks(), drawer.deal_chunks())
    if backend == "sqlite":
        # The blocking load runs off the event loop only for form: nothing else runs meanwhile.
        await asyncio.to_thread(scale_load.load_sqlite, path, chunks)
    else:
        await scale_load.load_postgres(url, chunks)
    found = await facts(url)
    return ScaleDataset(
        backend=backend,
        size=size,
        url=url,
        cache_key=cache_key(backend, size),
        **keys,
        **found,
        rare_word=RARE_WORD,
        common_word=COMMON_WORD,
        seed_seconds=round(time.monotonic() - started, 1),
        revision=migrate.head_revision(),
    )


async def _migrated(url: str) -> tuple[float, str | None, str | None]:
    """Bring a cached database to the migration head: seconds taken, revisions before and after."""
    started = time.monotonic()
    db = open_database(Settings(database_url=url, _env_file=None))  # type: ignore[call-arg]
    try:
        before = await migrate.current_revision(db)
        await migrate.upgrade(db)
        return time.monotonic() - started, before, await migrate.current_revision(db)
    finally:
        await db.dispose()


async def _refreshed(cached: ScaleDataset) -> ScaleDataset | None:
    """The cached database with its facts read again, or None when it is gone or changed."""
    if cached.backend != "sqlite":
        try:
            conn = await asyncpg.connect(scale_load.asyncpg_dsn(cached.url))
        except asyncpg.InvalidCatalogNameError:
            return None
        await conn.close()
    # A run that stopped early may have left the deals it created.
    await forget_created(cached)
    found = await facts(cached.url)
    return replace(cached, **found) if found["counts"] == cached.counts else None


def _cached(meta: Path) -> ScaleDataset | None:
    """What the cache file says, or None when there is none or it is of an older shape."""
    try:
        return ScaleDataset(**json.loads(meta.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def dataset(backend: str, size: int, postgres_server: str, *, reseed: bool) -> ScaleDataset:
    """The cached database of that back end and size, seeded first when missing or stale."""
    meta = _meta_path(backend, size)
    if not reseed and (cached := _cached(meta)) is not None:
        file_missing = cached.backend == "sqlite" and not _sqlite_path(cached.url).exists()
        if not file_missing and (refreshed := asyncio.run(_refreshed(cached))) is not None:
            print(f"  {backend} {size:,}: cached ({cached.url})", flush=True)
            # Asked of the database itself: a seed may have begun before the newest migration.
            seconds, before, head = asyncio.run(_migrated(refreshed.url))
            if before != head:
                print(f"  {backend} {size:,}: migrated {before} -> {head} in {seconds:.0f} s")
                refreshed = replace(refreshed, revision=head)
                meta.write_text(json.dumps(asdict(refreshed), indent=1))
            return refreshed
    print(f"  {backend} {size:,}: seeding {database_url(backend, size, postgres_server)}")
    meta.unlink(missing_ok=True)
    seeded = asyncio.run(_seed(backend, size, database_url(backend, size, postgres_server)))
    meta.parent.mkdir(parents=True, exist_ok=True)
    # The file holds the bench users' API keys: readable by its owner only.
    meta.touch(mode=0o600)
    meta.write_text(json.dumps(asdict(seeded), indent=1))
    print(f"  {backend} {size:,}: seeded in {seeded.seed_seconds:.0f} s", flush=True)
    return seeded


async def forget_created(data: ScaleDataset) -> None:
    """Delete the deals the run created (their links go by cascade): the cache stays valid."""
    db = open_database(Settings(database_url=data.url, _env_file=None))  # type: ignore[call-arg]
    try:
        async with db.write() as conn:
            await conn.execute(
                text("DELETE FROM opportunity WHERE id > :last"), {"last": data.max_deal_id}
            )
    finally:
        await db.dispose()
