"""The clients SPA teams use, from npm, against a live server: Apollo Client, urql and Relay.

Scripted sessions in spa-clients/ (node ES modules) create, page, edit and read through each
client's own cache and report what they saw; the server is asked afterwards what it holds.
The same Apollo session then runs in headless chromium, from a page on another origin (CORS).
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
from base64 import b64decode, b64encode
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.databases import PostgresTemplates, SQLiteTemplates
from tests.server import running_server
from tests.spa_clients import (
    BUFFERED_BYTES,
    CLIENTS,
    NODE,
    OVERSIZED_BYTES,
    SESSION_TIMEOUT_S,
    Api,
    check_apollo_session,
    listed,
    node_ready,
    run_node,
    run_session,
)
from tests.spa_page import (
    PAGE_TIMEOUT_S,
    build_page,
    chromium_missing,
    cross_origin_requests,
    headless_chromium,
    static_site,
)

pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed: install Node.js 20 or newer with npm"
)
KEY = "spa-clients-admin-key"
SERVER = {"CRM_BOOTSTRAP_API_KEY": KEY, "CRM_MAX_BUFFERED_BODY_BYTES": str(BUFFERED_BYTES)}
# relay-compiler's own binary: its node wrapper would turn a crash by signal into exit code 0.
WHICH_RELAY_BINARY = ("-p", "require('relay-compiler')")
OPERATION = re.compile(r"^\s*(?:query|mutation|subscription) (\w+)", re.MULTILINE)
FRAGMENT = re.compile(r"^\s*fragment (\w+)", re.MULTILINE)
# The query relay-compiler makes from a @refetchable fragment (it reads the object via node).
REFETCH_QUERY = re.compile(r'@refetchable\(queryName: "(\w+)"\)')


def fresh_token() -> str:
    """A word no other deal's title has: each session lists only its own deals."""
    return f"spa{secrets.token_hex(4)}"


@pytest.fixture(scope="module")
def api(
    templates: SQLiteTemplates | PostgresTemplates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """One live server for the node sessions (each works on deals of its own token)."""
    node_ready()
    url = templates.fresh(tmp_path_factory.mktemp("spa-clients"))
    try:
        with running_server(url, **SERVER) as base:
            yield Api(base, KEY)
    finally:
        templates.drop(url)


@pytest.fixture(scope="module")
def relay_compiled() -> subprocess.CompletedProcess[str]:
    """relay-compiler over documents/ and the README's graphql blocks (copied by a script)."""
    node_ready()
    copied = run_node("readme-documents.mjs")
    assert copied.returncode == 0, copied.stderr
    assert json.loads(copied.stdout)["blocks"] >= 3
    (CLIENTS / "generated" / "relay").mkdir(parents=True, exist_ok=True)
    return run_relay_compiler(CLIENTS / "relay.config.json")


def run_relay_compiler(config: Path) -> subprocess.CompletedProcess[str]:
    """relay-compiler with `config`, bounded in time."""
    binary = run_node(*WHICH_RELAY_BINARY)
    assert binary.returncode == 0, binary.stderr
    return subprocess.run(
        [binary.stdout.strip(), str(config)],
        cwd=CLIENTS,
        capture_output=True,
        text=True,
        timeout=SESSION_TIMEOUT_S,
        check=False,
    )


def test_apollo_client_creates_pages_edits_and_persists_queries(api: Api) -> None:
    token = fresh_token()
    report = run_session("apollo", api, token)

    check_apollo_session(report, api, token, in_page=False)


def test_urql_document_cache_answers_repeats_and_a_mutation_invalidates_it(api: Api) -> None:
    token = fresh_token()
    report = run_session("urql", api, token)
    server = listed(api, token)
    created = report["created"]
    before = sorted(created, key=lambda deal: deal["title"])

    assert len(created) == 5
    assert sorted(deal["id"] for deal in created) == sorted(id_ for id_, _, _ in server)
    # Three pages, one request each, every deal once, in title order.
    pages = report["pages"]
    assert [page["requests"] for page in pages] == [1, 1, 1]
    assert [id_ for page in pages for id_ in page["ids"]] == [deal["id"] for deal in before]
    assert [title for page in pages for title in page["titles"]] == [d["title"] for d in before]
    assert {page["totalCount"] for page in pages} == {5}
    # Read again: the same answers from the document cache, no request.
    again = report["repeatedRead"]
    assert [page["requests"] for page in again] == [0, 0, 0]
    assert [page["titles"] for page in again] == [page["titles"] for page in pages]
    # The rename's Opportunity invalidated the watched first page: it was fetched and shown.
    rename = report["rename"]
    assert rename["answer"]["errors"] == []
    assert rename["requests"] == ["SpaSessionRenameMutation", "SpaSessionPageQuery"]
    assert rename["emitted"][0] == pages[0]["titles"]
    assert rename["emitted"][-1] == [title for _, title, _ in server][:2]
    assert rename["emitted"][-1][0] == f"{pages[0]['titles'][0]} renamed"
    assert rename["id"] == pages[0]["ids"][0]
    # The second page held Opportunities too: read from the service again.
    assert report["secondPageAgain"] == {"titles": pages[1]["titles"], "requests": 1}
    # urql's default: queries over GET (within the URL limit), mutations over POST.
    assert sorted(report["methods"]) == ["GET", "POST"]


def test_relay_compiler_validates_the_documents_and_the_readme(
    relay_compiled: subprocess.CompletedProcess[str],
) -> None:
    generated = {path.name for path in (CLIENTS / "generated" / "relay").iterdir()}
    sources = [*(CLIENTS / "documents").glob("*.js"), *(CLIENTS / "generated/readme").glob("*.js")]
    texts = [path.read_text() for path in sources]
    operations = {name for text in texts for name in OPERATION.findall(text)}
    made = {name for text in texts for name in FRAGMENT.findall(text) + REFETCH_QUERY.findall(text)}

    assert relay_compiled.returncode == 0, relay_compiled.stdout + relay_compiled.stderr
    assert {
        "Board",
        "Deals",
        "Detail",
        "SpaSessionPageQuery",
        "SpaSessionRenameMutation",
    } <= operations
    assert made == {"SpaSession_deal", "SpaSessionDealRefetchQuery"}
    assert generated == {f"{name}.graphql.js" for name in operations | made}
    assert (
        f"compiled documents: {len(operations | made)} reader"
        in relay_compiled.stderr + relay_compiled.stdout
    )


def test_relay_compiler_refuses_a_document_outside_the_schema(tmp_path: Path) -> None:
    node_ready()
    (tmp_path / "src").mkdir()
    (tmp_path / "generated").mkdir()
    (tmp_path / "src" / "Broken.js").write_text(
        "const graphql = (s) => s[0];\n"
        "export default graphql`query BrokenQuery { me { id shoeSize } }`;\n"
    )
    config = {
        "src": str(tmp_path / "src"),
        "schema": str(CLIENTS.parent / "schema.graphql"),
        "language": "javascript",
        "artifactDirectory": str(tmp_path / "generated"),
    }
    (tmp_path / "relay.config.json").write_text(json.dumps(config))

    refused = run_relay_compiler(tmp_path / "relay.config.json")

    assert refused.returncode != 0
    assert "shoeSize" in refused.stdout + refused.stderr
    assert list((tmp_path / "generated").iterdir()) == []


def test_relay_runtime_creates_and_pages_through_a_network_layer(
    api: Api, relay_compiled: subprocess.CompletedProcess[str]
) -> None:
    assert relay_compiled.returncode == 0
    token = fresh_token()
    report = run_session("relay", api, token)
    server = listed(api, token)

    assert sorted(deal["id"] for deal in report["created"]) == sorted(i for i, _, _ in server)
    assert [page["ids"] for page in report["pages"]] == [
        [id_ for id_, _, _ in server[:2]],
        [id_ for id_, _, _ in server[2:]],
    ]
    assert [t for page in report["pages"] for t in page["titles"]] == [t for _, t, _ in server]
    assert [page["stages"] for page in report["pages"]] == [["Suspect"] * 2, ["Suspect"]]
    assert {page["totalCount"] for page in report["pages"]} == {3}
    assert report["stored"] == [
        {"typename": "Opportunity", "title": deal["title"]} for deal in report["created"]
    ]
    assert report["operations"] == [
        "SpaSessionMeQuery",
        *["SpaSessionCreateMutation"] * 3,
        *["SpaSessionPageQuery"] * 2,
        "SpaSessionDealRefetchQuery",
    ]
    # The @refetchable fragment's query read the deal again through node(id:): the store
    # holds the bid another client gave it.
    refetch = report["refetch"]
    assert refetch["errors"] == []
    assert refetch["found"] is True
    assert refetch["typename"] == "Opportunity"
    assert refetch["before"] != refetch["after"]
    assert Decimal(refetch["after"]) == Decimal("1234.5")


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[WebDriver]:
    reason = chromium_missing()
    if reason:
        pytest.skip(reason)
    with headless_chromium(tmp_path / "chromium-profile") as driver:
        yield driver


def test_a_page_on_another_origin_runs_the_apollo_session(
    database_url: str, chromium: WebDriver
) -> None:
    node_ready()
    token = fresh_token()
    with (
        static_site(build_page()) as origin,
        running_server(database_url, **SERVER, CRM_CORS_ORIGINS=origin) as base,
    ):
        api = Api(base, KEY)
        settings = {"api": api.graphql, "key": KEY, "token": token, "oversized": OVERSIZED_BYTES}
        chromium.get(f"{origin}/?{urlencode(settings)}")
        WebDriverWait(chromium, PAGE_TIMEOUT_S).until(
            lambda driver: driver.execute_script("return window.spaSession !== undefined")
        )
        outcome: dict[str, Any] = chromium.execute_script("return window.spaSession")
        sent = cross_origin_requests(chromium, api.graphql)

        assert "error" not in outcome, outcome["error"]
        check_apollo_session(outcome["report"], api, token, in_page=True)
    assert origin.rsplit(":", 1)[1] != base.rsplit(":", 1)[1]
    # Apollo's client headers made the browser ask first; the answer let the creates carry an
    # Idempotency-Key (six creates and the refused one; a later preflight may come from cache).
    asked = {
        header for request in sent if request["method"] == "OPTIONS" for header in request["asks"]
    }
    assert {"apollographql-client-name", "authorization", "content-type"} <= asked
    keyed = [request for request in sent if "idempotency-key" in request["headers"]]
    assert [request["method"] for request in keyed] == ["POST"] * 7


# Identity and concurrent-edit sessions (issue 16); spa-clients/sessions/pending.mjs.


def test_custom_fields_of_two_deals_read_apart(api: Api) -> None:
    """Per-deal custom-field value ids: each deal shows its own value through Apollo's cache."""
    report = run_session("custom-fields", api, fresh_token())

    assert report["read"] == report["written"]
    assert len(set(report["written"].values())) == 2


def test_two_tabs_editing_one_deal_one_gets_conflict(api: Api) -> None:
    """updateOpportunity is a patch with expectedVersion: the later tab gets CONFLICT."""
    token = fresh_token()
    report = run_session("two-tabs", api, token)
    first_seen, second_seen = report["seen"]
    version = first_seen["version"]

    assert second_seen["version"] == version
    assert report["firstEdit"]["errors"] == []
    assert report["firstEdit"]["opportunity"]["version"] == version + 1
    assert [error["code"] for error in report["secondEdit"]["errors"]] == ["CONFLICT"]
    assert report["reread"]["title"] == f"{token} first tab"
    assert report["reread"]["version"] == version + 1
    assert report["retried"]["errors"] == []
    assert report["final"]["title"] == f"{token} second tab"
    assert report["final"]["version"] == version + 2
    # Patches: the description no edit named is still the one the create gave.
    assert report["final"]["description"] == "kept by patches"


def test_apollo_hears_its_own_changes_over_graphql_ws(api: Api) -> None:
    """Apollo's GraphQLWsLink over graphql-ws: created, renamed and deleted, in order (issue 17)."""
    token = fresh_token()
    report = run_session("live", api, token, "--experimental-websocket")
    created, renamed, deleted = report["events"]
    deal = report["id"]

    assert report["errors"] == []
    assert [event["kind"] for event in report["events"]] == ["CREATED", "UPDATED", "DELETED"]
    assert {event["opportunityId"] for event in report["events"]} == {deal}
    assert created["opportunity"] == {
        "id": deal,
        "title": f"{token} alpha",
        "__typename": "Opportunity",
    }
    assert renamed["opportunity"]["title"] == f"{token} beta"
    assert "title" in renamed["changed"]
    assert deleted["opportunity"] is None
    assert created["version"] < renamed["version"] <= deleted["version"]
    # The server agrees: the deal is gone.
    assert all(deal_id != deal for deal_id, _, _ in listed(api, token))


def test_relay_default_store_keys_deals_by_their_global_ids(
    api: Api, relay_compiled: subprocess.CompletedProcess[str]
) -> None:
    """relay-runtime's default store (no getDataID) keeps each deal under its global id."""
    assert relay_compiled.returncode == 0
    token = fresh_token()
    report = run_session("relay-default-store", api, token)
    server = listed(api, token)

    assert [t for page in report["pages"] for t in page["titles"]] == [t for _, t, _ in server]
    assert [r["title"] for r in report["stored"]] == [d["title"] for d in report["created"]]
    assert {r["typename"] for r in report["stored"]} == {"Opportunity"}
    # Global ids: "Opportunity:<databaseId>" in base64, unique across types.
    decoded = [b64decode(d["id"]).decode() for d in report["created"]]
    assert all(text.startswith("Opportunity:") for text in decoded)
    assert (
        report["me"]["id"] == b64encode(b"Employee:" + report["me"]["databaseId"].encode()).decode()
    )
