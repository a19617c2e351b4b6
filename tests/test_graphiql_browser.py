"""GraphiQL in a real browser with no internet: Debian's chromium, headless, on a real server.

Every host but 127.0.0.1 is unresolvable for the browser, so the page works only if everything
it loads comes from the service. The screenshot lands in var/screenshots/graphiql.png.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests.server import ROOT, running_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOT = ROOT / "var" / "screenshots" / "graphiql.png"
KEY = "browser-bootstrap-key"
ADMIN = '"displayName": "Administrator"'
TIMEOUT_S = 30

RUN_BUTTON = ".graphiql-execute-button"
HEADERS_TAB = "//button[normalize-space()='Headers']"
VISIBLE_TOOL_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
RESULT = ".result-window"
EXPLORER_BUTTON = "button[aria-label='Show GraphiQL Explorer']"
EXPLORER_FIELD = "//div[contains(@class,'graphiql-plugin')]//span[normalize-space()='{}']"
OFFLINE_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--window-size=1400,900",
)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is not installed (apt-get install -y chromium chromium-driver; "
            ".ci/run does it)"
        )
    assert CHROMEDRIVER.exists(), f"{CHROMEDRIVER} is missing: apt-get install -y chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*OFFLINE_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, TIMEOUT_S)


def shown_text(editor: WebElement) -> str:
    """The lines a CodeMirror editor shows, without its gutter."""
    lines = editor.find_elements(By.CSS_SELECTOR, ".CodeMirror-code .CodeMirror-line")
    return "\n".join(line.text for line in lines)


def requested_urls(driver: WebDriver) -> list[str]:
    """Every network URL the page asked for (not data: or the browser's own chrome:// pages)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if urlsplit(url).scheme in {"http", "https", "ws", "wss"}:
                urls.append(url)
    return urls


def test_graphiql_runs_a_query_with_no_internet(database_url: str, browser: WebDriver) -> None:
    with running_server(database_url, CRM_BOOTSTRAP_API_KEY=KEY) as base:
        # given: the page, loaded by a browser that can reach nothing but 127.0.0.1
        browser.get(f"{base}/graphql")
        wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, RUN_BUTTON))

        # when: the key goes into the headers editor through the UI, and the query runs
        browser.find_element(By.XPATH, HEADERS_TAB).click()
        editor = browser.find_element(By.CSS_SELECTOR, VISIBLE_TOOL_EDITOR)
        placeholder = shown_text(editor)
        editor.click()
        (
            ActionChains(browser)
            .key_down(Keys.CONTROL)
            .send_keys("a")
            .key_up(Keys.CONTROL)
            .send_keys(f'{{"Authorization": "{KEY}"}}')
            .perform()
        )
        browser.find_element(By.CSS_SELECTOR, RUN_BUTTON).click()

        # then: the bootstrap admin answers, and the schema loads with the key typed
        wait(browser).until(lambda b: ADMIN in b.find_element(By.CSS_SELECTOR, RESULT).text)
        typed = shown_text(editor)
        browser.find_element(By.CSS_SELECTOR, EXPLORER_BUTTON).click()
        wait(browser).until(
            lambda b: b.find_elements(By.XPATH, EXPLORER_FIELD.format("displayName"))
        )
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(SCREENSHOT))
        urls = requested_urls(browser)
        console_errors = [
            e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"
        ]

    assert placeholder == '{"Authorization": "<your API key>"}'
    assert typed == f'{{"Authorization": "{KEY}"}}'
    assert f"{base}/graphql/assets/graphiql-3.8.3.min.js" in urls
    assert [url for url in urls if not url.startswith(f"{base}/")] == []
    # The only errors: introspection tried with the placeholder key before the real one was typed.
    unauthorized = re.compile(rf"^{re.escape(base)}/graphql - .* status of 401 \(Unauthorized\)$")
    assert [m for m in console_errors if not unauthorized.match(m)] == []
