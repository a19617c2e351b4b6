"""Persisted documents named by `documentId` (GraphQL over HTTP's proposal) or Relay's `doc_id`."""

from __future__ import annotations

from pathlib import Path

import httpx
import orjson

from app.graphql.persisted import sha256_hex
from app.settings import Settings
from tests.conftest import Person
from tests.in_process import service
from tests.test_persisted_queries import EMPLOYEES, ME, code_of, hashed

EXPECTED = {"data": {"me": {"displayName": "Uma User"}}}


async def test_relays_doc_id_and_document_id_run_trusted_documents(
    settings: Settings, user: Person, tmp_path: Path
) -> None:
    # given: a manifest as relay-compiler's persist output writes it, {id: text}
    manifest = tmp_path / "persisted-queries.json"
    manifest.write_bytes(orjson.dumps({"md5-like-id-1": ME}))
    async with service(settings, trusted_documents=manifest) as http:
        key = {"Authorization": user.key}
        # when
        relay = await http.post("/graphql", json={"doc_id": "md5-like-id-1"}, headers=key)
        spec = await http.post("/graphql", json={"documentId": "md5-like-id-1"}, headers=key)
        by_get = await http.get("/graphql", params={"documentId": "md5-like-id-1"}, headers=key)
        unknown = await http.post("/graphql", json={"doc_id": "nope"}, headers=key)
        wrong = await http.post("/graphql", json={"doc_id": 7}, headers=key)
        free_form = await http.post("/graphql", json={"query": EMPLOYEES}, headers=key)

    # then
    assert relay.json() == spec.json() == by_get.json() == EXPECTED
    assert (unknown.status_code, code_of(unknown)) == (200, "PERSISTED_QUERY_NOT_FOUND")
    assert wrong.status_code == 400 and "documentId" in wrong.json()["errors"][0]["message"]
    assert (free_form.status_code, code_of(free_form)) == (400, "TRUSTED_DOCUMENT_REQUIRED")


async def test_document_id_names_an_automatically_persisted_query_by_its_hash(
    client: httpx.AsyncClient, user: Person
) -> None:
    key = {"Authorization": user.key}
    document_id = f"sha256:{sha256_hex(ME)}"
    before = await client.post("/graphql", json={"documentId": document_id}, headers=key)
    await client.post("/graphql", json=hashed(ME, with_query=True), headers=key)
    after = await client.post("/graphql", json={"documentId": document_id}, headers=key)
    bare = await client.post("/graphql", json={"doc_id": sha256_hex(ME)}, headers=key)
    mismatch = await client.post(
        "/graphql", json={"documentId": document_id, "query": EMPLOYEES}, headers=key
    )

    assert code_of(before) == "PERSISTED_QUERY_NOT_FOUND"
    assert after.json() == bare.json() == EXPECTED
    assert (mismatch.status_code, code_of(mismatch)) == (400, "PERSISTED_QUERY_HASH_MISMATCH")
