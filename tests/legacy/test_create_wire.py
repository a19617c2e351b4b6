"""The legacy create on the wire: dates, escaping, the OpenAPI document, parity with GraphQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from app.db import models
from app.db.engine import Database
from app.graphql.enums import BidType
from app.main import create_app
from app.settings import Settings
from tests.conftest import GraphQL, Person
from tests.factories import legacy_opportunity_body
from tests.graphql_documents import CREATE_OPPORTUNITY
from tests.ids import (
    legacy_id,
)
from tests.legacy.test_create_exchanges import EXCHANGES, send
from tests.legacy.world import World, build_world

PATH = "/api/2.0/crm/opportunity"


@pytest.fixture
async def berlin(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"timezone": "Europe/Berlin"}))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        yield http
    await app.state.db.dispose()


@pytest.mark.parametrize(
    ("given", "instant"),
    [
        pytest.param(
            "2012-01-11T07:01:00.0000001Z", datetime(2012, 1, 11, 7, 1, tzinfo=UTC), id="round-trip"
        ),
        pytest.param(
            "2008-04-10T06-30-00.0000000Z", datetime(2008, 4, 10, 6, 30, tzinfo=UTC), id="dashes-7"
        ),
        pytest.param(
            "2008-04-10T06-30-00.000+02:00", datetime(2008, 4, 10, 4, 30, tzinfo=UTC), id="dashes-3"
        ),
        pytest.param(
            "2008-04-10T06:30:00.250Z",
            datetime(2008, 4, 10, 6, 30, 0, 250000, tzinfo=UTC),
            id="colons-3",
        ),
        pytest.param(
            "2008-04-10T06-30-00Z", datetime(2008, 4, 10, 6, 30, tzinfo=UTC), id="dashes-seconds"
        ),
        pytest.param(
            "2008-04-10T06:30:00-05:00",
            datetime(2008, 4, 10, 11, 30, tzinfo=UTC),
            id="colons-offset",
        ),
        pytest.param(
            "2008-01-10T06:30:00",
            datetime(2008, 1, 10, 5, 30, tzinfo=UTC),
            id="no-offset-is-portal-time",
        ),
        pytest.param(
            "2024-06-30",
            datetime(2024, 6, 29, 22, 0, tzinfo=UTC),
            id="date-only-is-portal-midnight",
        ),
    ],
)
async def test_every_legacy_date_format_is_read_in_the_portal_time_zone(
    berlin: httpx.AsyncClient, db: Database, user: Person, given: str, instant: datetime
) -> None:
    response = await berlin.post(
        PATH,
        json=legacy_opportunity_body(responsible=user, expectedCloseDate=given),
        headers={"Authorization": user.key},
    )

    assert response.status_code == 200, response.text
    async with db.read() as conn:
        stored = (
            await conn.execute(select(models.opportunity_t.c.expected_close_date))
        ).scalar_one()
    assert stored == instant


@pytest.mark.parametrize(
    "given", ["2008-04-10T06:30:00.25Z", "2008-04-10 06:30:00", "20080410", "2008-13-01"]
)
async def test_other_date_formats_are_refused(
    berlin: httpx.AsyncClient, user: Person, given: str
) -> None:
    response = await berlin.post(
        PATH,
        json=legacy_opportunity_body(responsible=user, actualCloseDate=given),
        headers={"Authorization": user.key},
    )

    assert response.status_code == 400
    assert "actualCloseDate" in response.json()["error"]["message"]


async def test_dates_are_written_in_the_portal_time_zone_with_seven_digits(
    berlin: httpx.AsyncClient, user: Person
) -> None:
    response = await berlin.post(
        PATH,
        json=legacy_opportunity_body(responsible=user, expectedCloseDate="2024-06-30T00:00:00Z"),
        headers={"Authorization": user.key},
    )

    body = response.json()["response"]
    assert body["expectedCloseDate"] == "2024-06-30T02:00:00.0000000+02:00"
    assert body["actualCloseDate"] == "0001-01-01T00:00:00.0000000Z"
    assert body["created"].endswith(("+01:00", "+02:00"))


async def test_strings_are_escaped_as_the_original_does(
    client: httpx.AsyncClient, user: Person
) -> None:
    response = await client.post(
        PATH,
        json=legacy_opportunity_body(responsible=user, title="A/B \u0001 € 😀"),
        headers={"Authorization": user.key},
    )

    raw = response.content.decode()
    assert '"title":"A\\/B \\u0001 € \\ud83d\\ude00"' in raw
    assert '"profileUrl":"https:\\/\\/crm.example\\/Products' in raw
    assert response.json()["response"]["title"] == "A/B \u0001 € 😀"


async def test_bid_value_is_an_exact_json_number(client: httpx.AsyncClient, user: Person) -> None:
    response = await client.post(
        PATH,
        json=legacy_opportunity_body(responsible=user, bidValue="12345678901234.123456789"),
        headers={"Authorization": user.key},
    )

    assert '"bidValue":12345678901234.123456789' in response.text


# --- the OpenAPI document -------------------------------------------------------------------


@pytest.fixture
async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/2.0/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


async def test_openapi_document_describes_the_route_and_its_schemas_are_valid(
    openapi: dict[str, Any],
) -> None:
    assert openapi["openapi"].startswith("3.1")
    for path in (PATH, f"{PATH}.json"):
        operation = openapi["paths"][path]["post"]
        assert set(operation["responses"]) >= {"200", "400", "401", "403", "415", "500"}
        assert set(operation["requestBody"]["content"]) == {
            "application/json",
            "application/x-www-form-urlencoded",
        }
    for schema in openapi["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("case", EXCHANGES, ids=[c.id for c in EXCHANGES])
async def test_every_exchange_conforms_to_the_openapi_document(
    client: httpx.AsyncClient,
    openapi: dict[str, Any],
    gql: GraphQL,
    user: Person,
    other: Person,
    admin: Person,
    case: Any,
) -> None:
    world = await build_world(gql, user, other, admin)
    response = await send(client, case, world)

    declared = openapi["paths"][case.path]["post"]["responses"][str(response.status_code)][
        "content"
    ]
    media = response.headers["content-type"].split(";")[0]
    schema = declared[media]["schema"]
    body = response.json() if media == "application/json" else response.text
    registry = Registry().with_resource("urn:crm", DRAFT202012.create_resource(openapi))
    rooted = _rebase(schema)
    Draft202012Validator(rooted, registry=registry).validate(body)


def _rebase(schema: Any) -> Any:
    """Point '#/components/...' references at the registered document."""
    if isinstance(schema, dict):
        return {k: ("urn:crm" + v if k == "$ref" else _rebase(v)) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_rebase(item) for item in schema]
    return schema


# --- parity -----------------------------------------------------------------------------------


async def test_graphql_and_legacy_creates_store_and_show_the_same(
    client: httpx.AsyncClient,
    gql: GraphQL,
    db: Database,
    user: Person,
    other: Person,
    admin: Person,
) -> None:
    # given: the same opportunity, in each dialect
    world: World = await build_world(gql, user, other, admin)
    legacy_body = {
        "title": "Parity",
        "description": "same",
        "responsibleid": str(other.id),
        "stageid": 7,
        "bidCurrencyAbbr": "gbp",
        "bidType": 4,
        "bidValue": "1234.5",
        "perPeriodValue": 6,
        "successProbability": 150,
        "contactid": world.acme,
        "members": [world.ann, world.hidden],
        "actualCloseDate": "2024-07-01T08:30:00Z",
        "expectedCloseDate": "2024-06-30T00:00:00Z",
        "customFieldList": [
            {"key": world.source, "value": "web"},
            {"key": world.budget, "value": ""},
        ],
        "isPrivate": True,
        "accessList": [str(other.id)],
        "isNotify": True,
    }
    graphql_input = {
        "title": "Parity",
        "description": "same",
        "responsibleId": str(other.id),
        "stageId": 7,
        "bidCurrencyAbbr": "gbp",
        "bidType": "PER_MONTH",
        "bidValue": "1234.5",
        "perPeriodValue": 6,
        "successProbability": 150,
        "contactId": world.acme,
        "members": [world.ann, world.hidden],
        "actualCloseDate": "2024-07-01T08:30:00Z",
        "expectedCloseDate": "2024-06-30T00:00:00Z",
        "customFields": [
            {"fieldId": world.source, "value": "web"},
            {"fieldId": world.budget, "value": ""},
        ],
        "isPrivate": True,
        "accessList": [str(other.id)],
        "isNotify": True,
    }

    # when
    legacy = (
        await client.post(PATH, json=legacy_body, headers={"Authorization": user.key})
    ).json()["response"]
    graphql = (await gql(CREATE_OPPORTUNITY, user, input=graphql_input))["createOpportunity"][
        "opportunity"
    ]

    # then: the stored rows are the same but for ids and times
    rows = await _stored(db)
    assert rows[legacy["id"]] == rows[graphql["databaseId"]]
    # and both outputs agree field by field
    assert legacy["title"] == graphql["title"] and legacy["description"] == graphql["description"]
    assert legacy["bidType"] == BidType[graphql["bidType"]].value
    assert Decimal(str(legacy["bidValue"])) == Decimal(graphql["bidValue"])
    assert legacy["perPeriodValue"] == graphql["perPeriodValue"]
    assert legacy["successProbability"] == graphql["successProbability"] == 100
    assert legacy["stage"]["id"] == legacy_id(graphql["stage"]["id"])
    assert legacy["bidCurrency"]["abbreviation"] == graphql["bidCurrency"]["abbreviation"]
    assert legacy["contact"]["id"] == legacy_id(graphql["contact"]["id"])
    assert [m["id"] for m in legacy["members"]] == [legacy_id(m["id"]) for m in graphql["members"]]
    assert [e["id"] for e in legacy["accessList"]] == [
        legacy_id(e["id"]) for e in graphql["accessList"]
    ]
    assert legacy["responsible"]["id"] == legacy_id(graphql["responsible"]["id"])
    assert legacy["createBy"]["id"] == legacy_id(graphql["createBy"]["id"])
    assert (legacy["isPrivate"], legacy["canEdit"]) == (graphql["isPrivate"], graphql["canEdit"])
    assert [(f["id"], f["fieldValue"]) for f in legacy["customFields"]] == [
        (legacy_id(f["fieldId"]), f["fieldValue"]) for f in graphql["customFields"]
    ]
    assert legacy["expectedCloseDate"] == "2024-06-30T00:00:00.0000000Z"
    assert graphql["expectedCloseDate"] == "2024-06-30T00:00:00+00:00"


async def _stored(db: Database) -> dict[int, dict[str, Any]]:
    async with db.read() as conn:
        deals = (await conn.execute(select(models.opportunity_t))).mappings().all()
        members = (await conn.execute(select(models.member_t))).all()
        values = (await conn.execute(select(models.field_value_t))).all()
        access = (await conn.execute(select(models.access_t))).all()
        notes = (await conn.execute(select(models.notification_t))).mappings().all()
    ignored = {"id", "created_at", "updated_at"}
    return {
        d["id"]: {
            "deal": {k: v for k, v in d.items() if k not in ignored},
            "members": sorted(c for o, c in members if o == d["id"]),
            "values": sorted((f, v) for o, f, v in values if o == d["id"]),
            "access": sorted(str(e) for o, e in access if o == d["id"]),
            "notified": sorted(
                str(n["recipient_id"]) for n in notes if n["opportunity_id"] == d["id"]
            ),
        }
        for d in deals
    }
