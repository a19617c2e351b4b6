"""GraphiQL at GET /graphql: our page, every file from this service, nothing from a CDN."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from app.graphql.ide import ASSETS, INSTALL_COMMAND, Asset
from app.main import create_app
from app.settings import Settings
from tests.server import ROOT

HTML = {"Accept": "text/html"}
PLACEHOLDER_HEADERS = {"Authorization": "<your API key>"}


@dataclass(frozen=True)
class Reference:
    """A URL the page makes the browser load: `<script src>` or `<link href>`."""

    tag: str
    url: str
    integrity: str | None


class Page(HTMLParser):
    """What a browser would read from the page: its references, inline scripts, the root div."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.references: list[Reference] = []
        self.inline_scripts: list[str] = []
        self.root: dict[str, str | None] = {}
        self._in_inline_script = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        url = attributes.get("src") or attributes.get("href")
        if url is not None:
            self.references.append(Reference(tag, url, attributes.get("integrity")))
        self._in_inline_script = tag == "script" and "src" not in attributes
        if attributes.get("id") == "graphiql":
            self.root = attributes

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script:
            self.inline_scripts.append(data)


def sha384(content: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()


def sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def served_by_us(reference: Reference) -> bool:
    return reference.url.startswith("/graphql/assets/")


@pytest.fixture
def installed(settings: Settings) -> None:
    missing = [a.file for a in ASSETS if not (settings.graphiql_assets_dir / a.file).is_file()]
    if missing:
        pytest.fail(f"GraphiQL assets not installed ({missing}); run: {INSTALL_COMMAND}")


@pytest.fixture
async def not_installed(settings: Settings, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    empty = tmp_path / "node_modules"
    empty.mkdir()
    app = create_app(settings.model_copy(update={"graphiql_assets_dir": empty}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await app.state.db.dispose()


async def test_page_is_served_without_a_key(client: httpx.AsyncClient, installed: None) -> None:
    # when
    response = await client.get("/graphql", headers=HTML)

    # then
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert Page(response.text).root["data-endpoint"] == "/graphql"


async def test_page_refers_only_to_this_service(client: httpx.AsyncClient, installed: None) -> None:
    # when
    page = Page((await client.get("/graphql", headers=HTML)).text)

    # then
    assert page.references
    for reference in page.references:
        parts = urlsplit(reference.url)
        if parts.scheme == "data":
            continue
        assert (parts.scheme, parts.netloc) == ("", ""), reference
        assert reference.url.startswith("/"), reference
    assert "http://" not in "".join(r.url for r in page.references)
    assert "https://" not in "".join(r.url for r in page.references)


async def test_page_loads_every_asset_once_with_its_integrity(
    client: httpx.AsyncClient, installed: None
) -> None:
    # when
    page = Page((await client.get("/graphql", headers=HTML)).text)

    # then
    ours = [r for r in page.references if served_by_us(r)]
    assert [(r.url.rsplit("/", 1)[1], r.integrity) for r in ours] == [
        (a.name, a.integrity) for a in ASSETS
    ]
    assert {r.tag for r in ours} == {"script", "link"}


@pytest.mark.parametrize("asset", ASSETS, ids=[a.name for a in ASSETS])
async def test_every_asset_is_served_with_its_type_and_digest(
    client: httpx.AsyncClient, installed: None, asset: Asset
) -> None:
    # given
    page = Page((await client.get("/graphql", headers=HTML)).text)
    (reference,) = [r for r in page.references if r.url.endswith(f"/{asset.name}")]

    # when
    response = await client.get(reference.url)

    # then
    assert response.status_code == 200
    expected_type = "text/javascript" if reference.tag == "script" else "text/css"
    assert response.headers["content-type"].split(";")[0] == expected_type
    assert sha384(response.content) == reference.integrity
    assert "immutable" in response.headers["cache-control"]
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_headers_editor_is_shown_with_a_placeholder_key(
    client: httpx.AsyncClient, installed: None
) -> None:
    # when
    response = await client.get("/graphql", headers=HTML)

    # then
    page = Page(response.text)
    assert json.loads(page.root["data-headers"] or "") == PLACEHOLDER_HEADERS
    assert page.root["data-headers"] == '{"Authorization": "<your API key>"}'
    (script,) = page.inline_scripts
    assert 'defaultEditorToolsVisibility: "headers"' in script
    assert "isHeadersEditorEnabled: true" in script
    query = page.root["data-query"] or ""
    assert "me {" in query and "displayName" in query


async def test_inline_script_is_the_only_one_the_policy_allows(
    client: httpx.AsyncClient, installed: None
) -> None:
    # when
    response = await client.get("/graphql", headers=HTML)

    # then
    (script,) = Page(response.text).inline_scripts
    directives = dict(
        d.strip().split(" ", 1) for d in response.headers["content-security-policy"].split(";")
    )
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == f"'self' '{sha256(script)}'"
    assert directives["connect-src"] == "'self'"


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/graphql/assets/lodash.min.js", id="unknown-name"),
        pytest.param("/graphql/assets/..%2F..%2Fapp%2Fsettings.py", id="traversal"),
        pytest.param("/graphql/assets/graphiql/graphiql.min.js", id="node-modules-path"),
        pytest.param("/graphql/assets/", id="listing"),
    ],
)
async def test_only_the_listed_files_are_served(
    client: httpx.AsyncClient, installed: None, path: str
) -> None:
    # when
    response = await client.get(path)

    # then
    assert response.status_code == 404


async def test_without_the_assets_the_page_says_how_to_install_them(
    not_installed: httpx.AsyncClient,
) -> None:
    # when
    page = await not_installed.get("/graphql", headers=HTML)
    asset = await not_installed.get(f"/graphql/assets/{ASSETS[0].name}")

    # then
    assert page.status_code == 503
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "GraphiQL assets are not installed" in page.text
    assert f"<code>{INSTALL_COMMAND}</code>" in page.text
    assert Page(page.text).references == []
    assert asset.status_code == 503


def test_the_install_command_shown_is_the_one_the_scripts_run() -> None:
    # given
    env_script = (ROOT / "scripts" / "_env.sh").read_text()

    # then
    assert INSTALL_COMMAND in env_script


def test_assets_are_found_from_the_package_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    monkeypatch.delenv("CRM_GRAPHIQL_ASSETS_DIR", raising=False)
    monkeypatch.chdir(tmp_path)

    # when
    configured = Settings(_env_file=None)  # type: ignore[call-arg]

    # then
    assert configured.graphiql_assets_dir == ROOT / "assets" / "graphiql" / "node_modules"
