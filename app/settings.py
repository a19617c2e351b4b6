"""Service configuration; the only place that reads the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{Path('var') / 'crm.sqlite3'}"
# SQLite's page caches, each and all together, at most, in MiB (app.db.connection_setup).
DEFAULT_SQLITE_CACHE_MIB = 24
# From the package's location, not the working directory: `assets/` sits next to `app/`.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GRAPHIQL_ASSETS_DIR = PROJECT_ROOT / "assets" / "graphiql" / "node_modules"
# Addresses that mean "every interface of this host": a link needs one that answers. IPv4's
# loopback answers for 0.0.0.0; for :: only IPv6's is sure to (IPv4 reaches a :: socket only
# where the system maps it, which it may be told not to).
_THIS_HOST = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}  # noqa: S104 - read, not bound


def _seconds(default: float, description: str) -> Any:
    """A duration in seconds, more than zero."""
    return Field(default, gt=0, description=description)


def _count(default: int, description: str, *, minimum: int = 1) -> Any:
    """A whole number of things (bytes, requests, seconds) of at least `minimum`."""
    return Field(default, ge=minimum, description=description)


def local_url(host: str, port: int) -> str:
    """The http URL at which this host reaches a server listening on `host`:`port`."""
    address = _THIS_HOST.get(host, host)
    if ":" in address:
        address = f"[{address}]"  # an IPv6 literal, as URLs write it
    return f"http://{address}:{port}"


class Settings(BaseSettings):
    """Everything the service can be told, read from `CRM_*` variables (or a `.env` file)."""

    model_config = SettingsConfigDict(env_prefix="CRM_", env_file=".env", extra="ignore")

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db.",
    )
    bootstrap_api_key: SecretStr | None = Field(
        None, description="API key of the 'Administrator' created on first start."
    )
    timezone: str = Field("UTC", description="Portal time zone used for legacy REST dates.")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(1, ge=1)
    public_url: str = Field(
        "",
        description="Base URL used to build employee profile links; "
        "default: http://CRM_HOST:CRM_PORT (0.0.0.0 read as 127.0.0.1, :: as [::1]).",
    )
    profile: Literal["development", "production"] = Field(
        "development",
        description="production: query limits on, introspection and GraphiQL off unless enabled.",
    )
    introspection: bool | None = Field(
        None, description="Allow schema introspection; default: on in development only."
    )
    graphiql: bool | None = Field(
        None, description="Serve GraphiQL; default: on in development only."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated origins allowed to call the API from a browser (CORS).",
    )
    apq_store_bytes: int = _count(
        4 * 1_048_576,
        "Bytes of documents each worker keeps for automatic persisted queries (least recently "
        "used go first); 0 turns them off (PERSISTED_QUERY_NOT_SUPPORTED).",
        minimum=0,
    )
    trusted_documents: Path | None = Field(
        None,
        description="A JSON manifest of the only documents /graphql runs ({id: document}, or "
        "Apollo's persisted-query manifest); automatic persisted queries are then off.",
    )
    max_body_bytes: int = _count(1_048_576, "Largest request body (413 above).", minimum=1024)
    max_query_depth: int = _count(12, "Deepest selection, introspection aside.")
    max_query_tokens: int = _count(2000, "Most tokens in a document.", minimum=10)
    max_query_aliases: int = _count(30, "Most aliases in a document.")
    max_query_nodes: int = _count(
        50_000,
        "Most objects a document could return in the worst case: the product of "
        "page sizes (first/last) and list caps along each path, summed (GitHub's node limit).",
    )
    request_timeout_s: float = _seconds(
        10.0,
        "Time budget of one request's work: parsing, execution and every SQL "
        "statement; over it the answer is 503 + Retry-After and what it held is released.",
    )
    header_timeout_s: float = _seconds(10.0, "Time a connection has to send a request's headers.")
    body_timeout_s: float = _seconds(
        20.0, "Time a request has to send its whole body (408 after it)."
    )
    max_buffered_body_bytes: int = _count(
        64 * 1_048_576,
        "Bytes of request bodies still arriving that a worker holds at once; "
        "a request that would pass it gets 503 + Retry-After.",
        minimum=1024,
    )
    max_connections_per_client: int = _count(
        128, "Open connections one client address may hold per worker."
    )
    max_in_flight: int = _count(
        256, "Requests handled at once per worker; more get 503 + Retry-After."
    )
    idempotency_ttl_s: int = _count(
        86_400, "How long an Idempotency-Key is remembered, in seconds."
    )
    token_ttl_s: int = _count(
        7 * 86_400, "How long a sign-in token from /api/2.0/authentication lives.", minimum=60
    )
    sign_in_failures_free: int = _count(
        3,
        "Failed sign-ins a user name may have before each further one locks the "
        "name out (429) for 1 s, then 2, 4, ... seconds; a success clears them.",
        minimum=0,
    )
    sign_in_lockout_max_s: float = _seconds(
        900.0, "Longest lock-out of a user name after failed sign-ins."
    )
    sign_in_failure_window_s: float = _seconds(
        86_400.0, "A user name's failed sign-ins are forgotten after this long without one."
    )
    sign_in_client_burst: int = _count(
        20, "Sign-in attempts one client address may make at once (any names)."
    )
    sign_in_client_per_minute: float = Field(
        30.0,
        gt=0,
        description="Sign-in attempts per minute one client address regains after its burst.",
    )
    sign_in_hash_workers: int = _count(
        1, "Threads per worker that check sign-in passwords (argon2)."
    )
    sign_in_hash_queue: int = _count(
        4, "Password checks that may wait for a thread; more get 503 + Retry-After.", minimum=0
    )
    subscription_buffer: int = _count(
        256,
        "Events one subscription may leave unread; past it the subscription is closed "
        "(TOO_SLOW) rather than buffered without bound.",
    )
    max_subscriptions_per_connection: int = _count(
        20, "Subscriptions one WebSocket connection may hold at once."
    )
    max_subscriptions_per_key: int = _count(
        100, "Subscriptions one API key may hold at once per worker."
    )
    subscription_recheck_s: float = _seconds(
        5.0, "How often a subscription checks its API key again (a revoked key ends it)."
    )
    subscription_send_timeout_s: float = _seconds(
        10.0, "How long a WebSocket or SSE message may wait for a client that does not read."
    )
    event_log_size: int = _count(
        1000, "Committed events kept for subscribers that resume from a cursor (the window)."
    )
    sse_heartbeat_s: float = _seconds(
        15.0, "How often an idle Server-Sent Events stream sends a comment, so proxies keep it."
    )
    log_level: str = "info"
    migrate_on_start: bool = Field(True, description="Apply migrations and seed data at startup.")
    sqlite_busy_timeout_ms: int = Field(5000, ge=0)
    sqlite_cache_mib: int = Field(
        DEFAULT_SQLITE_CACHE_MIB,
        ge=1,
        description="SQLite's memory in the process, at most: its connections' page caches "
        "together (pages read stay cached; near the limit a connection reuses its own oldest).",
    )
    read_pool_size: int = Field(4, ge=1)
    pool_size: int = Field(
        20,
        ge=1,
        description="PostgreSQL connections each worker keeps open; bursts may open half as "
        "many again, which close when returned.",
    )
    write_timeout_s: float = Field(
        5.0,
        gt=0,
        description="How long a write waits for the single SQLite writer before 503.",
    )
    graphiql_assets_dir: Path = Field(
        DEFAULT_GRAPHIQL_ASSETS_DIR,
        description="node_modules that `npm ci --prefix assets/graphiql` fills; GraphiQL's files.",
    )

    @model_validator(mode="after")
    def _public_url_follows_host_and_port(self) -> Settings:
        # Only when not given: an explicit CRM_PUBLIC_URL (a proxy's name) wins.
        self.public_url = (self.public_url or local_url(self.host, self.port)).rstrip("/")
        return self

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The portal time zone as a tzinfo."""
        return ZoneInfo(self.timezone)

    @property
    def is_production(self) -> bool:
        """True for the hardened production profile."""
        return self.profile == "production"

    @property
    def introspection_enabled(self) -> bool:
        """Whether the schema may be introspected."""
        return self.introspection if self.introspection is not None else not self.is_production

    @property
    def graphiql_enabled(self) -> bool:
        """Whether GET /graphql in a browser serves GraphiQL."""
        return self.graphiql if self.graphiql is not None else not self.is_production

    @property
    def is_sqlite(self) -> bool:
        """True when the embedded SQLite back end is configured."""
        return self.database_url.startswith("sqlite")
