"""GraphiQL at `GET /graphql`, with every script and style served by this service.

Subscriptions run over graphql-transport-ws: GraphiQL's bundle carries the graphql-ws client.
The browser files come from the npm registry at set-up (`assets/graphiql/package-lock.json`,
installed by `scripts/_env.sh` into `node_modules`, never committed). Only the files of `ASSETS`
are served, under `/graphql/assets/<name>`; their sha384 digests are those of the upstream
releases, so the browser refuses anything else. Without the files the page is a 503 that says
how to install them, instead of a GraphiQL that never finishes loading.
"""

from __future__ import annotations

import base64
import hashlib
import html
from dataclasses import dataclass
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

ASSETS_PATH = "/graphql/assets"
INSTALL_COMMAND = "npm ci --prefix assets/graphiql --no-audit --no-fund --ignore-scripts"

_JS = "text/javascript; charset=utf-8"
_CSS = "text/css; charset=utf-8"


@dataclass(frozen=True)
class Asset:
    """One browser file: its URL name, where npm puts it, its type and its sha384 digest."""

    name: str
    file: str
    media_type: str
    integrity: str

    @property
    def is_script(self) -> bool:
        return self.media_type == _JS


# In page order. Names carry the version: the files are cached as immutable.
ASSETS = (
    Asset(
        "graphiql-3.8.3.min.css",
        "graphiql/graphiql.min.css",
        _CSS,
        "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    ),
    Asset(
        "plugin-explorer-1.0.2.css",
        "@graphiql/plugin-explorer/dist/style.css",
        _CSS,
        "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
    ),
    Asset(
        "react-18.2.0.min.js",
        "react/umd/react.production.min.js",
        _JS,
        "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
    ),
    Asset(
        "react-dom-18.2.0.min.js",
        "react-dom/umd/react-dom.production.min.js",
        _JS,
        "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
    ),
    Asset(
        "graphiql-3.8.3.min.js",
        "graphiql/graphiql.min.js",
        _JS,
        "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    ),
    Asset(
        "plugin-explorer-1.0.2.umd.js",
        "@graphiql/plugin-explorer/dist/index.umd.js",
        _JS,
        "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
    ),
)
_BY_NAME = {asset.name: asset for asset in ASSETS}

HEADERS_PLACEHOLDER = '{"Authorization": "<your API key>"}'
DEFAULT_QUERY = """\
# 1. In Headers below, replace <your API key> with your key.
# 2. Run with Ctrl-Enter or the ▶ button.
# Docs and the explorer load as soon as the key works.
{
  me {
    id
    displayName
  }
}
"""

# Static, so the page's Content-Security-Policy can allow exactly this inline script by digest.
_BOOT_SCRIPT = """
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  if (!window.React || !window.ReactDOM || !window.GraphiQL || !window.GraphiQLPluginExplorer) {
    root.textContent = "GraphiQL's scripts did not load; the browser console says why.";
    return;
  }
  var explorer = GraphiQLPluginExplorer.explorerPlugin();

  // The Authorization header in the editor's text; null while the text is not a JSON object.
  function authorizationIn(text) {
    var headers;
    try {
      headers = JSON.parse(text || "{}");
    } catch (error) {
      return null;
    }
    if (headers === null || typeof headers !== "object") return null;
    for (var name in headers) {
      if (name.toLowerCase() === "authorization") return String(headers[name]);
    }
    return "";
  }

  function Page() {
    var authorization = React.useState(authorizationIn(root.dataset.headers));
    var timer = React.useRef(undefined);
    // GraphiQL introspects again with each new fetcher, and introspection needs a key too:
    // a new one per key typed makes the docs, the explorer and completion appear.
    // Subscriptions go over graphql-ws (bundled in GraphiQL) to the same URL; the headers
    // editor's values become the connection_init payload, so its key authenticates them too.
    var fetcher = React.useMemo(function () {
      var scheme = location.protocol === "https:" ? "wss:" : "ws:";
      return GraphiQL.createFetcher({
        url: root.dataset.endpoint,
        subscriptionUrl: scheme + "//" + location.host + root.dataset.endpoint
      });
    }, [authorization[0]]);
    function onEditHeaders(text) {
      clearTimeout(timer.current);
      timer.current = setTimeout(function () {
        var value = authorizationIn(text);
        if (value !== null) authorization[1](value);
      }, 500);
    }
    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: [explorer],
      defaultQuery: root.dataset.query,
      defaultHeaders: root.dataset.headers,
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      inputValueDeprecation: true,
      onEditHeaders: onEditHeaders
    });
  }

  ReactDOM.createRoot(root).render(React.createElement(Page));
})();
"""


def _digest(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


PAGE_POLICY = (
    "default-src 'none'; "
    f"script-src 'self' 'sha256-{_digest(_BOOT_SCRIPT)}'; "
    # GraphiQL sets inline styles (panel sizes, popovers).
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
_ASSET_HEADERS = {
    "Cache-Control": "public, max-age=31536000, immutable",
    "X-Content-Type-Options": "nosniff",
}


def _tag(asset: Asset, base: str) -> str:
    url = html.escape(f"{base}/{asset.name}")
    if asset.is_script:
        return f'<script src="{url}" integrity="{asset.integrity}"></script>'
    return f'<link rel="stylesheet" href="{url}" integrity="{asset.integrity}">'


def page_html(endpoint: str, assets_base: str) -> str:
    """The GraphiQL page: `endpoint` answers its operations, `assets_base` serves `ASSETS`."""
    styles = "\n    ".join(_tag(a, assets_base) for a in ASSETS if not a.is_script)
    scripts = "\n    ".join(_tag(a, assets_base) for a in ASSETS if a.is_script)
    return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>crm-graphql · GraphiQL</title>
    <link rel="icon" href="data:,">
    {styles}
    <style>
      html, body {{ height: 100%; margin: 0; overflow: hidden; }}
      #graphiql {{ height: 100vh; }}
    </style>
  </head>
  <body>
    <div id="graphiql" class="graphiql-container"
         data-endpoint="{html.escape(endpoint)}"
         data-query="{html.escape(DEFAULT_QUERY)}"
         data-headers="{html.escape(HEADERS_PLACEHOLDER)}">Loading GraphiQL…</div>
    {scripts}
    <script>{_BOOT_SCRIPT}</script>
  </body>
</html>
"""


NOT_INSTALLED_HTML = f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>GraphiQL is not installed</title>
  </head>
  <body>
    <h1>The GraphiQL assets are not installed</h1>
    <p>GraphQL itself works at this URL (send your API key as <code>Authorization</code>), but the
      files of its in-browser IDE (React, GraphiQL and the explorer plugin, from the npm registry)
      are missing on this server.</p>
    <p>Install them once, in the project folder:</p>
    <pre><code>{html.escape(INSTALL_COMMAND)}</code></pre>
    <p><code>scripts/serve</code> and <code>scripts/test</code> run this for you when needed.
      Then reload this page; no restart is needed.</p>
  </body>
</html>
"""


def _installed(assets_dir: Path) -> bool:
    return all((assets_dir / asset.file).is_file() for asset in ASSETS)


async def graphiql_page(request: Request, assets_dir: Path) -> Response:
    """GraphiQL for `request`'s URL, or a 503 that says how to install its files."""
    if not await run_in_threadpool(_installed, assets_dir):
        return HTMLResponse(NOT_INSTALLED_HTML, status_code=503, headers=_PAGE_HEADERS)
    root_path = request.scope.get("root_path", "")
    return HTMLResponse(
        page_html(request.url.path, f"{root_path}{ASSETS_PATH}"), headers=_PAGE_HEADERS
    )


def assets_route(assets_dir: Path) -> Route:
    """`GET /graphql/assets/<name>`: the files of `ASSETS` and nothing else."""

    async def graphiql_asset(request: Request) -> Response:
        asset = _BY_NAME.get(request.path_params["name"])
        if asset is None:
            return PlainTextResponse("Not Found", status_code=404)
        path = assets_dir / asset.file
        if not await run_in_threadpool(path.is_file):
            return PlainTextResponse(
                f"The GraphiQL assets are not installed: {INSTALL_COMMAND}", status_code=503
            )
        return FileResponse(path, media_type=asset.media_type, headers=_ASSET_HEADERS)

    return Route(f"{ASSETS_PATH}/{{name}}", graphiql_asset, name="graphiql_asset")
