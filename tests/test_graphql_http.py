"""GraphQL over HTTP: media types, status codes and limits as the GraphQL-over-HTTP spec says."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.db import models
from app.db.engine import Database
from app.main import create_app
from app.settings import Settings
from tests.conftest import Person, count_rows

GQL = "application/graphql-response+json"
JSON = "application/json"
ME = {"query": "query Me { me { displayName } }"}
CREATE_CONTACT = {
    "query": 'mutation { createContact(input: {companyName: "Acme"}) { contact { id } } }'
}


def auth(person: Person, **headers: str) -> dict[str, str]:
    return {"Authorization": person.key, **headers}


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        pytest.param(GQL, GQL, id="graphql-response"),
        pytest.param(JSON, JSON, id="json"),
        pytest.param(f"{GQL}, {JSON};q=0.9", GQL, id="prefers-graphql-response"),
        pytest.param(f"{GQL};q=0.5, {JSON}", JSON, id="quality-decides"),
        pytest.param("*/*", JSON, id="wildcard"),
        pytest.param("application/*", JSON, id="application-wildcard"),
        pytest.param(None, JSON, id="no-accept"),
    ],
)
async def test_media_type_is_negotiated(
    client: httpx.AsyncClient, user: Person, accept: str | None, media: str
) -> None:
    headers = auth(user) if accept is None else auth(user, Accept=accept)
    response = await client.post("/graphql", json=ME, headers=headers)

    assert response.status_code == 200
    assert response.headers["content-type"] == media
    assert response.json() == {"data": {"me": {"displayName": "Uma User"}}}


async def test_406_when_nothing_acceptable_is_asked_for(
    client: httpx.AsyncClient, user: Person
) -> None:
    response = await client.post("/graphql", json=ME, headers=auth(user, Accept="text/plain"))

    assert response.status_code == 406


@pytest.mark.parametrize(
    ("document", "what"),
    [
        pytest.param("{ me { displayName ", "parse", id="does-not-parse"),
        pytest.param("{ me { nope } }", "validate", id="does-not-validate"),
    ],
)
async def test_unexecutable_document_is_400_without_data_under_graphql_response(
    client: httpx.AsyncClient, user: Person, document: str, what: str
) -> None:
    new = await client.post("/graphql", json={"query": document}, headers=auth(user, Accept=GQL))
    legacy = await client.post(
        "/graphql", json={"query": document}, headers=auth(user, Accept=JSON)
    )

    assert new.status_code == 400
    assert "data" not in new.json() and new.json()["errors"]
    assert legacy.status_code == 200
    assert "data" not in legacy.json() and legacy.json()["errors"]


async def test_bad_variables_are_400_under_graphql_response(
    client: httpx.AsyncClient, user: Person
) -> None:
    # An ID is a string or an integer, never an object.
    body = {"query": "query($id: ID!) { opportunity(id: $id) { id } }", "variables": {"id": {}}}

    response = await client.post("/graphql", json=body, headers=auth(user, Accept=GQL))

    assert response.status_code == 400
    assert "data" not in response.json()


async def test_field_errors_keep_200_and_data(client: httpx.AsyncClient, user: Person) -> None:
    body = {
        "query": "query($n: Int) { me { id } opportunities(first: $n) { totalCount } }",
        "variables": {"n": 500},
    }

    response = await client.post("/graphql", json=body, headers=auth(user, Accept=GQL))

    assert response.status_code == 200
    assert response.json()["data"] is None  # opportunities is non-null, so data collapses
    assert "between 0 and 100" in response.json()["errors"][0]["message"]
    assert response.json()["errors"][0]["path"] == ["opportunities"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param("first: 500", "between 0 and 100", id="too-many"),
        pytest.param("last: -1", "between 0 and 100", id="negative"),
        pytest.param("first: 1, last: 1", "either first or last", id="both"),
        pytest.param('after: "nope"', "not a cursor", id="not-a-cursor"),
        pytest.param('before: ""', "not a cursor", id="empty-cursor"),
    ],
)
async def test_impossible_page_arguments_fail_validation(
    client: httpx.AsyncClient, user: Person, arguments: str, message: str
) -> None:
    body = {"query": f"{{ opportunities({arguments}) {{ totalCount }} }}"}

    response = await client.post("/graphql", json=body, headers=auth(user, Accept=GQL))

    assert response.status_code == 400
    assert "data" not in response.json()
    assert message in response.json()["errors"][0]["message"]


async def test_mutation_over_get_is_405_with_allow_and_writes_nothing(
    client: httpx.AsyncClient, db: Database, user: Person
) -> None:
    response = await client.get("/graphql", params=CREATE_CONTACT, headers=auth(user, Accept=GQL))

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert await count_rows(db, models.Contact) == 0


async def test_query_over_get_works(client: httpx.AsyncClient, user: Person) -> None:
    response = await client.get(
        "/graphql",
        params={
            "query": "query($n: Int) { opportunities(first: $n) { totalCount } }",
            "variables": '{"n": 1}',
        },
        headers=auth(user, Accept=GQL),
    )

    assert response.status_code == 200
    assert response.json() == {"data": {"opportunities": {"totalCount": 0}}}


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin-1",
        "application/graphql",
    ],
)
async def test_415_for_other_body_types(
    client: httpx.AsyncClient, user: Person, content_type: str
) -> None:
    response = await client.post(
        "/graphql",
        content=b'{"query": "{ me { id } }"}',
        headers=auth(user, **{"Content-Type": content_type}),
    )

    assert response.status_code == 415


async def test_413_for_an_oversized_body(
    client: httpx.AsyncClient, settings: Settings, user: Person
) -> None:
    padding = " " * settings.max_body_bytes
    response = await client.post(
        "/graphql",
        content=('{"query": "{ me { id } }"' + padding + "}").encode(),
        headers=auth(user, **{"Content-Type": JSON}),
    )

    assert response.status_code == 413


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(b"{not json", 400, id="invalid-json"),
        pytest.param(b"[]", 400, id="batch"),
        pytest.param(b'[{"query": "{ me { id } }"}]', 400, id="batch-of-one"),
        pytest.param(b'{"query": 1}', 400, id="query-not-a-string"),
        pytest.param(b'{"variables": {}}', 400, id="no-query"),
        pytest.param(b'{"query": "{ me { id } }", "variables": []}', 400, id="variables-not-a-map"),
    ],
)
async def test_malformed_requests_are_400(
    client: httpx.AsyncClient, user: Person, body: bytes, status: int
) -> None:
    response = await client.post(
        "/graphql", content=body, headers=auth(user, **{"Content-Type": JSON, "Accept": GQL})
    )

    assert response.status_code == status
    assert response.json()["errors"]


async def test_other_methods_are_405(client: httpx.AsyncClient, user: Person) -> None:
    response = await client.put("/graphql", json=ME, headers=auth(user))

    assert response.status_code == 405


# --- production profile ---------------------------------------------------------------------


@pytest.fixture
async def production(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    configured = settings.model_copy(
        update={
            "profile": "production",
            "max_query_depth": 4,
            "max_query_tokens": 60,
            "max_query_aliases": 3,
        }
    )
    app = create_app(configured)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        yield http
    await app.state.db.dispose()


async def post(http: httpx.AsyncClient, person: Person, query: str) -> httpx.Response:
    return await http.post("/graphql", json={"query": query}, headers=auth(person, Accept=GQL))


@pytest.mark.parametrize(
    ("served", "refused", "message"),
    [
        pytest.param(
            "{ opportunities { edges { node { stage { id } } } } }",
            "{ opportunities { edges { node { contact { currency { title } } } } } }",
            "exceeds maximum operation depth",
            id="depth",
        ),
        pytest.param(
            "{ a: me { id } b: me { id } c: me { id } }",
            "{ a: me { id } b: me { id } c: me { id } d: me { id } }",
            "aliases",
            id="aliases",
        ),
        pytest.param(
            "{ " + "me { id } " * 12 + "}",
            "{ " + "me { id } " * 16 + "}",
            "token",
            id="tokens",
        ),
    ],
)
async def test_limits_refuse_above_and_serve_at_the_limit(
    production: httpx.AsyncClient, user: Person, served: str, refused: str, message: str
) -> None:
    ok = await post(production, user, served)
    over = await post(production, user, refused)

    assert ok.status_code == 200, ok.text
    assert "errors" not in ok.json()
    assert over.status_code == 400
    assert message in over.json()["errors"][0]["message"].lower()


async def test_production_hides_introspection_suggestions_and_graphiql(
    production: httpx.AsyncClient, user: Person
) -> None:
    introspection = await post(production, user, "{ __schema { types { name } } }")
    typo = await post(production, user, "{ me { displayNam } }")
    page = await production.get("/graphql", headers={"Accept": "text/html"})

    assert introspection.status_code == 400
    assert "introspection" in introspection.json()["errors"][0]["message"].lower()
    assert "did you mean" not in typo.json()["errors"][0]["message"].lower()
    assert page.status_code != 200 or "graphiql" not in page.text.lower()


async def test_introspection_can_be_enabled_in_production(settings: Settings, user: Person) -> None:
    app = create_app(settings.model_copy(update={"profile": "production", "introspection": True}))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await post(http, user, "{ __schema { queryType { name } } }")
    await app.state.db.dispose()

    assert response.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_development_keeps_introspection_and_suggestions(
    client: httpx.AsyncClient, user: Person
) -> None:
    introspection = await post(client, user, "{ __schema { queryType { name } } }")
    typo = await post(client, user, "{ me { displayNam } }")

    assert introspection.status_code == 200
    assert "did you mean" in typo.json()["errors"][0]["message"].lower()


async def test_unexpected_errors_are_masked_expected_ones_keep_their_message(
    client: httpx.AsyncClient, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.domain import reads

    async def broken(*_: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(reads, "all_employees", broken)
    crashed = await post(client, user, "{ employees { id } }")
    expected = await post(
        client,
        user,
        "mutation { createContact(input: {}) { errors { message } } }",
    )

    assert crashed.json()["errors"][0]["message"] == "Unexpected error."
    assert "secret" not in crashed.text
    assert expected.json()["data"]["createContact"]["errors"][0]["message"].startswith(
        "A company name"
    )
