"""Fixtures: a fresh database per test, employees with keys, and ways to call the service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.db import models
from app.db.engine import Database
from app.graphql.context import Context
from app.graphql.schema import build_schema
from app.main import create_app
from app.settings import Settings
from tests.databases import POSTGRES_URL, PostgresTemplates, SQLiteTemplates
from tests.factories import Person, employee

SCHEMA = build_schema()


@pytest.fixture(scope="session")
def templates(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SQLiteTemplates | PostgresTemplates]:
    made = (
        PostgresTemplates(POSTGRES_URL)
        if POSTGRES_URL
        else SQLiteTemplates(tmp_path_factory.mktemp("template"))
    )
    yield made
    made.close()


@pytest.fixture
def database_url(templates: SQLiteTemplates | PostgresTemplates, tmp_path: Path) -> Iterator[str]:
    url = templates.fresh(tmp_path)
    yield url
    templates.drop(url)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        migrate_on_start=False,
        bootstrap_api_key=None,
        public_url="https://crm.example",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def admin(db: Database) -> Person:
    return await employee(db, name="Ada Admin", admin=True)


@pytest.fixture
async def user(db: Database) -> Person:
    return await employee(db, name="Uma User", title="Sales manager")


@pytest.fixture
async def other(db: Database) -> Person:
    return await employee(db, name="Otto Other")


class GraphQL:
    """Runs documents through the schema, as a given person."""

    def __init__(self, db: Database, settings: Settings, schema: Any = SCHEMA) -> None:
        self.db = db
        self.settings = settings
        self.schema = schema

    async def __call__(self, document: str, as_: Person, **variables: Any) -> dict[str, Any]:
        result = await self.schema.execute(
            document,
            variable_values=variables,
            context_value=Context(db=self.db, settings=self.settings, caller=as_.caller),
        )
        assert result.errors is None, result.errors
        assert result.data is not None
        return result.data

    async def raw(self, document: str, as_: Person, **variables: Any) -> Any:
        return await self.schema.execute(
            document,
            variable_values=variables,
            context_value=Context(db=self.db, settings=self.settings, caller=as_.caller),
        )


@pytest.fixture
def gql(db: Database, settings: Settings) -> GraphQL:
    return GraphQL(db, settings)


@pytest.fixture
async def client(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await app.state.db.dispose()


async def count_rows(db: Database, model: type[Any]) -> int:
    """How many rows a table holds."""
    async with db.read() as conn:
        return int(
            (
                await conn.execute(select(func.count()).select_from(models.table_of(model)))
            ).scalar_one()
        )


WRITTEN_BY_A_CREATE = (
    models.Opportunity,
    models.OpportunityMember,
    models.OpportunityAccess,
    models.OpportunityCustomField,
    models.Notification,
)


async def nothing_written(db: Database) -> bool:
    """True when no table a create writes to holds a row."""
    return all([await count_rows(db, model) == 0 for model in WRITTEN_BY_A_CREATE])
