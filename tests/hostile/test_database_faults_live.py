"""PostgreSQL going away under a live server: 503 + Retry-After everywhere, then recovery."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.hostile.conftest import PRODUCTION, Live
from tests.server import running_server
from tests.tcp_proxy import TcpProxy, tcp_proxy

SIGN_IN = "/api/2.0/authentication"
LEGACY_LIST = "/api/2.0/crm/opportunity/filter"


@pytest.fixture
def behind_proxy(database_url: str) -> Iterator[tuple[Live, TcpProxy]]:
    """A live server whose PostgreSQL connections all pass through a proxy a test can cut."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite is a file in the process: it cannot become unreachable")
    url = make_url(database_url)
    with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        with running_server(proxied, **PRODUCTION) as base:
            yield Live(base, PRODUCTION["CRM_BOOTSTRAP_API_KEY"], proxied), proxy


async def three_calls(http: httpx.AsyncClient, key: str) -> list[httpx.Response]:
    """A GraphQL query, a legacy list and a sign-in: each needs the database."""
    return list(
        await asyncio.gather(
            http.post("/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": key}),
            http.get(LEGACY_LIST, params={"count": 1}, headers={"Authorization": key}),
            http.post(SIGN_IN, json={"userName": "nobody", "password": "wrong password"}),
        )
    )


async def test_a_lost_database_is_503_with_retry_after_and_comes_back_by_itself(
    behind_proxy: tuple[Live, TcpProxy],
) -> None:
    live, proxy = behind_proxy
    async with httpx.AsyncClient(base_url=live.base, timeout=15) as http:
        # given: everything answers
        before = await three_calls(http, live.key)
        assert [r.status_code for r in before] == [200, 200, 401]

        # when: the database is unreachable for a while
        proxy.cut()
        during: list[httpx.Response] = []
        stop = time.monotonic() + 3
        while time.monotonic() < stop:
            during += await three_calls(http, live.key)
            await asyncio.sleep(0.1)
        proxy.restore()

        # then: every answer meanwhile was a 503 with Retry-After, in each API's own format
        # (sign-in attempts beyond its per-client rate are 429 before the database is asked)
        apis = [r for i, r in enumerate(during) if i % 3 != 2]
        sign_ins = during[2::3]
        assert {r.status_code for r in apis} == {503}, [r.text for r in apis][:3]
        assert {r.status_code for r in sign_ins} <= {503, 429}
        assert all(r.headers["retry-after"].isdigit() for r in during)
        graphql, legacy, sign_in = during[:3]
        assert graphql.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
        assert legacy.json()["statusCode"] == 503
        assert sign_in.json()["statusCode"] == 503

        # and: it recovers without a restart, within a few seconds
        recovered_after = None
        started = time.monotonic()
        while time.monotonic() - started < 10:
            answers = (await three_calls(http, live.key))[:2]
            if [r.status_code for r in answers] == [200, 200]:
                recovered_after = time.monotonic() - started
                break
            assert {r.status_code for r in answers} <= {200, 503}
            await asyncio.sleep(0.2)
        assert recovered_after is not None
        await asyncio.sleep(2.5)  # the sign-in rate of this address refills a token
        after = await three_calls(http, live.key)
        assert [r.status_code for r in after] == [200, 200, 401]
