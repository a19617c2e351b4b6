"""CORS for SPA origins, health checks, request ids and the structured access log."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from sqlalchemy import text

from app.db.engine import Database
from app.main import create_app
from app.settings import Settings
from tests.conftest import Person

SPA = "https://app.example"


async def test_cors_preflight_allows_a_configured_origin_and_the_authorization_header(
    settings: Settings,
) -> None:
    app = create_app(settings.model_copy(update={"cors_origins": [SPA]}))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        allowed = await http.options(
            "/graphql",
            headers={
                "Origin": SPA,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        other = await http.options(
            "/graphql",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
    await app.state.db.dispose()

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == SPA
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers


async def test_cors_is_off_by_default(client: httpx.AsyncClient, user: Person) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ me { id } }"},
        headers={"Origin": SPA, "Authorization": user.key},
    )

    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


async def test_healthz_answers_while_the_process_is_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_checks_the_database_and_the_migrations(
    client: httpx.AsyncClient, db: Database
) -> None:
    ready = await client.get("/readyz")
    async with db.write() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    behind = await client.get("/readyz")

    assert ready.status_code == 200 and ready.json()["status"] == "ok"
    assert behind.status_code == 503
    assert behind.json()["reason"] == "migrations pending"


async def test_readyz_is_503_when_the_database_is_unreachable(
    settings: Settings, tmp_path: object
) -> None:
    url = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"
    app = create_app(settings.model_copy(update={"database_url": url}))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.get("/readyz")
    await app.state.db.dispose()

    assert response.status_code == 503


async def test_request_id_is_echoed_or_made_and_one_json_line_is_logged(
    client: httpx.AsyncClient, user: Person, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="crm.access"):
        echoed = await client.post(
            "/graphql",
            json={"query": "query Who { me { id } }", "operationName": "Who"},
            headers={"Authorization": user.key, "X-Request-ID": "abc-123"},
        )
        made = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})

    assert echoed.headers["x-request-id"] == "abc-123"
    assert len(made.headers["x-request-id"]) == 32
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "crm.access"]
    assert len(lines) == 2
    first = lines[0]
    assert (first["request_id"], first["operation"], first["status"], first["path"]) == (
        "abc-123",
        "Who",
        200,
        "/graphql",
    )
    assert first["duration_ms"] >= 0
    assert lines[1]["request_id"] == made.headers["x-request-id"]


async def test_legacy_routes_are_logged_with_their_operation(
    client: httpx.AsyncClient, user: Person, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="crm.access"):
        await client.post("/api/2.0/crm/opportunity", json={}, headers={"Authorization": user.key})

    [line] = [json.loads(r.getMessage()) for r in caplog.records if r.name == "crm.access"]
    assert (line["operation"], line["status"]) == ("LegacyCreateOpportunity", 400)
