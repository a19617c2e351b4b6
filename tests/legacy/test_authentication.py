"""POST /api/2.0/authentication: legacy sign-in with a user name and a password."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update
from starlette.applications import Starlette

from app.db import models
from app.db.engine import Database
from app.domain import signin
from app.domain.signin import Verifier, set_password
from app.domain.throttle import MSG_CLIENT, MSG_NAME_BUSY, MSG_NAME_LOCKED, Limits, SignInGuard
from app.rest import authentication
from app.settings import Settings
from tests.conftest import Person
from tests.server import ROOT

PATH = "/api/2.0/authentication"
PASSWORD = "correct horse battery"
ADDRESS = "127.0.0.1"


@pytest.fixture
async def ann(db: Database, user: Person) -> Person:
    await set_password(db=db, employee_id=user.id, user_name="Ann", password=PASSWORD)
    return user


class Checks:
    """Stands in for the argon2 hasher: counts the checks, and holds them when asked."""

    def __init__(self, real: PasswordHasher) -> None:
        self.real = real
        self.stored: list[str] = []
        self.threads: set[str] = set()
        self.started = threading.Semaphore(0)
        self.released = threading.Event()
        self.released.set()

    def verify(self, stored: str, password: str) -> bool:
        self.stored.append(stored)
        self.threads.add(threading.current_thread().name)
        self.started.release()
        self.released.wait(timeout=10)
        return self.real.verify(stored, password)

    def hold(self) -> None:
        self.released.clear()

    def release(self) -> None:
        self.released.set()

    async def wait_started(self) -> bool:
        return await asyncio.to_thread(self.started.acquire, True, 5)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[Checks]:
    made = Checks(signin._hasher)
    monkeypatch.setattr(signin, "_hasher", made)
    yield made
    made.release()  # never leave a hashing thread waiting


@dataclass
class Clock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


def guarded(
    db: Database, settings: Settings, clock: Clock, verifier: Verifier | None = None, **limits: Any
) -> Starlette:
    """The sign-in routes alone, with the given limits on a fake clock."""
    guard = SignInGuard(Limits(**limits), clock=clock)
    return Starlette(routes=authentication.routes(db, settings, guard=guard, verifier=verifier))


def from_address(app: Starlette, address: str = ADDRESS) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50_000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def attempt(http: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    return await http.post(PATH, json={"userName": name, "password": password})


def refusal(status: int, message: str) -> dict[str, Any]:
    return {
        "status": 1,
        "statusCode": status,
        "error": {"message": message, "hresult": -2146233088, "data": {}},
    }


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
        "/graphql", json={"query": "{ me { databaseId } }"}, headers={"Authorization": token}
    )
    assert me.json() == {"data": {"me": {"databaseId": str(ann.id)}}}
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
        "/graphql", json={"query": "{ me { databaseId } }"}, headers={"Authorization": token}
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
    db: Database, ann: Person, checks: Checks
) -> None:
    # given
    guard, verifier = SignInGuard(), Verifier()

    # when
    for name in ("nobody", "ann"):
        await signin.sign_in(
            db=db,
            user_name=name,
            password="wrong one",
            client=ADDRESS,
            ttl=_ttl(),
            guard=guard,
            verifier=verifier,
        )

    # then
    assert len(checks.stored) == 2
    assert all(stored.startswith("$argon2id$") for stored in checks.stored)


def _ttl() -> timedelta:
    return timedelta(hours=1)


def test_lockout_doubles_up_to_its_ceiling_and_the_window_forgets() -> None:
    # given
    clock = Clock()
    limits = Limits(failures_free=3, lockout_max_s=8, failure_window_s=60)
    guard = SignInGuard(limits, clock=clock)

    # when: eight failures, each tried as soon as the lock-out before it allows
    locks = []
    for _ in range(8):
        with guard.attempt("ann", ADDRESS):
            guard.failed("ann")
        locks.append(guard.locked_for("ann"))
        clock.now += locks[-1]

    # then
    assert locks == [0, 0, 0, 1, 2, 4, 8, 8]
    assert guard.locked_for("bob") == 0
    clock.now += 61  # a window without failures
    with guard.attempt("ann", ADDRESS):
        guard.failed("ann")
    assert guard.locked_for("ann") == 0


async def test_a_locked_name_is_refused_before_its_password_is_checked(
    db: Database, settings: Settings, ann: Person, checks: Checks
) -> None:
    # given: the name has used its free failures and the one that locks it
    clock = Clock()
    async with from_address(guarded(db, settings, clock, failures_free=2)) as http:
        failed = [(await attempt(http, "ann", f"guess {n}")).status_code for n in range(3)]

        # when: the right password comes while the name is locked
        locked = await attempt(http, "ann", PASSWORD)
        clock.now += 1
        later = await attempt(http, "ann", PASSWORD)

    # then
    assert failed == [401, 401, 401]
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == "1"
    assert locked.json() == refusal(429, MSG_NAME_LOCKED)
    assert later.status_code == 201
    assert len(checks.stored) == 4  # the refused attempt checked nothing
    assert all(thread.startswith("argon2") for thread in checks.threads)


async def test_unknown_names_are_refused_like_known_ones(
    db: Database, settings: Settings, ann: Person, checks: Checks
) -> None:
    # given
    app = guarded(db, settings, Clock(), failures_free=1)
    answers: dict[str, list[tuple[int, str]]] = {}
    checked: dict[str, int] = {}

    # when
    async with from_address(app) as http:
        for name in ("ann", "nobody"):
            before = len(checks.stored)
            tried = [await attempt(http, name, "wrong guess") for _ in range(3)]
            answers[name] = [(r.status_code, r.text) for r in tried]
            checked[name] = len(checks.stored) - before

    # then
    assert [status for status, _ in answers["ann"]] == [401, 401, 429]
    assert answers["nobody"] == answers["ann"]
    assert checked == {"ann": 2, "nobody": 2}


async def test_one_attempt_at_a_time_per_name_the_others_refused_at_once(
    db: Database, settings: Settings, ann: Person, checks: Checks
) -> None:
    # given: one attempt is being checked
    checks.hold()
    async with from_address(guarded(db, settings, Clock())) as http:
        first = asyncio.create_task(attempt(http, "ann", "first guess"))
        assert await checks.wait_started()

        # when: nine more come for the same name, however it is written
        others = await asyncio.gather(
            *(attempt(http, f" ANN{' ' * n}", f"guess {n}") for n in range(9))
        )
        still_checking = not first.done()
        checks.release()
        answered = await first

    # then
    assert still_checking
    assert [r.status_code for r in others] == [429] * 9
    assert {r.headers["Retry-After"] for r in others} == {"1"}
    assert others[0].json() == refusal(429, MSG_NAME_BUSY)
    assert answered.status_code == 401
    assert len(checks.stored) == 1


async def test_one_address_gets_a_burst_then_a_rate_whatever_names_it_tries(
    db: Database, settings: Settings, checks: Checks
) -> None:
    # given
    clock = Clock()
    app = guarded(db, settings, clock, client_burst=3, client_per_minute=60)
    async with from_address(app, "10.0.0.1") as guesser, from_address(app, "10.0.0.2") as other:
        # when
        burst = [await attempt(guesser, f"name {n}", "guess") for n in range(5)]
        elsewhere = await attempt(other, "name 9", "guess")
        clock.now += 1
        regained = [(await attempt(guesser, f"more {n}", "guess")).status_code for n in range(2)]

    # then
    assert [r.status_code for r in burst] == [401, 401, 401, 429, 429]
    assert burst[3].headers["Retry-After"] == "1"
    assert burst[3].json() == refusal(429, MSG_CLIENT)
    assert elsewhere.status_code == 401
    assert regained == [401, 429]
    assert len(checks.stored) == 5


async def test_a_success_clears_the_failures_of_its_name(
    db: Database, settings: Settings, ann: Person
) -> None:
    # given
    async with from_address(guarded(db, settings, Clock(), failures_free=1)) as http:
        # when
        tried = [
            (await attempt(http, "ann", password)).status_code
            for password in ("wrong 1", PASSWORD, "wrong 2", "wrong 3", "wrong 4")
        ]

    # then: without the success, "wrong 2" would have locked the name
    assert tried == [401, 201, 401, 401, 429]


async def test_a_full_hash_queue_is_503_without_hashing(
    db: Database, settings: Settings, checks: Checks
) -> None:
    # given: one check running, one waiting, and room for no more
    checks.hold()
    verifier = Verifier(workers=1, queue=1)
    async with from_address(guarded(db, settings, Clock(), verifier)) as http:
        running = asyncio.create_task(attempt(http, "ann", "guess"))
        waiting = asyncio.create_task(attempt(http, "bob", "guess"))
        assert await checks.wait_started()
        for _ in range(500):
            if verifier.busy == 2:
                break
            await asyncio.sleep(0.01)

        # when
        refused = await attempt(http, "cy", "guess")
        checks.release()
        done = await asyncio.gather(running, waiting)

    # then
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert refused.json() == refusal(503, authentication.HASHING_BUSY)
    assert [r.status_code for r in done] == [401, 401]
    assert len(checks.stored) == 2
    assert verifier.busy == 0


def test_the_limits_come_from_the_settings(settings: Settings) -> None:
    # given
    tuned = settings.model_copy(
        update={
            "sign_in_failures_free": 7,
            "sign_in_lockout_max_s": 60.0,
            "sign_in_failure_window_s": 600.0,
            "sign_in_client_burst": 5,
            "sign_in_client_per_minute": 2.0,
        }
    )

    # when
    guard = authentication.guard_for(tuned)

    # then
    assert guard.limits == Limits(
        failures_free=7,
        lockout_max_s=60,
        failure_window_s=600,
        client_burst=5,
        client_per_minute=2,
    )


def test_the_guard_forgets_the_oldest_names_beyond_its_bound() -> None:
    # given
    guard = SignInGuard(Limits(failures_free=0), clock=Clock(), max_tracked=4)

    # when: a flood of distinct names, each locked
    for n in range(10):
        with guard.attempt(f"name {n}", ADDRESS):
            guard.failed(f"name {n}")

    # then: memory stays bounded; the newest names are still locked
    assert guard.locked_for("name 0") == 0
    assert guard.locked_for("name 9") == 1


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
                db=db,
                user_name="bea",
                password=PASSWORD,
                client=ADDRESS,
                ttl=_ttl(),
                guard=SignInGuard(),
                verifier=Verifier(),
            )
            assert signed is not None
        finally:
            await db.dispose()

    asyncio.run(check())
