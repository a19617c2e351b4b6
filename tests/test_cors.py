"""CORS as a browser sees it: preflights for every header the API reads, answers a page can read."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from app.cors import ALLOWED_HEADERS
from app.settings import Settings
from tests.conftest import Person
from tests.in_process import EMPLOYEES, hold_employees, service
from tests.server import ROOT

SPA = "https://app.example"
ELSEWHERE = "https://evil.example"
# Request headers browsers send themselves: a page cannot set them, so no preflight names them.
SET_BY_THE_BROWSER = {"host", "content-length"}


def preflight(method: str, headers: str, origin: str = SPA) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


def listed(value: str) -> set[str]:
    return {part.strip().lower() for part in value.split(",")}


def headers_the_service_reads() -> set[str]:
    """Every request header name read anywhere in app/ (Starlette headers or raw ASGI ones)."""
    found: set[str] = set()
    for path in (ROOT / "app").rglob("*.py"):
        source = path.read_text()
        found |= set(re.findall(r'headers\.get\(\s*"([A-Za-z-]+)"', source))
        found |= set(re.findall(r'== b"([a-z-]+)"', source))
    return {name.lower() for name in found}


def test_every_header_the_service_reads_may_be_sent_from_a_page() -> None:
    reads = headers_the_service_reads()

    assert {"authorization", "idempotency-key", "x-request-id", "content-type"} <= reads
    assert reads - SET_BY_THE_BROWSER <= {h.lower() for h in ALLOWED_HEADERS}


@pytest.mark.parametrize("header", [h.lower() for h in ALLOWED_HEADERS])
async def test_a_preflight_naming_each_header_is_allowed(settings: Settings, header: str) -> None:
    async with service(settings, cors_origins=[SPA]) as http:
        answer = await http.options("/graphql", headers=preflight("POST", header))

    assert answer.status_code == 200, answer.text
    assert answer.headers["access-control-allow-origin"] == SPA
    assert header in listed(answer.headers["access-control-allow-headers"])
    assert "post" in listed(answer.headers["access-control-allow-methods"])


async def test_apollos_preflight_for_an_idempotent_mutation_passes(settings: Settings) -> None:
    # What Apollo Client asks before a mutation with an Idempotency-Key and its client name
    # (lower-case, no spaces, as browsers send it); the legacy routes' PUT alike.
    names = (
        "apollographql-client-name,apollographql-client-version,authorization,"
        "content-type,idempotency-key,x-request-id"
    )
    async with service(settings, cors_origins=[SPA]) as http:
        graphql = await http.options("/graphql", headers=preflight("POST", names))
        legacy = await http.options(
            "/api/2.0/crm/opportunity/1", headers=preflight("PUT", "authorization,content-type")
        )

    assert graphql.status_code == 200, graphql.text
    assert listed(names) <= listed(graphql.headers["access-control-allow-headers"])
    assert legacy.status_code == 200, legacy.text
    assert "put" in listed(legacy.headers["access-control-allow-methods"])


async def test_an_answer_exposes_retry_after_and_the_request_id(
    settings: Settings, user: Person
) -> None:
    async with service(settings, cors_origins=[SPA]) as http:
        answer = await http.post(
            "/graphql",
            json={"query": "{ me { id } }"},
            headers={"Origin": SPA, "Authorization": user.key, "X-Request-ID": "tab-1"},
        )

    assert answer.status_code == 200, answer.text
    assert answer.headers["access-control-allow-origin"] == SPA
    exposed = listed(answer.headers["access-control-expose-headers"])
    assert {"retry-after", "x-request-id", "www-authenticate"} <= exposed
    assert answer.headers["x-request-id"] == "tab-1"


async def test_refusals_before_the_endpoint_are_readable_by_the_page(
    settings: Settings, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: one request in flight at most, and one holding it
    waiting, release = hold_employees(monkeypatch)
    async with service(settings, cors_origins=[SPA], max_in_flight=1) as http:
        page = {"Origin": SPA, "Authorization": user.key}
        first = asyncio.create_task(http.post("/graphql", json=EMPLOYEES, headers=page))
        await asyncio.wait_for(waiting.wait(), 10)
        # when: a second request (busy), then one without a key, and one too large
        busy = await http.post("/graphql", json={"query": "{ me { id } }"}, headers=page)
        release.set()
        served = await first
        unauthenticated = await http.post(
            "/graphql", json={"query": "{ me { id } }"}, headers={"Origin": SPA}
        )
        too_large = await http.post(
            "/graphql",
            content=b"{" + b" " * settings.max_body_bytes + b"}",
            headers={**page, "Content-Type": "application/json"},
        )

    assert served.status_code == 200
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "1"
    assert unauthenticated.status_code == 401
    assert too_large.status_code == 413
    for answer in (busy, unauthenticated, too_large):
        assert answer.headers["access-control-allow-origin"] == SPA
        assert "retry-after" in listed(answer.headers["access-control-expose-headers"])


async def test_another_origin_gets_no_permission(settings: Settings, user: Person) -> None:
    async with service(settings, cors_origins=[SPA]) as http:
        asked = await http.options(
            "/graphql", headers=preflight("POST", "authorization", ELSEWHERE)
        )
        answer = await http.post(
            "/graphql",
            json={"query": "{ me { id } }"},
            headers={"Origin": ELSEWHERE, "Authorization": user.key},
        )
        no_origin = await http.post(
            "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": user.key}
        )

    assert asked.status_code == 400
    assert "access-control-allow-origin" not in asked.headers
    # The browser keeps the answer from the page: it does not name the page's origin.
    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers
    assert not any(name.startswith("access-control-") for name in no_origin.headers)


async def test_a_header_the_service_does_not_read_is_not_allowed(settings: Settings) -> None:
    async with service(settings, cors_origins=[SPA]) as http:
        answer = await http.options("/graphql", headers=preflight("POST", "x-made-up"))

    assert answer.status_code == 400
    assert "x-made-up" not in listed(answer.headers.get("access-control-allow-headers", ""))


async def test_cors_is_off_without_origins(client: httpx.AsyncClient) -> None:
    answer = await client.options("/graphql", headers=preflight("POST", "authorization"))

    assert "access-control-allow-origin" not in answer.headers
