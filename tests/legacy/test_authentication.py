"""POST /api/2.0/authentication: legacy sign-in with a user name and a password."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from app.db import models
from app.db.engine import Database
from app.domain import signin
from app.domain.signin import Throttle, set_password
from tests.conftest import Person
from tests.server import ROOT

PATH = "/api/2.0/authentication"
PASSWORD = "correct horse battery"


@pytest.fixture
async def ann(db: Database, user: Person) -> Person:
    await set_password(db, employee_id=user.id, user_name="Ann", password=PASSWORD)
    return user


async def test_form_sign_in_gives_a_token_that_works_on_both_apis(
    client: httpx.AsyncClient, ann: Person
) -> None:
    # when: a legacy client signs in as it always did, with a form
    response = await client.post(PATH, data={"userName": "ann", "password": PASSWORD})

    # then
    assert response.status_code == 201
    body = response.json()
    assert (body["count"], body["status"], body["statusCode"]) == (1, 0, 201)
    token = body["response"]["token"]
    assert body["response"]["expires"].endswith("Z")
    me = await client.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": token}
    )
    assert me.json() == {"data": {"me": {"id": str(ann.id)}}}
    legacy = await client.post(
        "/api/2.0/crm/opportunity",
        json={"title": "T", "responsibleid": str(ann.id), "stageid": 1, "bidCurrencyAbbr": "EUR"},
        headers={"Authorization": token},
    )
    assert legacy.status_code == 200


async def test_json_sign_in_on_the_json_path(client: httpx.AsyncClient, ann: Person) -> None:
    response = await client.post(f"{PATH}.json", json={"userName": "ANN", "password": PASSWORD})

    assert response.status_code == 201
    assert response.json()["response"]["token"].startswith("crm_")


@pytest.mark.parametrize(
    "credentials",
    [
        pytest.param({"userName": "ann", "password": "wrong password"}, id="wrong-password"),
        pytest.param({"userName": "nobody", "password": PASSWORD}, id="unknown-user"),
        pytest.param({"userName": "ann"}, id="no-password"),
        pytest.param({}, id="nothing"),
    ],
)
async def test_failed_sign_in_is_401(
    client: httpx.AsyncClient, ann: Person, credentials: dict[str, str]
) -> None:
    response = await client.post(PATH, json=credentials)

    assert response.status_code == 401
    assert response.json() == {
        "status": 1,
        "statusCode": 401,
        "error": {"message": "User authentication failed", "hresult": -2146233088, "data": {}},
    }


async def test_tokens_expire(client: httpx.AsyncClient, db: Database, ann: Person) -> None:
    token = (await client.post(PATH, json={"userName": "ann", "password": PASSWORD})).json()[
        "response"
    ]["token"]
    async with db.write() as conn:
        await conn.execute(
            update(models.api_key_t)
            .where(models.api_key_t.c.expires_at.is_not(None))
            .values(expires_at=models.utcnow())
        )

    response = await client.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": token}
    )

    assert response.status_code == 401


async def test_passwords_are_stored_as_argon2id(db: Database, ann: Person) -> None:
    async with db.read() as conn:
        stored = (
            await conn.execute(
                select(models.employee_t.c.password_hash).where(models.employee_t.c.id == ann.id)
            )
        ).scalar()

    assert stored is not None and stored.startswith("$argon2id$")
    assert PASSWORD not in stored


async def test_unknown_users_cost_a_full_password_check(
    db: Database, ann: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real = signin._hasher

    class Counting:
        def verify(self, stored: str, password: str) -> bool:
            checked.append(stored)
            return real.verify(stored, password)

    monkeypatch.setattr(signin, "_hasher", Counting())
    quiet = Throttle(sleep=_no_sleep)

    for name in ("nobody", "ann"):
        await signin.sign_in(db, user_name=name, password="wrong one", ttl=_ttl(), throttle=quiet)

    assert len(checked) == 2
    assert all(stored.startswith("$argon2id$") for stored in checked)


async def _no_sleep(_: float) -> None:
    return None


def _ttl() -> Any:
    from datetime import timedelta

    return timedelta(hours=1)


async def test_repeated_failures_are_slowed_down_and_success_resets() -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    throttle = Throttle(free=3, window=60, ceiling=8, clock=lambda: now[0], sleep=sleep)

    for _ in range(8):
        await throttle.failed("ann")
    assert slept == [1, 2, 4, 8, 8]
    assert throttle.delay("bob") == 0

    now[0] += 61  # the window has passed
    assert throttle.delay("ann") == 0
    await throttle.failed("ann")
    throttle.succeeded("ann")
    assert throttle.delay("ann") == 0


def test_cli_sets_a_user_name_and_password(database_url: str) -> None:
    env = {**os.environ, "CRM_DATABASE_URL": database_url, "CRM_BOOTSTRAP_API_KEY": "cli-key"}
    added = subprocess.run(
        [sys.executable, "-m", "app", "users", "add", "--display-name", "Bea"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    employee_id = added.stdout.strip().split('"id": "')[1].split('"')[0]

    command = ["users", "set-password", "--user-name", "bea", "--id", employee_id]
    done = subprocess.run(
        [sys.executable, "-m", "app", *command],
        cwd=ROOT, env=env, input=PASSWORD + "\n", capture_output=True, text=True, check=True,
        timeout=60,
    )  # fmt: skip

    assert '"passwordSet": true' in done.stdout

    async def check() -> None:
        db = Database(database_url)
        try:
            signed = await signin.sign_in(
                db, user_name="bea", password=PASSWORD, ttl=_ttl(), throttle=Throttle()
            )
            assert signed is not None
        finally:
            await db.dispose()

    import asyncio

    asyncio.run(check())
