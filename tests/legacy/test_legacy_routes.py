"""The route machinery: declarations mounted and described, methods, paths that are no route."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from starlette.routing import Route

from app.main import LEGACY_ROUTES
from app.rest.authentication import authenticator_for
from app.rest.legacy import BARE_400, NOT_FOUND_404, ROOTS_ANSWERED, LegacyRoute, Refusals
from app.rest.openapi import openapi_path
from app.rest.runner import starlette_routes
from tests.conftest import SCHEMA, Person
from tests.legacy.scene import NOT_FOUND, openapi

PREFIX = "/api/2.0/crm/"
DECLARED = sorted({(r.method, r.root + openapi_path(r.path)) for r in LEGACY_ROUTES})


def test_every_route_is_declared_once() -> None:
    assert len(DECLARED) == len(LEGACY_ROUTES) == 37


@pytest.mark.parametrize(("method", "path"), DECLARED, ids=[f"{m} {p}" for m, p in DECLARED])
def test_every_route_is_described_with_and_without_json(method: str, path: str) -> None:
    parameters = re.findall(r"\{(\w+)\}", path)
    for variant in (path, f"{path}.json"):
        operation = openapi()["paths"][variant][method.lower()]
        in_path = [p["name"] for p in operation.get("parameters", ()) if p["in"] == "path"]
        assert in_path == parameters
        assert set(operation["responses"]) >= {"400", "401", "403", "404", "500", "503"}
        success = "201" if method == "POST" and path != PREFIX + "opportunity" else "200"
        assert success in operation["responses"]
        assert ("requestBody" in operation) == (method in ("POST", "PUT"))


def test_the_document_is_valid() -> None:
    for schema in openapi()["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    ids = [op["operationId"] for ops in openapi()["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


def test_a_create_links_to_the_routes_of_what_it_created() -> None:
    links = openapi()["paths"][PREFIX + "opportunity/stage"]["post"]["responses"]["201"]["links"]

    assert links["get_opportunity_stage_id"] == {
        "operationId": "get_opportunity_stage_id",
        "parameters": {"id": "$response.body#/response/id"},
    }
    assert set(links) == {
        "get_opportunity_stage_id",
        "put_opportunity_stage_id",
        "put_opportunity_stage_id_color",
        "delete_opportunity_stage_id",
    }


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "opportunity/1", "DELETE, GET, HEAD, PUT"),
        ("PATCH", "opportunity/1.json", "DELETE, GET, HEAD, PUT"),
        ("GET", "opportunity", "POST, PUT"),
        ("POST", "opportunity/filter", "DELETE, GET, HEAD"),
        ("GET", "opportunity/stage/reorder", "PUT"),
        ("DELETE", "settings/currency", "GET, HEAD, PUT"),
    ],
)
async def test_a_method_a_path_does_not_have_is_405_with_all_it_has(
    client: httpx.AsyncClient, user: Person, method: str, path: str, allow: str
) -> None:
    response = await client.request(method, PREFIX + path, headers={"Authorization": user.key})

    assert response.status_code == 405
    assert response.headers["allow"] == allow


@pytest.mark.parametrize(
    "path",
    [
        "opportunity/abc",
        "opportunity/-1",
        "opportunity/1/nothing",
        "opportunity/1.xml",
        "nothing",
        "opportunity/bycontact/1%0A2",
    ],
)
async def test_a_path_that_is_no_route_is_404_in_the_envelope(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(PREFIX + path)

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize(
    "path",
    [
        "/api/2.0/crm/Opportunity/Filter",
        "/API/2.0/CRM/opportunity/filter",
        "/api/2.0/crm/opportunity/filter/",
        "/api/2.0/crm/opportunity/filter.JSON",
        "/api/2.0/crm/OPPORTUNITY/STAGE/",
    ],
)
async def test_a_path_in_any_case_or_with_a_trailing_slash_is_the_route(
    client: httpx.AsyncClient, user: Person, path: str
) -> None:
    """ApiRouteRegistrator.cs registers ASP.NET Routes, which match a path in any letter case
    and with a trailing slash."""
    exact = path.lower().rstrip("/")
    expected = await client.get(exact, headers={"Authorization": user.key})

    response = await client.get(path, headers={"Authorization": user.key})

    assert (response.status_code, response.json()) == (200, expected.json())


async def test_a_case_variant_with_a_method_the_path_lacks_is_405(
    client: httpx.AsyncClient, user: Person
) -> None:
    response = await client.post(
        PREFIX + "Opportunity/Filter/", headers={"Authorization": user.key}
    )

    assert (response.status_code, response.headers["allow"]) == (405, "DELETE, GET, HEAD")


async def test_head_is_answered_as_get(client: httpx.AsyncClient, user: Person) -> None:
    response = await client.head(PREFIX + "settings/currency", headers={"Authorization": user.key})

    assert response.status_code == 200


def test_a_route_cannot_be_declared_twice(settings: Any, db: Any) -> None:
    twice = [LEGACY_ROUTES[0], LEGACY_ROUTES[0]]

    with pytest.raises(ValueError, match="declared twice"):
        starlette_routes(
            twice,
            schema=SCHEMA,
            db=db,
            settings=settings,
            authenticator=authenticator_for(db, settings),
        )


def test_routes_are_mounted_once_per_path_and_suffix(settings: Any, db: Any) -> None:
    mounted = starlette_routes(
        LEGACY_ROUTES,
        schema=SCHEMA,
        db=db,
        settings=settings,
        authenticator=authenticator_for(db, settings),
    )

    paths = [route.path for route in mounted if isinstance(route, Route)]
    assert len(paths) == len(set(paths))
    # and, under each root answered, the rest
    assert len(paths) == 2 * len({r.full_path for r in LEGACY_ROUTES}) + len(ROOTS_ANSWERED)


@pytest.mark.parametrize(
    ("errors", "status", "message"),
    [
        pytest.param(
            [{"code": "NOT_FOUND", "field": "id", "message": "m"}], 404, "Not found", id="field"
        ),
        pytest.param(
            [{"code": "NOT_FOUND", "field": "other", "message": "m"}],
            400,
            "Value does not fall within the expected range.",
            id="code",
        ),
        pytest.param(
            [
                {"code": "CONFLICT", "field": None, "message": "own words"},
                {"code": "NOT_FOUND", "field": "id", "message": "m"},
            ],
            400,
            "own words",
            id="first-refusal-decides-unlisted-code-keeps-its-message",
        ),
    ],
)
def test_refusals_answer_by_field_then_code(
    errors: list[dict[str, Any]], status: int, message: str
) -> None:
    refusals = Refusals({"NOT_FOUND": BARE_400}, {("NOT_FOUND", "id"): NOT_FOUND_404})

    refused = refusals(errors)

    assert (refused.status, refused.message) == (status, message)


def test_declarations_name_their_operations() -> None:
    names = [route.operation_name for route in LEGACY_ROUTES]
    assert all(name and name.startswith("Legacy") for name in names)
    assert isinstance(LEGACY_ROUTES[0], LegacyRoute)
