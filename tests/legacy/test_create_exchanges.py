"""POST /api/2.0/crm/opportunity as legacy clients send it: raw requests, exact answers.

Each case is a raw request (path, headers, body) and the exact status and JSON expected back.
Ids are those of a fresh database: contacts Acme 1, Ann Lee 2, Hidden Ltd 3 (private to Otto);
custom fields Source 1 and Budget 2; the new deal is 1. The clock is frozen at NOW.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from app.db import models
from app.db.engine import Database
from app.domain import opportunities
from tests.conftest import GraphQL, Person, count_rows, nothing_written
from tests.legacy.scene import (
    OUT_OF_RANGE,
    budget,
    error,
    ok,
    opportunity_wire,
    source,
)
from tests.legacy.world import (
    GBP,
    NEGOTIATIONS,
    NOW,
    OTTO,
    SUSPECT,
    UMA,
    USD,
    World,
    build_world,
    company,
    fill,
    person,
)


def created(**fields: Any) -> dict[str, Any]:
    """The new opportunity as a create answers it: no description unless one was sent."""
    return opportunity_wire(**{"description": None, "stage": SUSPECT, **fields})


@dataclass
class Exchange:
    id: str
    status: int
    expected: Any
    path: str = "/api/2.0/crm/opportunity"
    headers: dict[str, str] = field(default_factory=lambda: {"Authorization": "<key>"})
    json_body: Any = None
    form: str | None = None
    query: str | None = None
    raw: tuple[str, bytes] | None = None  # (content type, body)


REQUIRED = {"title": "Pilot", "responsibleid": "<user>", "stageid": 3, "bidCurrencyAbbr": "EUR"}

EXCHANGES = [
    Exchange(
        "worked-example-spec-2.7",
        200,
        ok(
            created(
                members=[company(1, "Acme"), person(2, "Ann Lee", GBP)],
                contact=company(1, "Acme"),
                bidValue=1500.0,
                successProbability=100,
                customFields=[source(1, "web")],
            )
        ),
        path="/api/2.0/crm/opportunity.json",
        json_body={
            "title": "Pilot",
            "responsibleid": "<user>",
            "stageid": 3,
            "bidCurrencyAbbr": "eur",
            "bidValue": 1500,
            "contactid": 1,
            "members": [2, 999],
            "successProbability": 140,
            "customFieldList": [{"Key": 1, "Value": "web"}],
        },
    ),
    Exchange(
        "every-parameter-json-bearer",
        200,
        ok(
            created(
                title="Rollout",
                description="Phase 2 / all sites",
                members=[person(2, "Ann Lee", GBP)],
                contact=person(2, "Ann Lee", GBP),
                responsible=OTTO,
                bidType=2,
                bidValue=99.5,
                bidCurrency=USD,
                perPeriodValue=12,
                stage=NEGOTIATIONS,
                successProbability=40,
                actualCloseDate="2024-07-01T08:30:00.0000000Z",
                expectedCloseDate="2024-06-30T00:00:00.0000000Z",
                isPrivate=True,
                accessList=[OTTO, UMA],
                customFields=[source(1, "fair"), budget(1, "10k")],
            )
        ),
        headers={"Authorization": "Bearer <key>"},
        json_body={
            "contactId": 2,
            "members": [2],
            "title": "Rollout",
            "description": "Phase 2 / all sites",
            "responsibleId": "<other>",
            "bidType": "PerDay",
            "bidValue": "99.5",
            "bidCurrencyAbbr": "usd",
            "perPeriodValue": 12,
            "stageId": 7,
            "successProbability": 40,
            "actualCloseDate": "2024-07-01T08:30:00.000Z",
            "expectedCloseDate": "2024-06-30",
            "customFieldList": [{"key": 1, "value": "fair"}, {"KEY": 2, "VALUE": " 10k "}],
            "isPrivate": True,
            "accessList": ["<other>"],
            "isNotify": True,
        },
    ),
    Exchange(
        "form-encoded-with-repeated-keys",
        200,
        ok(
            created(
                members=[company(1, "Acme"), person(2, "Ann Lee", GBP)],
                bidType=1,
                bidCurrency=USD,
                customFields=[source(1, "expo")],
            )
        ),
        form=(
            "title=Pilot&responsibleid=<user>&stageid=3&bidCurrencyAbbr=usd&bidType=1"
            "&members[]=1&members[]=2&customFieldList[0][Key]=1&customFieldList[0][Value]=expo"
            "&isPrivate=false"
        ),
    ),
    Exchange(
        "query-string-and-upper-case-names",
        200,
        ok(created(members=[company(1, "Acme")], contact=company(1, "Acme"))),
        query="TITLE=Pilot&RESPONSIBLEID=<user>&STAGEID=3&BIDCURRENCYABBR=eur&CONTACTID=1",
    ),
    Exchange(
        "empty-strings-mean-not-given",
        200,
        ok(created()),
        json_body={
            **REQUIRED,
            "contactid": "",
            "bidValue": "",
            "isPrivate": "",
            "expectedCloseDate": "",
        },
    ),
    Exchange(
        "private-without-list-stays-public",
        200,
        ok(created()),
        json_body={**REQUIRED, "isPrivate": True, "accessList": []},
    ),
    Exchange("missing-title", 400, error(400, OUT_OF_RANGE), json_body={**REQUIRED, "title": None}),
    Exchange(
        "missing-responsible",
        400,
        error(400, OUT_OF_RANGE),
        json_body={**REQUIRED, "responsibleid": None},
    ),
    Exchange(
        "unknown-responsible",
        400,
        error(400, OUT_OF_RANGE),
        json_body={**REQUIRED, "responsibleid": "11111111-2222-3333-4444-555555555555"},
    ),
    Exchange("stage-zero", 400, error(400, OUT_OF_RANGE), json_body={**REQUIRED, "stageid": 0}),
    Exchange(
        "unknown-stage",
        400,
        error(400, "Deal milestone is not found"),
        json_body={**REQUIRED, "stageid": 999},
    ),
    Exchange(
        "missing-currency",
        400,
        error(400, OUT_OF_RANGE),
        json_body={**REQUIRED, "bidCurrencyAbbr": ""},
    ),
    Exchange(
        "unknown-currency",
        400,
        error(400, OUT_OF_RANGE),
        json_body={**REQUIRED, "bidCurrencyAbbr": "xyz"},
    ),
    Exchange(
        "unknown-contact", 400, error(400, OUT_OF_RANGE), json_body={**REQUIRED, "contactid": 42}
    ),
    Exchange(
        "unreadable-contact",
        403,
        error(403, "Access Denied"),
        json_body={**REQUIRED, "contactid": 3},
    ),
    Exchange(
        "first-check-wins",
        400,
        error(400, OUT_OF_RANGE),
        json_body={**REQUIRED, "title": "", "stageid": 999, "contactid": 3},
    ),
    Exchange(
        "stage-checked-before-contact",
        400,
        error(400, "Deal milestone is not found"),
        json_body={**REQUIRED, "stageid": 999, "contactid": 3},
    ),
    Exchange(
        "contact-checked-before-currency",
        403,
        error(403, "Access Denied"),
        json_body={**REQUIRED, "bidCurrencyAbbr": "xyz", "contactid": 3},
    ),
    Exchange(
        "stageid-not-a-number",
        400,
        error(400, "Parameter 'stageid': 'abc' is not a valid Int32."),
        json_body={**REQUIRED, "stageid": "abc"},
    ),
    Exchange(
        "isPrivate-an-object",
        400,
        error(400, "Parameter 'isPrivate' must be a single value."),
        json_body={**REQUIRED, "isPrivate": {}},
    ),
    Exchange(
        "responsibleid-not-a-guid",
        400,
        error(400, "Parameter 'responsibleid': 'abc' is not a valid Guid."),
        json_body={**REQUIRED, "responsibleid": "abc"},
    ),
    Exchange(
        "bidType-unknown-name",
        400,
        error(400, "Parameter 'bidType': 'Foo' is not a valid BidType."),
        json_body={**REQUIRED, "bidType": "Foo"},
    ),
    Exchange(
        "malformed-date",
        400,
        error(400, "Parameter 'expectedCloseDate': invalid date time format '30.06.2024'."),
        json_body={**REQUIRED, "expectedCloseDate": "30.06.2024"},
    ),
    Exchange(
        "member-not-a-number",
        400,
        error(400, "Parameter 'members': 'x' is not a valid Int32."),
        json_body={**REQUIRED, "members": [1, "x"]},
    ),
    Exchange(
        "invalid-json",
        400,
        error(400, "Unable to deserialize json"),
        raw=("application/json", b'{"title": "Pilot",'),
    ),
    Exchange(
        "xml-body-is-not-read",
        415,
        error(415, "Unsupported media type: text/xml"),
        raw=("text/xml", b"<request><title>Pilot</title></request>"),
    ),
    Exchange("no-key", 401, "Unauthorized", headers={}, json_body=REQUIRED),
    Exchange(
        "wrong-key", 401, "Unauthorized", headers={"Authorization": "nope"}, json_body=REQUIRED
    ),
]


@pytest.fixture
async def world(
    gql: GraphQL, user: Person, other: Person, admin: Person, monkeypatch: pytest.MonkeyPatch
) -> World:
    monkeypatch.setattr(opportunities, "utcnow", lambda: NOW)
    built = await build_world(gql, user, other, admin)
    assert (built.acme, built.ann, built.hidden, built.source, built.budget) == (1, 2, 3, 1, 2)
    return built


async def send(client: httpx.AsyncClient, case: Exchange, world: World) -> httpx.Response:
    values = {**world.placeholders(), "<key>": world.user.key}
    headers = fill(case.headers, values)
    path = case.path + (f"?{fill(case.query, values)}" if case.query else "")
    if case.json_body is not None:
        return await client.post(path, json=fill(case.json_body, values), headers=headers)
    if case.form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return await client.post(path, content=fill(case.form, values).encode(), headers=headers)
    if case.raw is not None:
        headers["Content-Type"] = case.raw[0]
        return await client.post(path, content=case.raw[1], headers=headers)
    return await client.post(path, headers=headers)


@pytest.mark.parametrize("case", EXCHANGES, ids=[c.id for c in EXCHANGES])
async def test_exchange(
    client: httpx.AsyncClient, db: Database, world: World, case: Exchange
) -> None:
    # when
    response = await send(client, case, world)

    # then: the exact status and body, keys in wire order
    assert response.status_code == case.status
    if isinstance(case.expected, str):
        assert response.text == case.expected
        # ApiRouteHandler: AscBasicAuthorization challenges when an Authorization was sent.
        challenge = response.headers.get("www-authenticate")
        if case.headers.get("Authorization"):
            assert challenge == 'Basic Realm="testserver"'
        else:
            assert challenge is None
    else:
        # JsonNetSerializer.RespondTo's type, which SerializerResponder also sends as X-Responded
        assert response.headers["content-type"] == "application/json; charset=UTF-8"
        assert response.headers["x-responded"] == "application/json; charset=UTF-8"
        expected = fill(case.expected, world.placeholders())
        assert json.dumps(response.json()) == json.dumps(expected)
    # and a refused request writes nothing
    if case.status != 200:
        assert await nothing_written(db)
    else:
        assert await count_rows(db, models.Opportunity) == 1
