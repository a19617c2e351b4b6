"""Nothing half-written under faults, idempotent retries, 503 rather than queueing or crashing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event, update

from app.db import models
from app.db.engine import Database
from app.domain import opportunities
from app.main import create_app
from app.settings import Settings
from tests.conftest import GraphQL, Person, count_rows, nothing_written
from tests.factories import contact, custom_field, legacy_opportunity_body, opportunity_input
from tests.graphql_documents import CREATE_OPPORTUNITY

LEGACY = "/api/2.0/crm/opportunity"


@pytest.fixture
async def refs(gql: GraphQL, user: Person, other: Person, admin: Person) -> dict[str, Any]:
    return {
        "acme": await contact(gql, as_=user, companyName="Acme"),
        "ann": await contact(gql, as_=user, firstName="Ann", lastName="Lee"),
        "source": await custom_field(gql, as_=admin, label="Source"),
        "other": other,
    }


def full_input(user: Person, refs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A create that touches every table a create writes to."""
    everything = {
        "title": "Everything",
        "stageId": 3,
        "contactId": refs["acme"],
        "members": [refs["ann"]],
        "customFields": [{"fieldId": refs["source"], "value": "web"}],
        "isPrivate": True,
        "accessList": [str(refs["other"].id)],
        "isNotify": True,
    }
    return opportunity_input(responsible=user, **everything | extra)


def legacy_body(user: Person, refs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The same create as `full_input`, in the legacy route's spelling."""
    everything = {
        "title": "Everything",
        "stageid": 3,
        "contactid": refs["acme"],
        "members": [refs["ann"]],
        "customFieldList": [{"key": refs["source"], "value": "web"}],
        "isPrivate": True,
        "accessList": [str(refs["other"].id)],
        "isNotify": True,
    }
    return legacy_opportunity_body(responsible=user, **everything | extra)


async def graphql_create(
    client: httpx.AsyncClient, person: Person, input_: dict[str, Any], **headers: str
) -> httpx.Response:
    return await client.post(
        "/graphql",
        json={"query": CREATE_OPPORTUNITY, "variables": {"input": input_}},
        headers={"Authorization": person.key, **headers},
    )


@contextmanager
def failing_insert(db: Database, table: str) -> Iterator[None]:
    """Make the database refuse every INSERT into `table`, as a full disk or a crash would."""

    def refuse(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()} "):
            raise RuntimeError(f"injected failure writing {table}")

    for engine in db.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        for engine in db.engines:
            event.remove(engine.sync_engine, "before_cursor_execute", refuse)


STEPS = [
    "opportunity",
    "opportunity_member",
    "opportunity_custom_field",
    "opportunity_access",
    "notification",
    "idempotency_key",
]


@pytest.mark.parametrize("table", STEPS)
async def test_a_failing_write_step_leaves_nothing_and_the_service_keeps_serving(
    client: httpx.AsyncClient, db: Database, user: Person, refs: dict[str, Any], table: str
) -> None:
    app_db: Database = client._transport.app.state.db  # type: ignore[attr-defined]

    # when: one step of the create fails, over GraphQL and over the legacy route
    with failing_insert(app_db, table):
        graphql = await graphql_create(
            client, user, full_input(user, refs), **{"Idempotency-Key": "k1"}
        )
        legacy = await client.post(
            LEGACY,
            json=legacy_body(user, refs),
            headers={"Authorization": user.key, "Idempotency-Key": "k2"},
        )

    # then: clean errors, and no row in any table a create writes to
    assert graphql.status_code == 200
    assert [e["message"] for e in graphql.json()["errors"]] == ["Unexpected error."]
    assert "injected" not in graphql.text
    assert legacy.status_code == 500
    assert legacy.json() == {
        "status": 1,
        "statusCode": 500,
        "error": {"message": "Unexpected error.", "hresult": -2146233088, "data": {}},
    }
    assert await nothing_written(db)
    assert await count_rows(db, models.IdempotencyKey) == 0

    # and the service keeps serving
    again = await graphql_create(client, user, full_input(user, refs), **{"Idempotency-Key": "k1"})
    assert again.json()["data"]["createOpportunity"]["errors"] == []
    assert await count_rows(db, models.Opportunity) == 1
    assert await count_rows(db, models.Notification) == 1


# --- idempotency -------------------------------------------------------------------------------


async def test_a_repeat_with_the_same_key_returns_the_first_result(
    client: httpx.AsyncClient, db: Database, user: Person, refs: dict[str, Any]
) -> None:
    first = await graphql_create(client, user, full_input(user, refs), **{"Idempotency-Key": "abc"})
    second = await graphql_create(
        client, user, full_input(user, refs), **{"Idempotency-Key": "abc"}
    )

    made = first.json()["data"]["createOpportunity"]["opportunity"]
    assert second.json()["data"]["createOpportunity"] == {"errors": [], "opportunity": made}
    assert await count_rows(db, models.Opportunity) == 1
    assert await count_rows(db, models.OpportunityMember) == 2
    assert await count_rows(db, models.IdempotencyKey) == 1


async def test_the_same_key_with_another_input_is_a_conflict(
    client: httpx.AsyncClient, db: Database, user: Person, refs: dict[str, Any]
) -> None:
    await graphql_create(client, user, full_input(user, refs), **{"Idempotency-Key": "abc"})
    other = await graphql_create(
        client, user, full_input(user, refs, title="Else"), **{"Idempotency-Key": "abc"}
    )
    legacy = await client.post(
        LEGACY,
        json=legacy_body(user, refs, title="Else"),
        headers={"Authorization": user.key, "Idempotency-Key": "abc"},
    )

    payload = other.json()["data"]["createOpportunity"]
    assert payload["opportunity"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("CONFLICT", "idempotencyKey")]
    assert legacy.status_code == 422
    assert (
        legacy.json()["error"]["message"]
        == "This idempotency key was used for a different request."
    )
    assert await count_rows(db, models.Opportunity) == 1


async def test_legacy_retry_returns_the_same_answer(
    client: httpx.AsyncClient, db: Database, user: Person, refs: dict[str, Any]
) -> None:
    headers = {"Authorization": user.key, "Idempotency-Key": "legacy-1"}

    first = await client.post(LEGACY, json=legacy_body(user, refs), headers=headers)
    second = await client.post(LEGACY, json=legacy_body(user, refs), headers=headers)

    assert first.status_code == second.status_code == 200
    assert second.json()["response"]["id"] == first.json()["response"]["id"]
    assert await count_rows(db, models.Opportunity) == 1


async def test_keys_belong_to_one_api_key(
    client: httpx.AsyncClient, db: Database, user: Person, other: Person, refs: dict[str, Any]
) -> None:
    await graphql_create(client, user, full_input(user, refs), **{"Idempotency-Key": "shared"})
    await graphql_create(client, other, full_input(other, refs), **{"Idempotency-Key": "shared"})

    assert await count_rows(db, models.Opportunity) == 2


async def test_the_input_field_wins_over_the_header_and_keys_expire(
    client: httpx.AsyncClient, db: Database, user: Person, refs: dict[str, Any]
) -> None:
    await graphql_create(
        client, user, full_input(user, refs, idempotencyKey="field"), **{"Idempotency-Key": "h"}
    )
    replay = await graphql_create(client, user, full_input(user, refs, idempotencyKey="field"))
    assert await count_rows(db, models.Opportunity) == 1
    assert replay.json()["data"]["createOpportunity"]["errors"] == []

    # when the key has expired, the same request creates again
    async with db.write() as conn:
        await conn.execute(update(models.idempotency_t).values(expires_at=models.utcnow()))
    await graphql_create(client, user, full_input(user, refs, idempotencyKey="field"))

    assert await count_rows(db, models.Opportunity) == 2
    assert await count_rows(db, models.IdempotencyKey) == 1


async def test_concurrent_duplicates_create_exactly_one(
    client: httpx.AsyncClient, db: Database, user: Person, refs: dict[str, Any]
) -> None:
    answers = await asyncio.gather(
        *(
            graphql_create(client, user, full_input(user, refs), **{"Idempotency-Key": "race"})
            for _ in range(12)
        )
    )

    ids = {a.json()["data"]["createOpportunity"]["opportunity"]["id"] for a in answers}
    assert len(ids) == 1
    assert await count_rows(db, models.Opportunity) == 1


async def test_refused_creates_record_no_key(
    client: httpx.AsyncClient, db: Database, user: Person, refs: dict[str, Any]
) -> None:
    refused = await graphql_create(
        client, user, full_input(user, refs, stageId=999), **{"Idempotency-Key": "x"}
    )
    fixed = await graphql_create(client, user, full_input(user, refs), **{"Idempotency-Key": "x"})

    assert refused.json()["data"]["createOpportunity"]["errors"][0]["code"] == "NOT_FOUND"
    assert fixed.json()["data"]["createOpportunity"]["errors"] == []


# --- busy and overload ---------------------------------------------------------------------------


@pytest.fixture
async def impatient(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    app = create_app(settings.model_copy(update={"write_timeout_s": 0.2}))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        yield http, app.state.db
    await app.state.db.dispose()


async def test_a_busy_writer_gets_503_with_retry_after_and_no_write(
    impatient: tuple[httpx.AsyncClient, Database], db: Database, user: Person, refs: dict[str, Any]
) -> None:
    http, app_db = impatient
    if not app_db.is_sqlite:
        pytest.skip(
            "PostgreSQL has a pool of writers; the single SQLite writer is what can be busy"
        )

    # given: another transaction holds the only writer connection
    async with app_db.write():
        graphql = await graphql_create(http, user, full_input(user, refs))
        legacy = await http.post(
            LEGACY, json=legacy_body(user, refs), headers={"Authorization": user.key}
        )

    assert (graphql.status_code, graphql.headers["retry-after"]) == (503, "1")
    assert (legacy.status_code, legacy.headers["retry-after"]) == (503, "1")
    assert legacy.json()["statusCode"] == 503
    assert await nothing_written(db)


async def test_a_locked_database_is_503_on_every_back_end(
    client: httpx.AsyncClient,
    db: Database,
    user: Person,
    refs: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.db.engine import DatabaseBusy

    async def locked(*_: Any) -> Any:
        raise DatabaseBusy("database is locked")

    monkeypatch.setattr(opportunities, "_reference_errors", locked)

    response = await graphql_create(client, user, full_input(user, refs))

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert await nothing_written(db)


async def test_requests_beyond_the_in_flight_limit_get_503_at_once(
    settings: Settings, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.domain import reads

    release = asyncio.Event()
    original = reads.all_employees

    async def slow(conn: Any) -> Any:
        await release.wait()
        return await original(conn)

    monkeypatch.setattr(reads, "all_employees", slow)
    app = create_app(settings.model_copy(update={"max_in_flight": 2}))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        slow_ones = [
            asyncio.create_task(
                http.post(
                    "/graphql",
                    json={"query": "{ employees { id } }"},
                    headers={"Authorization": user.key},
                )
            )
            for _ in range(2)
        ]
        await asyncio.sleep(0.2)
        shed = await asyncio.wait_for(
            http.post(
                "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": user.key}
            ),
            timeout=2,
        )
        health = await http.get("/healthz")
        release.set()
        served = await asyncio.gather(*slow_ones)
    await app.state.db.dispose()

    assert (shed.status_code, shed.headers["retry-after"]) == (503, "1")
    assert health.status_code == 200
    assert [r.status_code for r in served] == [200, 200]
