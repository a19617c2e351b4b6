"""A known world with deals, the wire objects it shows, and a runner for legacy exchanges.

Ids are those of a fresh database: contacts Acme 1, Ann Lee 2, Hidden Ltd 3 (private to Otto);
custom fields Source 1 and Budget 2; deals

  1 Pilot    Uma's, public, at Suspect (3), EUR 1500, contact Acme, members Acme and Ann, Source=web
  2 Rollout  Otto's, private to Otto, at Negotiations (7), USD
  3 Renewal  Otto's, private to Otto and Uma, at Suspect (3), GBP
  4 Archive  Ada's (an administrator), public, won (8), EUR, contact Ann

The clock is frozen at NOW for every write.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from app.db.reference import STAGES
from app.domain import contacts, opportunities, opportunity_access, opportunity_changes
from app.main import LEGACY_ROUTES
from app.rest import authentication
from app.rest.openapi import document
from tests.conftest import GraphQL, Person
from tests.factories import opportunity
from tests.legacy.world import (
    EUR,
    GBP,
    NOW,
    OTTO,
    UMA,
    USD,
    World,
    build_world,
    company,
    employee,
    fill,
    person,
)

PREFIX = "/api/2.0/crm/"
TEXT_MASK = '{"size":40}'  # a text field's mask when created without one (GetValidMask)
CREATED = "2024-03-05T08:12:44.1234560Z"
UNSET = "0001-01-01T00:00:00.0000000Z"
OUT_OF_RANGE = "Value does not fall within the expected range."
ADA = employee("<admin>", "Ada Admin")
HRESULTS = {
    400: -2147024809,
    403: -2146233078,
    404: -2147467259,
    415: -2147024809,
    422: -2146233079,
}


# --- the scene ---------------------------------------------------------------------------------


@dataclass
class Scene:
    world: World
    deals: dict[str, int]


async def build_scene(
    gql: GraphQL, user: Person, other: Person, admin: Person, monkeypatch: pytest.MonkeyPatch
) -> Scene:
    """The world and its four deals, with the clock frozen."""
    for module in (opportunities, opportunity_changes, opportunity_access, contacts):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)
    world = await build_world(gql, user, other, admin)
    deals = {
        "pilot": await opportunity(
            gql,
            as_=user,
            title="Pilot",
            description="First phase",
            responsibleId=str(user.id),
            stageId=3,
            bidValue="1500",
            contactId=world.acme,
            members=[world.ann],
            customFields=[{"fieldId": world.source, "value": "web"}],
        ),
        "rollout": await opportunity(
            gql,
            as_=other,
            title="Rollout",
            responsibleId=str(other.id),
            stageId=7,
            bidCurrencyAbbr="USD",
            isPrivate=True,
            accessList=[str(other.id)],
        ),
        "renewal": await opportunity(
            gql,
            as_=other,
            title="Renewal",
            responsibleId=str(other.id),
            stageId=3,
            bidCurrencyAbbr="GBP",
            isPrivate=True,
            accessList=[str(user.id)],
        ),
        "archive": await opportunity(
            gql,
            as_=admin,
            title="Archive",
            responsibleId=str(admin.id),
            stageId=8,
            successProbability=100,
            actualCloseDate="2024-02-01T10:00:00Z",
            contactId=world.ann,
        ),
    }
    assert list(deals.values()) == [1, 2, 3, 4]
    return Scene(world, deals)


# --- wire objects --------------------------------------------------------------------------------


def stage(stage_id: int, **changes: Any) -> dict[str, Any]:
    """A seeded stage as DealMilestoneBaseWrapper (sortOrder = position from 0)."""
    seed = STAGES[stage_id - 1]
    shaped = {
        "successProbability": seed.success_probability,
        "stageType": seed.stage_type,
        "title": seed.title,
        "description": seed.description,
        "color": seed.color,
        "sortOrder": stage_id - 1,
        "id": stage_id,
    }
    return shaped | changes


def counted(stage_id: int, count: int = 0, **changes: Any) -> dict[str, Any]:
    """A stage as DealMilestoneWrapper: relativeItemsCount first, absent when 0."""
    return ({"relativeItemsCount": count} if count else {}) | stage(stage_id, **changes)


ACME = company(1, "Acme")
ANN = person(2, "Ann Lee", GBP)


def source(deal_id: int, value: str | None = "web") -> dict[str, Any]:
    return {
        "entityId": deal_id,
        "label": "Source",
        "fieldValue": value,
        "fieldType": 0,
        "position": 1,
        "mask": TEXT_MASK,
        "id": 1,
    }


def budget(deal_id: int, value: str | None) -> dict[str, Any]:
    return {**source(deal_id, value), "label": "Budget", "position": 2, "id": 2}


def opportunity_wire(**fields: Any) -> dict[str, Any]:
    """An OpportunityWrapper as read back, in wire order; `fields` replace or add keys, None
    removes one. The one builder of it: the create exchanges use it too."""
    base: dict[str, Any] = {
        "createBy": UMA,
        "created": CREATED,
        "members": [],
        "contact": None,
        "title": "Pilot",
        "description": "",
        "responsible": UMA,
        "bidType": None,
        "bidValue": None,
        "bidCurrency": EUR,
        "perPeriodValue": None,
        "stage": stage(3),
        "successProbability": None,
        "actualCloseDate": UNSET,
        "expectedCloseDate": UNSET,
        "isPrivate": False,
        "accessList": [],
        "canEdit": True,
        "customFields": [],
        "id": 1,
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not None}


def pilot(**changes: Any) -> dict[str, Any]:
    return opportunity_wire(
        **{
            "members": [ACME, ANN],
            "contact": ACME,
            "description": "First phase",
            "bidValue": 1500.0,
            "customFields": [source(1)],
            **changes,
        }
    )


def rollout(**changes: Any) -> dict[str, Any]:
    return opportunity_wire(
        **{
            "createBy": OTTO,
            "title": "Rollout",
            "responsible": OTTO,
            "bidCurrency": USD,
            "stage": stage(7),
            "isPrivate": True,
            "accessList": [OTTO],
            "id": 2,
            **changes,
        }
    )


def renewal(**changes: Any) -> dict[str, Any]:
    return opportunity_wire(
        **{
            "createBy": OTTO,
            "title": "Renewal",
            "responsible": OTTO,
            "bidCurrency": GBP,
            "isPrivate": True,
            "accessList": [OTTO, UMA],
            "id": 3,
            **changes,
        }
    )


def archive(**changes: Any) -> dict[str, Any]:
    return opportunity_wire(
        **{
            "createBy": ADA,
            "members": [ANN],
            "contact": ANN,
            "title": "Archive",
            "responsible": ADA,
            "stage": stage(8),
            "successProbability": 100,
            "actualCloseDate": "2024-02-01T10:00:00.0000000Z",
            "id": 4,
            **changes,
        }
    )


def item(wire: dict[str, Any]) -> dict[str, Any]:
    """A deal as a list item: `accessList` only on a private one."""
    return {k: v for k, v in wire.items() if k != "accessList" or wire["isPrivate"]}


def gone(wire: dict[str, Any]) -> dict[str, Any]:
    """A deal as its delete answers it: members, values and access list went with it."""
    return wire | {"members": [], "isPrivate": False, "accessList": [], "customFields": []}


def full(contact: dict[str, Any], **names: str) -> dict[str, Any]:
    """A contact as PersonWrapper/CompanyWrapper (names first, then what we store)."""
    details = {
        **names,
        "createBy": UMA,
        "created": CREATED,
        "commonData": [],
        "customFields": [],
        "haveLateTasks": False,
    }
    return details | contact


FULL_ACME = full(ACME, companyName="Acme")
FULL_ANN = full(ANN, firstName="Ann", lastName="Lee")


# --- envelopes ----------------------------------------------------------------------------------


def ok(response: Any, status: int = 200, **paging: int) -> dict[str, Any]:
    """The success envelope: count (absent when 0), paging fields, status, response."""
    count = len(response) if isinstance(response, list) else 1
    body: dict[str, Any] = {"count": count} if count else {}
    return body | paging | {"status": 0, "statusCode": status, "response": response}


def error(status: int, message: str) -> dict[str, Any]:
    return {
        "status": 1,
        "statusCode": status,
        "error": {"message": message, "hresult": HRESULTS[status], "data": {}},
    }


NOT_FOUND = error(404, "Not found")
DENIED = error(403, "Access Denied")
BARE = error(400, OUT_OF_RANGE)


# --- exchanges -----------------------------------------------------------------------------------


@dataclass
class Exchange:
    """A raw legacy request and the exact answer expected."""

    id: str
    method: str
    path: str  # under /api/2.0/crm/
    status: int
    expected: Any  # the JSON body, or a str for a plain-text answer
    as_: str = "user"  # user, other, admin, or nobody
    json_body: Any = None
    form: str | None = None
    query: str | None = None
    # Requests made first, each (as whom, method, path, JSON body), expecting success.
    before: list[tuple[str, str, str, Any]] = field(default_factory=list)
    # Then, as an administrator, (method, path, expected body) to see what changed.
    after: list[tuple[str, str, Any]] = field(default_factory=list)

    def param(self) -> Any:
        return pytest.param(self, id=self.id)


def keys(scene: Scene) -> dict[str, str]:
    w = scene.world
    return {"user": w.user.key, "other": w.other.key, "admin": w.admin.key}


async def send(client: httpx.AsyncClient, case: Exchange, scene: Scene) -> httpx.Response:
    """The request as a legacy client sends it."""
    values = scene.world.placeholders()
    headers = {} if case.as_ == "nobody" else {"Authorization": keys(scene)[case.as_]}
    url = PREFIX + case.path + (f"?{fill(case.query, values)}" if case.query else "")
    if case.json_body is not None:
        return await client.request(
            case.method, url, json=fill(case.json_body, values), headers=headers
        )
    if case.form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return await client.request(
            case.method, url, content=fill(case.form, values).encode(), headers=headers
        )
    return await client.request(case.method, url, headers=headers)


async def check(client: httpx.AsyncClient, case: Exchange, scene: Scene) -> None:
    """Send the exchange; the exact answer, conforming to the OpenAPI document; then `after`."""
    for as_, method, path, body in case.before:
        done = await client.request(
            method,
            PREFIX + path,
            json=fill(body, scene.world.placeholders()),
            headers={"Authorization": keys(scene)[as_]},
        )
        assert done.status_code < 300, done.text
    response = await send(client, case, scene)

    assert response.status_code == case.status, response.text
    if isinstance(case.expected, str):
        assert response.text == case.expected
    else:
        # JsonNetSerializer.RespondTo's type, which SerializerResponder also sends as X-Responded
        assert response.headers["content-type"] == "application/json; charset=UTF-8"
        assert response.headers["x-responded"] == "application/json; charset=UTF-8"
        expected = fill(case.expected, scene.world.placeholders())
        assert json.dumps(response.json()) == json.dumps(expected)
    conforms(case.method, PREFIX + case.path, response)
    for method, path, later in case.after:
        seen = await client.request(
            method, PREFIX + path, headers={"Authorization": keys(scene)["admin"]}
        )
        assert json.dumps(seen.json()) == json.dumps(fill(later, scene.world.placeholders()))


# --- the OpenAPI contract ------------------------------------------------------------------------


@cache
def openapi() -> dict[str, Any]:
    """The document GET /api/2.0/openapi.json serves."""
    return document(LEGACY_ROUTES, authentication.openapi_paths())


def _operation(method: str, path: str) -> dict[str, Any]:
    # Ids are digits, as the routes' converters want; a path that is no route (an id that is
    # not a number) is held to the operation it resembles.
    for parameter in ("[0-9]+", "[^/]+"):
        for template, operations in openapi()["paths"].items():
            pattern = re.sub(r"\\\{\w+\\\}", parameter, re.escape(template))
            if re.fullmatch(pattern, path) and method.lower() in operations:
                operation: dict[str, Any] = operations[method.lower()]
                return operation
    raise AssertionError(f"no operation for {method} {path}")


def conforms(method: str, path: str, response: httpx.Response) -> None:
    """The answer is one the OpenAPI document declares for the operation, status and type."""
    declared = _operation(method, path)["responses"][str(response.status_code)]["content"]
    media = response.headers["content-type"].split(";")[0]
    body = response.json() if media == "application/json" else response.text
    registry = Registry().with_resource("urn:crm", DRAFT202012.create_resource(openapi()))
    Draft202012Validator(_rebase(declared[media]["schema"]), registry=registry).validate(body)


def _rebase(schema: Any) -> Any:
    """Point '#/components/...' references at the registered document."""
    if isinstance(schema, dict):
        return {k: ("urn:crm" + v if k == "$ref" else _rebase(v)) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_rebase(item) for item in schema]
    return schema
