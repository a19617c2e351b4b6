"""The SPA test page on its own origin: a tiny static server over spa-clients/, in a thread."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from tests.spa_clients import CLIENTS, run_node
from tests.test_graphiql_browser import CHROMEDRIVER, CHROMIUM, OFFLINE_FLAGS

PAGE_TIMEOUT_S = 60


def build_page() -> bytes:
    """The page's HTML: its import map over node_modules and the session's module."""
    done = run_node("browser/page.mjs")
    assert done.returncode == 0, done.stderr
    return done.stdout.encode()


class _Site(SimpleHTTPRequestHandler):
    """`/` is the page; other paths are files of spa-clients/ (modules and node_modules)."""

    page = b""
    extensions_map = {  # noqa: RUF012 - the base class declares it so
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
    }

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] != "/":
            super().do_GET()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.page)))
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: hundreds of module requests would flood the test's output."""


@contextmanager
def static_site(page: bytes) -> Iterator[str]:
    """Serve `page` and spa-clients/ on a free 127.0.0.1 port; yields the site's origin."""
    handler = type("Site", (_Site,), {"page": page})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(CLIENTS)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def headless_chromium(profile: Path) -> Iterator[WebDriver]:
    """Debian's chromium, headless, reaching 127.0.0.1 only, logging its network requests."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*OFFLINE_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(PAGE_TIMEOUT_S)
    driver.set_script_timeout(PAGE_TIMEOUT_S)
    try:
        yield driver
    finally:
        driver.quit()


def chromium_missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    if CHROMIUM.exists():
        return None
    return f"{CHROMIUM} is not installed (apt-get install -y chromium chromium-driver)"


def cross_origin_requests(driver: WebDriver, url: str) -> list[dict[str, Any]]:
    """What the browser sent to `url`: method, headers (lower-case names), a preflight's asks."""
    sent = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] != "Network.requestWillBeSent":
            continue
        request = message["params"]["request"]
        if request["url"].split("?", 1)[0] != url:
            continue
        headers = {name.lower(): value for name, value in request["headers"].items()}
        asks = headers.get("access-control-request-headers", "")
        sent.append(
            {
                "method": request["method"],
                "headers": headers,
                "asks": {name.strip() for name in asks.split(",") if name.strip()},
            }
        )
    return sent
