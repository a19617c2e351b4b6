"""Every top-level error carries an `extensions.code` from one list (app/graphql/error_codes)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from app.db.faults import DatabaseBusy
from app.domain import reads
from app.graphql.error_codes import ErrorCode
from app.graphql.persisted import sha256_hex
from app.settings import Settings
from tests.conftest import Person
from tests.in_process import EMPLOYEES, hold_employees, service
from tests.server import ROOT

ME = {"query": "{ me { id } }"}
GRAPHQL_RESPONSE = "application/graphql-response+json"
Ask = Callable[[httpx.AsyncClient, dict[str, str]], Awaitable[httpx.Response]]


def post(body: Any, **headers: str) -> Ask:
    async def ask(http: httpx.AsyncClient, key: dict[str, str]) -> httpx.Response:
        return await http.post("/graphql", json=body, headers={**key, **headers})

    return ask


def post_raw(content: bytes, content_type: str) -> Ask:
    async def ask(http: httpx.AsyncClient, key: dict[str, str]) -> httpx.Response:
        headers = {**key, "Content-Type": content_type}
        return await http.post("/graphql", content=content, headers=headers)

    return ask


def get(**params: str) -> Ask:
    async def ask(http: httpx.AsyncClient, key: dict[str, str]) -> httpx.Response:
        return await http.get("/graphql", params=params, headers=key)

    return ask


async def anonymous(http: httpx.AsyncClient, _: dict[str, str]) -> httpx.Response:
    return await http.post("/graphql", json=ME)


def persisted(document: str, version: int = 1, **extra: Any) -> dict[str, Any]:
    hash_ = {"version": version, "sha256Hash": sha256_hex(document)}
    return {"extensions": {"persistedQuery": hash_}, **extra}


SIX_EMPLOYEE_LISTS = "{ " + " ".join(f"e{n}: employees {{ id }}" for n in range(6)) + " }"
TOO_LONG_SEARCH = f'{{ opportunities(filter: {{search: "{"x" * 201}"}}) {{ totalCount }} }}'
CASES = [
    pytest.param({}, post({"query": "{ me { "}), 400, "GRAPHQL_PARSE_FAILED", id="syntax"),
    pytest.param(
        {"max_query_tokens": 10},
        post({"query": "{ me { id displayName title isAdmin id id id id } }"}),
        400,
        "GRAPHQL_PARSE_FAILED",
        id="too-many-tokens",
    ),
    pytest.param(
        {}, post({"query": "{ me { nope } }"}), 400, "GRAPHQL_VALIDATION_FAILED", id="unknown-field"
    ),
    pytest.param(
        {},
        post({"query": "query($id: ID!) { opportunity(id: $id) { id } }", "variables": {"id": {}}}),
        400,
        "BAD_USER_INPUT",
        id="variable-of-wrong-type",
    ),
    pytest.param(
        {"max_query_depth": 2},
        post({"query": "{ opportunities { edges { node { stage { id } } } } }"}),
        400,
        "QUERY_TOO_COMPLEX",
        id="too-deep",
    ),
    pytest.param({}, post({"query": SIX_EMPLOYEE_LISTS}), 400, "QUERY_TOO_COSTLY", id="costly"),
    pytest.param(
        {},
        post({"query": "{ opportunities(first: 1000) { totalCount } }"}),
        400,
        "INVALID",
        id="page-too-large",
    ),
    pytest.param({}, post({"query": TOO_LONG_SEARCH}), 200, "TOO_LONG", id="search-too-long"),
    pytest.param({}, anonymous, 401, "UNAUTHENTICATED", id="no-key"),
    pytest.param({}, post_raw(b"{", "application/json"), 400, "BAD_REQUEST", id="not-json"),
    pytest.param({}, post([ME]), 400, "BAD_REQUEST", id="batch"),
    pytest.param(
        {}, post_raw(b"{ me { id } }", "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE", id="text"
    ),
    pytest.param(
        {},
        get(query="mutation { createContact(input: {}) { errors { code } } }"),
        405,
        "METHOD_NOT_ALLOWED",
        id="mutation-over-get",
    ),
    pytest.param({}, post(ME, Accept="text/csv"), 406, "NOT_ACCEPTABLE", id="accept-csv"),
    pytest.param(
        {},
        post_raw(b'{"query": "{ me { id } }"' + b" " * 1_048_576 + b"}", "application/json"),
        413,
        "PAYLOAD_TOO_LARGE",
        id="too-large",
    ),
    pytest.param(
        {}, post(persisted("{ me { id } }")), 200, "PERSISTED_QUERY_NOT_FOUND", id="unknown-hash"
    ),
    pytest.param(
        {},
        post(persisted("{ me { id } }", version=2)),
        400,
        "PERSISTED_QUERY_NOT_SUPPORTED",
        id="persisted-version-2",
    ),
    pytest.param(
        {"apq_store_bytes": 0},
        post(persisted("{ me { id } }")),
        200,
        "PERSISTED_QUERY_NOT_SUPPORTED",
        id="persisted-queries-off",
    ),
    pytest.param(
        {},
        post(persisted("{ me { id } }", query="{ me { displayName } }")),
        400,
        "PERSISTED_QUERY_HASH_MISMATCH",
        id="hash-mismatch",
    ),
]


def assert_coded(answer: httpx.Response) -> None:
    """Every error of the answer has a code from the list."""
    errors = answer.json()["errors"]
    assert errors
    for error in errors:
        assert error["extensions"]["code"] in set(ErrorCode), error


@pytest.mark.parametrize(("changes", "ask", "status", "code"), CASES)
async def test_each_kind_of_error_has_its_code(
    settings: Settings,
    user: Person,
    changes: dict[str, Any],
    ask: Ask,
    status: int,
    code: str,
) -> None:
    async with service(settings, **changes) as http:
        answer = await ask(http, {"Authorization": user.key, "Accept": GRAPHQL_RESPONSE})

    assert answer.status_code == status, answer.text
    assert answer.json()["errors"][0]["extensions"]["code"] == code
    assert_coded(answer)


async def test_a_document_outside_the_trusted_ones_is_refused_with_its_code(
    settings: Settings, user: Person, tmp_path: Path
) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(orjson.dumps({"me": "{ me { id } }"}))
    async with service(settings, trusted_documents=manifest) as http:
        answer = await http.post("/graphql", json=EMPLOYEES, headers={"Authorization": user.key})

    assert answer.status_code == 400
    assert answer.json()["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"


async def test_a_masked_crash_keeps_its_path_and_gets_its_code(
    client: httpx.AsyncClient, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(conn: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(reads, "all_employees", broken)
    answer = await client.post("/graphql", json=EMPLOYEES, headers={"Authorization": user.key})

    error = answer.json()["errors"][0]
    assert (answer.status_code, error["message"], error["path"]) == (
        200,
        "Unexpected error.",
        ["employees"],
    )
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "secret" not in answer.text


async def test_a_busy_database_in_a_resolver_is_503_unavailable(
    client: httpx.AsyncClient, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def busy(conn: Any) -> Any:
        raise DatabaseBusy()

    monkeypatch.setattr(reads, "all_employees", busy)
    answer = await client.post("/graphql", json=EMPLOYEES, headers={"Authorization": user.key})

    assert (answer.status_code, answer.headers["retry-after"]) == (503, "1")
    assert answer.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert_coded(answer)


async def test_too_many_requests_in_flight_is_503_unavailable(
    settings: Settings, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting, release = hold_employees(monkeypatch)
    key = {"Authorization": user.key}
    async with service(settings, max_in_flight=1) as http:
        first = asyncio.create_task(http.post("/graphql", json=EMPLOYEES, headers=key))
        await asyncio.wait_for(waiting.wait(), 10)
        busy = await http.post("/graphql", json=ME, headers=key)
        release.set()
        await first

    assert (busy.status_code, busy.headers["retry-after"]) == (503, "1")
    assert busy.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"


async def test_over_the_time_budget_is_503_timeout(
    settings: Settings, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def slow(conn: Any) -> Any:
        await asyncio.sleep(30)

    monkeypatch.setattr(reads, "all_employees", slow)
    async with service(settings, request_timeout_s=0.3) as http:
        answer = await http.post("/graphql", json=EMPLOYEES, headers={"Authorization": user.key})

    assert (answer.status_code, answer.headers["retry-after"]) == (503, "1")
    assert answer.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"


async def test_field_errors_in_payloads_keep_their_own_codes(
    client: httpx.AsyncClient, user: Person
) -> None:
    answer = await client.post(
        "/graphql",
        json={"query": "mutation { createContact(input: {}) { errors { code field } } }"},
        headers={"Authorization": user.key},
    )

    assert "errors" not in answer.json()
    assert answer.json()["data"]["createContact"]["errors"][0]["code"] == "REQUIRED"


def test_every_code_written_in_app_is_on_the_list() -> None:
    written: set[str] = set()
    for path in (ROOT / "app").rglob("*.py"):
        written |= set(re.findall(r'code"?\s*[:=]\s*"([A-Z_]+)"', path.read_text()))

    assert written, "the pattern no longer finds the codes"
    assert written <= set(ErrorCode)


def test_the_readme_lists_every_code_once() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Error codes", 1)[1].split("\n#", 1)[0]
    listed = re.findall(r"^- `([A-Z_]+)`", section, flags=re.MULTILINE)

    assert sorted(listed) == sorted(ErrorCode)
    assert len(listed) == len(set(listed))
