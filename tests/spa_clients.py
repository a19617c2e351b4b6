"""Running the node SPA sessions of spa-clients/ against a live server, and what the server says."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

import httpx

from tests.server import ROOT

CLIENTS = ROOT / "spa-clients"
NODE = shutil.which("node")
SESSION_TIMEOUT_S = 120
# The live servers buffer at most this many request-body bytes at once, so a page's oversized
# mutation is answered 503 + Retry-After by the service itself; every other request is smaller.
BUFFERED_BYTES = 16384
OVERSIZED_BYTES = 2 * BUFFERED_BYTES
REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")
LIST = """query Listed($search: String!) {
  opportunities(filter: {search: $search}, orderBy: [{field: TITLE}], first: 100) {
    totalCount edges { node { id title bidValue } }
  }
}"""


@dataclass(frozen=True)
class Api:
    """A live service: its base URL and the administrator's key."""

    base: str
    key: str

    @property
    def graphql(self) -> str:
        return f"{self.base}/graphql"

    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST a GraphQL request as the administrator; the answer's JSON."""
        answer = httpx.post(self.graphql, json=body, headers={"Authorization": self.key})
        return dict(answer.json())


def node_ready() -> None:
    """Fail with the way out when scripts/test did not install the clients."""
    assert (CLIENTS / "node_modules" / ".installed").exists(), (
        "spa-clients/node_modules is missing: run scripts/test (it runs npm ci there)"
    )


def run_node(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A node (or node_modules/.bin) command in spa-clients/, bounded in time."""
    assert NODE is not None
    return subprocess.run(
        [NODE, *args],
        cwd=CLIENTS,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=SESSION_TIMEOUT_S,
        check=False,
    )


def run_session(name: str, api: Api, token: str, *node_options: str) -> dict[str, Any]:
    """Run `node [options] run.mjs <name> <token>` against `api`; the session's report."""
    done = run_node(
        *node_options,
        "run.mjs",
        name,
        token,
        env={
            "CRM_API": api.graphql,
            "CRM_KEY": api.key,
            "CRM_OVERSIZED_BYTES": str(OVERSIZED_BYTES),
        },
    )
    assert done.returncode == 0, f"{name} session failed:\n{done.stderr}"
    return dict(json.loads(done.stdout))


def listed(api: Api, token: str) -> list[tuple[str, str, str]]:
    """The deals whose title has the word `token`, by title, as the server lists them."""
    answer = api.post({"query": LIST, "variables": {"search": token}})
    connection = answer["data"]["opportunities"]
    nodes = [edge["node"] for edge in connection["edges"]]
    assert connection["totalCount"] == len(nodes)
    return [(node["id"], node["title"], node["bidValue"]) for node in nodes]


def check_apollo_session(report: dict[str, Any], api: Api, token: str, *, in_page: bool) -> None:
    """Every answer of sessions/apollo.mjs, against what the server holds after it."""
    server = listed(api, token)
    created = report["created"]
    renamed = report["edit"]["id"]
    ids = [deal_id for deal_id, _, _ in server]

    # Creates: five deals, each once; the repeat with the first one's key returned the first.
    assert len(created) == 5
    assert all(deal["title"].startswith(f"{token} ") for deal in created)
    assert sorted(deal["id"] for deal in created) == sorted(ids)
    assert report["repeatedCreate"] == {"id": created[0]["id"], "key": created[0]["idempotencyKey"]}

    # Paging: one request a page, every deal once, in the server's title order.
    assert report["pages"] == [[{"status": 200, "codes": []}]] * 3
    cached = report["cachedList"]
    by_title = sorted(created, key=lambda deal: deal["title"])
    assert cached["ids"] == ids == [deal["id"] for deal in by_title]
    assert cached["titles"] == [deal["title"] for deal in by_title]
    assert (cached["totalCount"], cached["hasNextPage"]) == (5, False)
    assert len(set(cached["cursors"])) == 5

    # The edit: the mutation's answer updated the watched list; nothing was read again.
    edit = report["edit"]
    assert edit["requests"] == ["SpaSessionRenameMutation"]
    assert edit["answer"]["errors"] == []
    watched = edit["watchedList"]
    assert watched["ids"] == ids
    assert watched["titles"] == [title for _, title, _ in server]
    assert [bid for _, _, bid in server] == watched["bidValues"]
    position = ids.index(renamed)
    assert watched["titles"][position] == f"{cached['titles'][position]} renamed"
    assert watched["bidValues"][position] == "250.000000000"
    assert cached["bidValues"][position] != "250.000000000"

    check_persisted_queries(report["persisted"], api, token)

    errors = report["errors"]
    assert errors["unknownField"]["codes"] == ["GRAPHQL_VALIDATION_FAILED"]
    assert errors["pageTooLarge"] == {
        "name": "CombinedGraphQLErrors",
        "codes": ["INVALID"],
        "paths": [["opportunities"]],
    }

    # The oversized create: refused 503 before it ran, Retry-After and X-Request-ID readable.
    busy = report["busy"]
    assert busy["requests"][0]["status"] == 503
    assert busy["requests"][0]["bodyBytes"] > BUFFERED_BYTES
    assert (busy["errorName"], busy["statusCode"], busy["code"]) == (
        "ServerError",
        503,
        "UNAVAILABLE",
    )
    assert busy["retryAfter"] == "1"
    assert REQUEST_ID.match(busy["requestId"])
    assert len(server) == 5, "the refused create wrote nothing"

    request_ids = report["requestIds"]
    assert all(REQUEST_ID.match(each or "") for each in request_ids), request_ids
    assert len(set(request_ids)) == len(request_ids)
    # A page reads only what the service exposes (Date is not); node reads every header.
    assert all((date is None) == in_page for date in report["dates"]), report["dates"]


def check_persisted_queries(runs: list[dict[str, Any]], api: Api, token: str) -> None:
    """Apollo's persisted-query handshake, and the server keeping the document afterwards."""
    first, second = runs
    unknown, registered = first["requests"]
    query = registered["query"]
    digest = hashlib.sha256(query.encode()).hexdigest()
    assert (unknown["method"], unknown["query"], unknown["persistedHash"]) == ("POST", None, digest)
    assert (unknown["status"], unknown["codes"], unknown["hasData"]) == (
        200,
        ["PERSISTED_QUERY_NOT_FOUND"],
        False,
    )
    assert (registered["method"], registered["persistedHash"]) == ("POST", digest)
    assert (registered["status"], registered["codes"], registered["hasData"]) == (200, [], True)
    [by_hash] = second["requests"]
    assert (by_hash["method"], by_hash["query"], by_hash["persistedHash"]) == ("GET", None, digest)
    assert (by_hash["status"], by_hash["codes"], by_hash["hasData"]) == (200, [], True)
    assert first["totalCount"] == second["totalCount"] == 5

    # The server itself now runs the document by its hash alone.
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    answer = api.post({"extensions": extensions, "variables": {"search": token}})
    connection = {"__typename": "OpportunityConnection", "totalCount": 5}
    assert answer == {"data": {"opportunities": connection}}
