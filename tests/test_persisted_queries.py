"""Persisted documents: Apollo's automatic persisted queries (POST and GET), trusted documents."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from app.db import models
from app.db.engine import Database
from app.domain import reads
from app.graphql.persisted import ENTRY_OVERHEAD, DocumentStore, ManifestError, sha256_hex
from app.main import create_app
from app.settings import Settings
from tests.conftest import Person, count_rows
from tests.in_process import service

ME = "query Me { me { displayName } }"
EMPLOYEES = "query Employees { employees { displayName } }"
PAGE = "query Page($n: Int) { opportunities(first: $n) { edges { node { id } } } }"
# Validates and writes nothing: the payload refuses the empty input.
HARMLESS_MUTATION = "mutation Nothing { createContact(input: {}) { errors { code } } }"
GQL = "application/graphql-response+json"
CREATE_COMPANY = 'mutation { createContact(input: {companyName: "X"}) { errors { code } } }'


def hashed(document: str, *, version: int = 1, with_query: bool = False) -> dict[str, Any]:
    """A request body as Apollo's PersistedQueryLink sends it."""
    body: dict[str, Any] = {
        "extensions": {"persistedQuery": {"version": version, "sha256Hash": sha256_hex(document)}}
    }
    if with_query:
        body["query"] = document
    return body


def as_get(body: dict[str, Any]) -> dict[str, str]:
    """The same request as GET query parameters (JSON-encoded values)."""
    return {k: v if isinstance(v, str) else orjson.dumps(v).decode() for k, v in body.items()}


def code_of(answer: httpx.Response) -> str:
    return str(answer.json()["errors"][0]["extensions"]["code"])


async def test_apollos_handshake_registers_a_document_and_runs_it_by_hash(
    client: httpx.AsyncClient, user: Person
) -> None:
    key = {"Authorization": user.key, "Accept": GQL}
    unknown = await client.post("/graphql", json=hashed(ME), headers=key)
    registered = await client.post("/graphql", json=hashed(ME, with_query=True), headers=key)
    by_hash = await client.post("/graphql", json=hashed(ME), headers=key)

    assert unknown.status_code == 200
    assert unknown.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    assert "no-cache" in unknown.headers["cache-control"]
    assert registered.json() == {"data": {"me": {"displayName": "Uma User"}}}
    assert by_hash.status_code == 200
    assert by_hash.json() == registered.json()


async def test_get_runs_stored_queries_and_refuses_stored_mutations(
    client: httpx.AsyncClient, user: Person
) -> None:
    key = {"Authorization": user.key}
    missing = await client.get("/graphql", params=as_get(hashed(ME)), headers=key)
    registered = await client.get(
        "/graphql", params=as_get(hashed(ME, with_query=True)), headers=key
    )
    by_hash = await client.get("/graphql", params=as_get(hashed(ME)), headers=key)
    mutation = await client.post(
        "/graphql", json=hashed(HARMLESS_MUTATION, with_query=True), headers=key
    )
    mutation_over_get = await client.get(
        "/graphql", params=as_get(hashed(HARMLESS_MUTATION)), headers=key
    )
    registered_over_get = await client.get(
        "/graphql", params=as_get(hashed(HARMLESS_MUTATION, with_query=True)), headers=key
    )

    assert code_of(missing) == "PERSISTED_QUERY_NOT_FOUND"
    assert registered.json()["data"]["me"]["displayName"] == "Uma User"
    assert by_hash.json() == registered.json()
    assert mutation.json()["data"]["createContact"]["errors"][0]["code"] == "REQUIRED"
    for refused in (mutation_over_get, registered_over_get):
        assert refused.status_code == 405
        assert refused.headers["allow"] == "POST"
        assert code_of(refused) == "METHOD_NOT_ALLOWED"


async def test_a_hash_that_is_not_the_querys_is_refused_and_nothing_is_kept(
    client: httpx.AsyncClient, user: Person
) -> None:
    key = {"Authorization": user.key}
    lying = {**hashed(EMPLOYEES), "query": ME}
    mismatch = await client.post("/graphql", json=lying, headers=key)
    after = await client.post("/graphql", json=hashed(EMPLOYEES), headers=key)
    upper = {"query": ME, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "A" * 64}}}
    not_hex = await client.post("/graphql", json=upper, headers=key)

    assert mismatch.status_code == 400
    assert code_of(mismatch) == "PERSISTED_QUERY_HASH_MISMATCH"
    assert "data" not in mismatch.json()
    assert code_of(after) == "PERSISTED_QUERY_NOT_FOUND"
    assert code_of(not_hex) == "PERSISTED_QUERY_HASH_MISMATCH"


@pytest.mark.parametrize(
    "persisted",
    [
        pytest.param({"version": 2, "sha256Hash": "0" * 64}, id="version-2"),
        pytest.param({"version": "1", "sha256Hash": "0" * 64}, id="version-as-text"),
        pytest.param({"version": True, "sha256Hash": "0" * 64}, id="version-true"),
    ],
)
async def test_other_versions_are_not_supported(
    client: httpx.AsyncClient, user: Person, persisted: dict[str, Any]
) -> None:
    answer = await client.post(
        "/graphql",
        json={"extensions": {"persistedQuery": persisted}},
        headers={"Authorization": user.key},
    )

    assert answer.status_code == 400
    assert code_of(answer) == "PERSISTED_QUERY_NOT_SUPPORTED"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"extensions": {"persistedQuery": {"version": 1}}}, id="no-hash"),
        pytest.param({"extensions": {"persistedQuery": "abc"}}, id="not-an-object"),
        pytest.param(
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "a" * 129}}},
            id="hash-too-long",
        ),
        pytest.param({"extensions": {}}, id="neither-query-nor-hash"),
    ],
)
async def test_malformed_persisted_queries_are_bad_requests(
    client: httpx.AsyncClient, user: Person, body: dict[str, Any]
) -> None:
    answer = await client.post("/graphql", json=body, headers={"Authorization": user.key})

    assert answer.status_code == 400
    assert code_of(answer) == "BAD_REQUEST"


async def test_documents_that_do_not_validate_are_not_kept(
    settings: Settings, user: Person
) -> None:
    too_deep = "query Deep { opportunities(first: 1) { edges { node { stage { id } } } } }"
    unknown_field = "query Nope { me { nope } }"
    broken = "query Broken { me { "
    async with service(settings, max_query_depth=2) as http:
        key = {"Authorization": user.key}
        documents = (too_deep, unknown_field, broken)
        sent = [
            await http.post("/graphql", json=hashed(d, with_query=True), headers=key)
            for d in documents
        ]
        asked = [await http.post("/graphql", json=hashed(d), headers=key) for d in documents]

    assert [code_of(a) for a in sent] == [
        "QUERY_TOO_COMPLEX",
        "GRAPHQL_VALIDATION_FAILED",
        "GRAPHQL_PARSE_FAILED",
    ]
    assert [code_of(a) for a in asked] == ["PERSISTED_QUERY_NOT_FOUND"] * 3


async def test_stored_documents_keep_the_node_budget_and_the_time_budget(
    settings: Settings, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def slow(conn: Any) -> Any:
        await asyncio.sleep(30)

    key = {"Authorization": user.key}
    async with service(settings, max_query_nodes=10) as http:
        variables = {"variables": {"n": 5}}
        small = await http.post(
            "/graphql", json={**hashed(PAGE, with_query=True), **variables}, headers=key
        )
        costly = await http.post(
            "/graphql", json={**hashed(PAGE), "variables": {"n": 50}}, headers=key
        )
    async with service(settings, request_timeout_s=0.5) as http:
        registered = await http.post(
            "/graphql", json=hashed(EMPLOYEES, with_query=True), headers=key
        )
        monkeypatch.setattr(reads, "all_employees", slow)
        late = await http.post("/graphql", json=hashed(EMPLOYEES), headers=key)

    assert small.json() == {"data": {"opportunities": {"edges": []}}}
    assert code_of(costly) == "QUERY_TOO_COSTLY"
    assert costly.json()["errors"][0]["extensions"]["nodes"] == 50
    assert "data" in registered.json()
    assert late.status_code == 503
    assert late.headers["retry-after"] == "1"
    assert code_of(late) == "TIMEOUT"


def test_the_store_keeps_the_most_recently_used_within_its_bytes() -> None:
    one, two, three = "{ a }", "{ bb }", "{ ccc }"
    store = DocumentStore(max_bytes=2 * ENTRY_OVERHEAD + len(two) + len(three))

    store.put("1", one)
    store.put("2", two)
    assert store.get("1") == one  # now the most recent: "2" goes first
    store.put("3", three)

    assert (store.get("1"), store.get("2"), store.get("3")) == (one, None, three)
    assert store.bytes <= store.max_bytes
    store.put("big", "x" * store.max_bytes)
    assert store.get("big") is None
    assert len(store) == 2


async def test_a_small_store_forgets_the_oldest_document(settings: Settings, user: Person) -> None:
    room = ENTRY_OVERHEAD + max(len(ME), len(EMPLOYEES))
    async with service(settings, apq_store_bytes=room) as http:
        key = {"Authorization": user.key}
        for document in (ME, EMPLOYEES):
            await http.post("/graphql", json=hashed(document, with_query=True), headers=key)
        first = await http.post("/graphql", json=hashed(ME), headers=key)
        second = await http.post("/graphql", json=hashed(EMPLOYEES), headers=key)

    assert code_of(first) == "PERSISTED_QUERY_NOT_FOUND"
    assert "data" in second.json()


async def test_without_a_store_persisted_queries_are_not_supported(
    settings: Settings, user: Person
) -> None:
    async with service(settings, apq_store_bytes=0) as http:
        key = {"Authorization": user.key}
        answer = await http.post("/graphql", json=hashed(ME, with_query=True), headers=key)
        plain = await http.post("/graphql", json={"query": ME}, headers=key)

    assert answer.status_code == 200
    assert answer.json()["errors"][0] == {
        "message": "PersistedQueryNotSupported",
        "extensions": {"code": "PERSISTED_QUERY_NOT_SUPPORTED"},
    }
    assert "data" in plain.json()


def relay_manifest(tmp_path: Path, *documents: str) -> Path:
    path = tmp_path / "persisted-queries.json"
    path.write_bytes(orjson.dumps({sha256_hex(d): d for d in documents}))
    return path


def apollo_manifest(tmp_path: Path, *documents: str) -> Path:
    path = tmp_path / "persisted-query-manifest.json"
    operations = [
        {"id": f"op-{n}", "name": f"Op{n}", "type": "query", "body": d}
        for n, d in enumerate(documents)
    ]
    manifest = {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}
    path.write_bytes(orjson.dumps(manifest))
    return path


async def test_trusted_documents_run_only_what_is_registered(
    settings: Settings, user: Person, db: Database, tmp_path: Path
) -> None:
    manifest = relay_manifest(tmp_path, ME)
    async with service(settings, trusted_documents=manifest) as http:
        key = {"Authorization": user.key}
        by_id = await http.post("/graphql", json=hashed(ME), headers=key)
        by_get = await http.get("/graphql", params=as_get(hashed(ME)), headers=key)
        registered_text = await http.post("/graphql", json={"query": ME}, headers=key)
        unknown = await http.post("/graphql", json=hashed(EMPLOYEES), headers=key)
        free_form = await http.post("/graphql", json={"query": EMPLOYEES}, headers=key)
        # APQ registration is off: a correct hash with its query neither runs nor is kept
        registering = await http.post(
            "/graphql", json=hashed(EMPLOYEES, with_query=True), headers=key
        )
        still_unknown = await http.post("/graphql", json=hashed(EMPLOYEES), headers=key)
        other_text = await http.post(
            "/graphql", json={**hashed(ME), "query": EMPLOYEES}, headers=key
        )
        mutation = await http.post(
            "/graphql",
            json={"query": CREATE_COMPANY},
            headers=key,
        )
        # the legacy routes run their own persisted operations
        legacy = await http.get("/api/2.0/crm/settings/currency", headers=key)

    expected = {"data": {"me": {"displayName": "Uma User"}}}
    assert by_id.json() == by_get.json() == registered_text.json() == expected
    assert (unknown.status_code, code_of(unknown)) == (200, "PERSISTED_QUERY_NOT_FOUND")
    for refused in (free_form, registering, mutation):
        assert refused.status_code == 400
        assert code_of(refused) == "TRUSTED_DOCUMENT_REQUIRED"
    assert code_of(still_unknown) == "PERSISTED_QUERY_NOT_FOUND"
    assert (other_text.status_code, code_of(other_text)) == (400, "PERSISTED_QUERY_HASH_MISMATCH")
    assert await count_rows(db, models.Contact) == 0
    assert legacy.status_code == 200
    assert len(legacy.json()["response"]) == 74


async def test_apollos_manifest_format_is_read_by_its_ids(
    settings: Settings, user: Person, tmp_path: Path
) -> None:
    manifest = apollo_manifest(tmp_path, ME, EMPLOYEES)
    async with service(settings, trusted_documents=manifest) as http:
        body = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "op-1"}}}
        answer = await http.post("/graphql", json=body, headers={"Authorization": user.key})

    assert [e["displayName"] for e in answer.json()["data"]["employees"]] == ["Uma User"]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"[]", id="a-list"),
        pytest.param(b'{"abc": 1}', id="not-a-document"),
        pytest.param(b'{"format": "apollo-persisted-query-manifest"}', id="no-operations"),
    ],
)
def test_a_broken_manifest_stops_the_start(
    settings: Settings, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "manifest.json"
    path.write_bytes(content)

    with pytest.raises(ManifestError):
        create_app(settings.model_copy(update={"trusted_documents": path}))
