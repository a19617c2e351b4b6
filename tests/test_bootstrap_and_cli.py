"""First start: who can sign in; and the command line that adds employees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from app.db import models
from app.db.engine import Database
from app.domain.keys import caller_for
from app.graphql.schema import build_schema
from app.main import prepare_database
from app.settings import Settings
from tests.conftest import count_rows

ROOT = Path(__file__).resolve().parent.parent


async def test_configured_key_belongs_to_an_administrator_created_once(
    db: Database, settings: Settings
) -> None:
    configured = settings.model_copy(update={"bootstrap_api_key": SecretStr("bootstrap-key-1")})

    await prepare_database(db, configured)
    await prepare_database(db, configured)

    caller = await caller_for(db=db, authorization="bootstrap-key-1")
    assert caller is not None and caller.is_admin and caller.display_name == "Administrator"
    assert await count_rows(db, models.Employee) == 1
    assert await count_rows(db, models.ApiKey) == 1


async def test_without_a_configured_key_one_is_generated_and_printed_once(
    db: Database, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await prepare_database(db, settings)
    first = capsys.readouterr().err
    await prepare_database(db, settings)
    second = capsys.readouterr().err

    key = first.strip().rsplit(" ", 1)[-1]
    caller = await caller_for(db=db, authorization=key)
    assert caller is not None and caller.is_admin
    assert second == ""
    async with db.read() as conn:
        stored = (await conn.execute(select(models.api_key_t.c.digest))).scalars().all()
    assert key not in stored  # only a digest is kept


def test_cli_adds_an_employee_and_prints_id_and_key_as_one_json_line(database_url: str) -> None:
    env = {
        **os.environ,
        "CRM_DATABASE_URL": database_url,
        "CRM_BOOTSTRAP_API_KEY": "bootstrap-key-2",
    }

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "users",
            "add",
            "--display-name",
            "Ann Lee",
            "--title",
            "Sales",
            "--admin",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    [line] = done.stdout.strip().splitlines()
    printed = json.loads(line)
    assert set(printed) == {"id", "apiKey"}

    async def check() -> None:
        db = Database(database_url)
        try:
            caller = await caller_for(db=db, authorization=printed["apiKey"])
            assert caller is not None
            assert (str(caller.id), caller.display_name, caller.is_admin) == (
                printed["id"],
                "Ann Lee",
                True,
            )
        finally:
            await db.dispose()

    import asyncio

    asyncio.run(check())


def test_committed_schema_equals_the_printed_schema() -> None:
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")

    assert committed == build_schema().as_str() + "\n", "run: scripts/export-schema"
