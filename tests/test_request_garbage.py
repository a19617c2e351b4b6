"""A request's objects are freed when it ends: none is left for the cyclic garbage collector.

graphql-core's execution context holds bound methods of itself (its async helpers), and the
compiled plans' compiler held another; the context holds the request's context, loaders and
rows, so all of it (some 600 objects a list page) waited for a collection, which then took
milliseconds in the middle of some later request. Each route the service answers most is
asked here with the collector told to keep what it finds, and must leave nothing behind.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import pytest
from starlette.applications import Starlette

from app.main import create_app
from app.settings import Settings
from scripts.benchlib import documents
from tests import factories
from tests.asgi import post_scope
from tests.conftest import GraphQL, Person


async def post(app: Starlette, path: str, body: dict[str, Any], key: str) -> tuple[int, Any]:
    """The status and JSON answer of a POST, sent as a server sends it (no client objects)."""
    content = orjson.dumps(body)
    sent: list[dict[str, Any]] = []
    received = False

    async def receive() -> dict[str, Any]:
        nonlocal received
        assert not received, "the app asked for more than the body"
        received = True
        return {"type": "http.request", "body": content, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [
        (b"host", b"127.0.0.1"),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(content)).encode()),
        (b"authorization", key.encode()),
    ]
    scope = post_scope(path, headers)
    await app(scope, receive, send)
    body_bytes = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], orjson.loads(body_bytes)


@contextmanager
def cyclic_garbage() -> Iterator[list[Any]]:
    """What the cyclic collector finds of the objects the block made unreachable."""
    found: list[Any] = []
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield found
        gc.collect()
        found.extend(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


async def _deals(gql: GraphQL, admin: Person, person: Person) -> tuple[int, dict[str, Any]]:
    field = await factories.custom_field(gql, admin, "Region")
    member = await factories.contact(gql, person)
    for index in range(3):
        last = await factories.opportunity(
            gql,
            person,
            title=f"Deal {index}",
            members=[member],
            customFields=[{"fieldId": field, "value": f"north {index}"}],
        )
    new = factories.opportunity_input(
        person, members=[member], customFields=[{"fieldId": field, "value": "south"}]
    )
    return last, new


@pytest.mark.parametrize("route", ["read one", "list", "create", "legacy create"])
async def test_a_request_leaves_no_cyclic_garbage(
    route: str, settings: Settings, gql: GraphQL, admin: Person, user: Person
) -> None:
    deal, new = await _deals(gql, admin, user)
    path, body = "/graphql", {"query": documents.LIST, "variables": {"first": 50}}
    if route == "read one":
        body = {"query": documents.READ_ONE, "variables": {"id": str(deal)}}
    elif route == "create":
        body = {"query": documents.CREATE, "variables": {"input": new}}
    elif route == "legacy create":
        path = "/api/2.0/crm/opportunity"
        body = factories.legacy_opportunity_body(user, members=new["members"])
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        # Caches filled, plans made, statements compiled: the second page of a list reads by
        # a kept page position, compiled on its first use.
        status, _ = await post(app, path, body, user.key)
        assert status in (200, 201)
        assert (await post(app, path, body, user.key))[0] == status
        with cyclic_garbage() as garbage:
            for _ in range(3):
                again, answer = await post(app, path, body, user.key)
                assert again == status and "errors" not in answer, answer
    kinds = Counter(f"{type(item).__module__}.{type(item).__qualname__}" for item in garbage)
    assert not kinds, kinds.most_common(12)
