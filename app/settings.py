"""Service configuration; the only place that reads the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{Path('var') / 'crm.sqlite3'}"


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
        "http://127.0.0.1:8000",
        description="Base URL used to build employee profile links.",
    )
    profile: Literal["development", "production"] = "development"
    log_level: str = "info"
    migrate_on_start: bool = Field(True, description="Apply migrations and seed data at startup.")
    sqlite_busy_timeout_ms: int = Field(5000, ge=0)
    read_pool_size: int = Field(4, ge=1)
    write_timeout_s: float = Field(
        5.0,
        gt=0,
        description="How long a write waits for the single SQLite writer before 503.",
    )

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
    def is_sqlite(self) -> bool:
        """True when the embedded SQLite back end is configured."""
        return self.database_url.startswith("sqlite")
