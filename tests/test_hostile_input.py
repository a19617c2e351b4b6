"""Hostile input: fuzzers against the live service, and the classic nasty payloads by hand.

No 500, no answer that contradicts the OpenAPI document, and no write from a refused request.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations
from hypothesis_graphql import nodes as gql_nodes
from sqlalchemy import select

from app.db import models
from app.db.engine import Database
from app.domain.bounds import MAX_MEMBERS
from app.graphql.schema import build_schema
from tests.conftest import GraphQL, Person, count_rows, nothing_written
from tests.factories import contact, custom_field, legacy_opportunity_body, opportunity_input
from tests.server import ROOT, running_server

KEY = "fuzz-bootstrap-key"
CONFIG = ROOT / "tests" / "fuzz" / "schemathesis.toml"
LEGACY = "/api/2.0/crm/opportunity"


def schemathesis(
    location: str, report_dir: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    # One worker: with two, hypothesis parses lambda sources with `ast` in both worker threads,
    # and CPython 3.11's parser is not safe across threads ("SystemError: AST constructor
    # recursion depth mismatch" ended a PostgreSQL run with a Runtime Error, twice).
    return subprocess.run(
        [
            sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", location,
            "-H", f"Authorization: {KEY}", "--seed", "20261129",
            "--report", "har", "--report-dir", str(report_dir), *options,
        ],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def har_entries(report_dir: Path) -> list[dict[str, Any]]:
    [report] = report_dir.glob("*.json")
    entries: list[dict[str, Any]] = json.loads(report.read_text())["log"]["entries"]
    return entries


async def stored_opportunities(database_url: str) -> set[int]:
    db = Database(database_url)
    try:
        async with db.read() as conn:
            return set((await conn.execute(select(models.opportunity_t.c.id))).scalars())
    finally:
        await db.dispose()


def opportunity_ids(entries: list[dict[str, Any]], method: str, path: str) -> set[int]:
    """The deals named by successful answers to `method` on `path` (with or without .json)."""
    ids: set[int] = set()
    for entry in entries:
        request, response = entry["request"], entry["response"]
        route = urlsplit(request["url"]).path.removesuffix(".json")
        if request["method"] != method or response["status"] >= 300:
            continue
        if not re.fullmatch(path, route):
            continue
        answer = json.loads(response["content"]["text"])["response"]
        ids |= {deal["id"] for deal in (answer if isinstance(answer, list) else [answer])}
    return ids


def test_schemathesis_finds_nothing_in_the_legacy_openapi_routes(
    database_url: str, tmp_path: Path
) -> None:
    with running_server(database_url, CRM_BOOTSTRAP_API_KEY=KEY) as base:
        # Each path's `.json` twin is the same endpoint (tests/legacy check that it answers
        # alike); fuzzing it too doubled the run's time and found nothing the twin could not.
        done = schemathesis(
            f"{base}/api/2.0/openapi.json", tmp_path, "--checks", "all", "-n", "60",
            "--exclude-path-regex", r"\.json$",
        )  # fmt: skip

    assert done.returncode == 0, done.stdout[-4000:]
    entries = har_entries(tmp_path)
    assert len(entries) > 100
    assert all(e["response"]["status"] < 500 for e in entries)
    created = opportunity_ids(entries, "POST", LEGACY)
    deleted = (
        opportunity_ids(entries, "DELETE", rf"{LEGACY}/[0-9]+")
        | opportunity_ids(entries, "PUT", LEGACY)  # the batch delete
        | opportunity_ids(entries, "DELETE", rf"{LEGACY}/filter")
    )
    # every opportunity in the database answers a successful create and was not deleted since;
    # refused requests wrote nothing
    assert asyncio.run(stored_opportunities(database_url)) == created - deleted


def test_schemathesis_finds_nothing_in_graphql(database_url: str, tmp_path: Path) -> None:
    with running_server(database_url, CRM_BOOTSTRAP_API_KEY=KEY) as base:
        # positive_data_acceptance is off here: GraphQL's types cannot say that `first` stops
        # at 100 or that a cursor must be one, and the fuzzer writes such values inline.
        done = schemathesis(
            f"{base}/graphql", tmp_path, "--checks", "all", "--exclude-checks",
            "positive_data_acceptance", "-n", "25",
        )  # fmt: skip

    assert done.returncode == 0, done.stdout[-4000:]
    assert all(e["response"]["status"] < 500 for e in har_entries(tmp_path))


SDL = build_schema().as_str()
SCALARS = {
    "UUID": st.uuids().map(lambda u: gql_nodes.String(str(u))),
    "DateTime": st.datetimes().map(lambda d: gql_nodes.String(d.isoformat() + "Z")),
    "Decimal": st.decimals(allow_nan=False, allow_infinity=False, places=2).map(
        lambda d: gql_nodes.String(str(d))
    ),
}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=mutations(SDL, mode=Mode.NEGATIVE, custom_scalars=SCALARS))
async def test_invalid_mutations_are_refused_before_anything_is_written(
    client: httpx.AsyncClient, db: Database, user: Person, document: str
) -> None:
    before = await count_rows(db, models.Contact), await count_rows(db, models.Stage)

    response = await client.post(
        "/graphql",
        json={"query": document},
        headers={"Authorization": user.key, "Accept": "application/graphql-response+json"},
    )

    assert response.status_code == 400, response.text
    assert "data" not in response.json()
    assert await nothing_written(db)
    assert (await count_rows(db, models.Contact), await count_rows(db, models.Stage)) == before


# --- the classics, by hand -------------------------------------------------------------------


CREATE = """
mutation($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) { errors { code field } opportunity { id } }
}
"""


async def graphql(
    client: httpx.AsyncClient, user: Person, body: Any, **headers: str
) -> httpx.Response:
    return await client.post(
        "/graphql",
        content=body if isinstance(body, bytes) else json.dumps(body).encode(),
        headers={"Authorization": user.key, "Content-Type": "application/json", **headers},
    )


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        pytest.param({"title": "x" * 100_000}, "TOO_LONG", id="huge-title"),
        pytest.param({"bidValue": "1" * 60}, "INVALID", id="huge-number"),
        pytest.param({"bidValue": "1e-400"}, "INVALID", id="tiny-number"),
    ],
)
async def test_huge_values_are_refused_with_a_typed_error(
    client: httpx.AsyncClient, db: Database, user: Person, extra: dict[str, Any], code: str
) -> None:
    response = await graphql(
        client,
        user,
        {"query": CREATE, "variables": {"input": opportunity_input(responsible=user, **extra)}},
    )

    assert response.status_code == 200
    assert response.json()["data"]["createOpportunity"]["errors"][0]["code"] == code
    assert await nothing_written(db)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(
            {"query": CREATE, "variables": {"input": {"title": "a\x00b", "responsibleId": "x"}}},
            400,
            id="nul-variable",
        ),
        pytest.param(
            {"query": '{ contacts(filter: {search: "a\\u0000"}) { totalCount } }'},
            400,
            id="nul-literal",
        ),
        pytest.param(b'{"query": "{ me { id } }", "x": "\xff\xfe"}', 400, id="invalid-utf8"),
        pytest.param(b'{"query": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", 400, id="deep-json"),
        pytest.param(
            {
                "query": "query($n: Int) { opportunities(first: $n) { totalCount } }",
                "variables": {"n": 2**40},
            },
            400,
            id="int-out-of-range",
        ),
        pytest.param(
            {"query": "{ me " + "{ id " * 2000 + "}" * 2001 + " }"}, 400, id="deep-document"
        ),
    ],
)
async def test_malicious_graphql_bodies_are_refused(
    client: httpx.AsyncClient, db: Database, user: Person, body: Any, status: int
) -> None:
    response = await graphql(client, user, body, Accept="application/graphql-response+json")

    assert response.status_code == status, response.text[:500]
    assert await nothing_written(db)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        pytest.param({"title": "a\x00b"}, "title", id="nul"),
        pytest.param({"stageid": 2**40}, "stageid", id="int-out-of-range"),
        pytest.param({"members": [[[[[1]]]]]}, "members", id="nested-arrays"),
        pytest.param(
            {"customFieldList": [{"key": 1, "value": {"deep": [1]}}]},
            "customFieldList",
            id="object-value",
        ),
        pytest.param(
            {"expectedCloseDate": "9999-12-31T23:59:59-23:59"},
            "expectedCloseDate",
            id="date-overflow",
        ),
    ],
)
async def test_malicious_legacy_parameters_are_refused(
    client: httpx.AsyncClient, db: Database, user: Person, body: dict[str, Any], fragment: str
) -> None:
    response = await client.post(
        LEGACY,
        json=legacy_opportunity_body(responsible=user, **body),
        headers={"Authorization": user.key},
    )

    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]
    assert await nothing_written(db)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"title": "\xff"}', id="invalid-utf8"),
        pytest.param(b"[" * 100_000, id="deep-json"),
        pytest.param(b'{"title": ' + b'"' + b"x" * 2_000_000 + b'"}', id="huge-body"),
    ],
)
async def test_malicious_legacy_bodies_are_refused(
    client: httpx.AsyncClient, db: Database, user: Person, raw: bytes
) -> None:
    response = await client.post(
        LEGACY, content=raw, headers={"Authorization": user.key, "Content-Type": "application/json"}
    )

    assert response.status_code in (400, 413)
    assert response.json()["status"] == 1
    assert await nothing_written(db)


async def test_ten_thousand_members_are_refused_before_any_lookup(
    client: httpx.AsyncClient, db: Database, gql: GraphQL, user: Person
) -> None:
    # given: three real contacts among ten thousand made-up ids
    real = [await contact(gql, as_=user, companyName=f"Company {i}") for i in range(3)]
    members = [*range(1_000_000, 1_010_000 - len(real)), *real]

    # when
    response = await client.post(
        LEGACY,
        json=legacy_opportunity_body(responsible=user, members=members),
        headers={"Authorization": user.key},
    )

    # then: a deal holds at most MAX_MEMBERS members, so the request is refused whole
    assert response.status_code == 400
    assert f"At most {MAX_MEMBERS} members" in response.json()["error"]["message"]
    assert await nothing_written(db)


async def test_members_up_to_the_cap_are_kept(
    client: httpx.AsyncClient, db: Database, gql: GraphQL, user: Person
) -> None:
    # given: the cap filled with unknown ids and three real contacts
    real = [await contact(gql, as_=user, companyName=f"Company {i}") for i in range(3)]
    members = [*range(1_000_000, 1_000_000 + MAX_MEMBERS - len(real)), *real]

    # when
    response = await client.post(
        LEGACY,
        json=legacy_opportunity_body(responsible=user, members=members),
        headers={"Authorization": user.key},
    )

    # then: unknown ids are skipped silently, as the original does
    assert response.status_code == 200, response.text
    assert sorted(m["id"] for m in response.json()["response"]["members"]) == sorted(real)
    assert await count_rows(db, models.OpportunityMember) == 3


async def test_duplicate_custom_field_keys_keep_the_last_value(
    client: httpx.AsyncClient, db: Database, gql: GraphQL, user: Person, admin: Person
) -> None:
    source = await custom_field(gql, as_=admin, label="Source")
    values = [{"key": source, "value": f"v{i}"} for i in range(50)]

    response = await client.post(
        LEGACY,
        json=legacy_opportunity_body(responsible=user, customFieldList=values),
        headers={"Authorization": user.key},
    )

    assert [f["fieldValue"] for f in response.json()["response"]["customFields"]] == ["v49"]
    assert await count_rows(db, models.OpportunityCustomField) == 1
