"""GraphiQL runs a subscription in a real browser with no internet, and shows a mutation's event."""

from __future__ import annotations

import asyncio
import json

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.live_events import create, me, rename
from tests.server import running_server
from tests.test_graphiql_browser import (
    RESULT,
    RUN_BUTTON,
    VISIBLE_TOOL_EDITOR,
    browser,
    requested_urls,
    wait,
)

__all__ = ["browser"]  # the fixture, shared with the query test
KEY = "browser-subscription-key"
SUBSCRIPTION = "subscription Board { opportunityEvents { kind opportunity { title } } }"
EDITOR = "document.querySelector({!r}).CodeMirror.setValue(arguments[0]);"
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
HEADERS_EDITOR = VISIBLE_TOOL_EDITOR


def result_text(driver: WebDriver) -> str:
    return str(driver.find_element(By.CSS_SELECTOR, RESULT).text)


async def test_graphiql_shows_a_subscription_event_from_a_mutation(
    database_url: str, browser: WebDriver
) -> None:
    with running_server(database_url, CRM_BOOTSTRAP_API_KEY=KEY) as base:
        admin = await me(base, KEY)
        probe = await create(base, KEY, admin, "probe")
        browser.get(f"{base}/graphql")
        wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, RUN_BUTTON))
        # given: the key in the headers editor and a subscription in the query editor
        headers = json.dumps({"Authorization": KEY})
        browser.execute_script(EDITOR.format(HEADERS_EDITOR), headers)
        await asyncio.sleep(0.7)  # the page takes the key after half a second without typing
        browser.execute_script(EDITOR.format(QUERY_EDITOR), SUBSCRIPTION)
        # GraphiQL parses the document after a pause too; then it knows it is a subscription.
        await asyncio.sleep(1.0)
        # when: it runs, and deals change through the API
        browser.find_element(By.CSS_SELECTOR, RUN_BUTTON).click()
        for attempt in range(60):  # until the subscription is live
            await rename(base, KEY, probe, f"probe {attempt}")
            await asyncio.sleep(0.5)
            if f"probe {attempt}" in result_text(browser):
                break
        await create(base, KEY, admin, "Seen in GraphiQL")
        # then: the result pane shows the event as it arrives
        wait(browser).until(lambda b: "Seen in GraphiQL" in result_text(b))
        shown = result_text(browser)
        urls = requested_urls(browser)

    assert '"kind": "CREATED"' in shown
    # Over the WebSocket: /graphql refuses a subscription over POST, so the event proves it.
    assert [url for url in urls if "127.0.0.1" not in url] == []
