"""Guessing passwords on a live server: refused before checking, fast, and others still served."""

from __future__ import annotations

import asyncio
import time

import httpx

from app.db.engine import Database
from app.domain.employees import create_employee
from app.domain.signin import set_password
from tests.hostile.conftest import Bystander, Live

PATH = "/api/2.0/authentication"
PASSWORD = "correct horse battery"
GUESSES = 60
# CRM_SIGN_IN_CLIENT_BURST's default: no more attempts from one address can be checked at once.
AT_MOST_VERIFIED = 20


async def give_ann_a_password(database_url: str) -> None:
    db = Database(database_url)
    try:
        employee_id, _ = await create_employee(
            db=db, display_name="Ann", title=None, is_admin=False
        )
        await set_password(db=db, employee_id=employee_id, user_name="ann", password=PASSWORD)
    finally:
        await db.dispose()


async def timed(http: httpx.AsyncClient, name: str, password: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await http.post(PATH, json={"userName": name, "password": password})
    return response, time.monotonic() - started


async def guess_all(
    http: httpx.AsyncClient, names: list[str]
) -> list[tuple[httpx.Response, float]]:
    return await asyncio.gather(*(timed(http, name, f"guess {n}") for n, name in enumerate(names)))


async def lock_out(http: httpx.AsyncClient, name: str) -> httpx.Response:
    """Guess until the name is locked for at least 2 s: the refusal that says so."""
    for _ in range(10):
        response, _ = await timed(http, name, "one more guess")
        if response.status_code == 429:
            wait = int(response.headers["Retry-After"])
            if wait >= 2:
                return response
            await asyncio.sleep(wait)
    raise AssertionError("ten wrong guesses did not lock the name out")


async def sign_in_when_allowed(http: httpx.AsyncClient) -> httpx.Response:
    """The right password, tried again when each refusal says (a few times at most)."""
    for _ in range(3):
        response, _ = await timed(http, "ann", PASSWORD)
        if response.status_code != 429:
            return response
        await asyncio.sleep(min(5, int(response.headers["Retry-After"])))
    return response


# Fast means well within a password check's queue: a refusal must not wait for argon2 (a check
# takes ~0.15 s and 60 of them ~9 s); the margin is for a machine busy with other work.
FAST_S = 2.0


def refused_fast(answers: list[tuple[httpx.Response, float]]) -> list[float]:
    return [took for response, took in answers if response.status_code == 429 and took < FAST_S]


async def test_parallel_guesses_are_refused_fast_and_others_are_served(live: Live) -> None:
    # given
    started = time.monotonic()
    await give_ann_a_password(live.database_url)
    limits = httpx.Limits(max_connections=GUESSES)
    async with (
        Bystander(live) as bystander,
        httpx.AsyncClient(base_url=live.base, timeout=10, limits=limits) as attacker,
    ):
        # when: 60 guesses at once for one name, then a lock-out, then 60 names at once
        one_name = await guess_all(attacker, ["ann"] * GUESSES)
        locked = await lock_out(attacker, "ann")
        right_while_locked, _ = await timed(attacker, "ann", PASSWORD)
        many_names = await guess_all(attacker, [f"guess-{n}" for n in range(GUESSES)])
        afterwards = await sign_in_when_allowed(attacker)

    # then
    answers = one_name + many_names
    assert all(response.status_code in (401, 429, 503) for response, _ in answers)
    assert len(refused_fast(one_name)) >= GUESSES - 10
    assert len(refused_fast(many_names)) >= GUESSES - AT_MOST_VERIFIED
    busy = [took for response, took in many_names if response.status_code == 503]
    assert all(took < FAST_S for took in busy), busy
    assert locked.json()["statusCode"] == 429
    assert right_while_locked.status_code == 429
    assert int(right_while_locked.headers["Retry-After"]) >= 1
    assert afterwards.status_code == 201
    bystander.assert_served(within=2.0)
    assert time.monotonic() - started < 20
