"""The pipeline as legacy clients see and shape it: opportunity/stage, and settings/currency.

Deals of the scene (scene.py) are at Suspect (3: Pilot, Renewal), Negotiations (7: Rollout,
private to Otto) and Closure/Transaction (8: Archive).
"""

from __future__ import annotations

import httpx
import pytest

from app.db.reference import CURRENCIES
from tests.legacy.scene import BARE, DENIED, NOT_FOUND, Exchange, Scene, check, counted, error, ok

IN_USE_EDIT = error(400, "Can't be edited. There are some opportunities at this stage.")
IN_USE_DELETE = error(400, "Can't be deleted. There are some opportunities at this stage.")
USER_STAGES = [counted(i, {3: 2, 8: 1}.get(i, 0)) for i in range(1, 10)]
ADMIN_STAGES = [counted(i, {3: 2, 7: 1, 8: 1}.get(i, 0)) for i in range(1, 10)]
NEW_STAGE = {
    "title": "Pilot phase",
    "description": "Trying it out",
    "color": "#000000",
    "successProbability": 40,
    "stageType": "Open",
}
CREATED_STAGE = {
    "successProbability": 40,
    "stageType": 0,
    "title": "Pilot phase",
    "description": "Trying it out",
    "color": "#000000",
    "sortOrder": 9,
    "id": 10,
}
CURRENCY_LIST = [
    {
        "title": c.title,
        "symbol": c.symbol,
        "abbreviation": c.abbreviation,
        "cultureName": c.culture_name,
        "isConvertable": c.is_convertable,
        "isBasic": c.is_basic,
    }
    for c in sorted(CURRENCIES, key=lambda c: c.abbreviation)
]

EXCHANGES = [
    # --- GET opportunity/stage and opportunity/stage/{id} ---
    Exchange("stages", "GET", "opportunity/stage", 200, ok(USER_STAGES)),
    Exchange(
        "stages-admin-counts", "GET", "opportunity/stage.json", 200, ok(ADMIN_STAGES), as_="admin"
    ),
    Exchange("stage", "GET", "opportunity/stage/3", 200, ok(counted(3, 2))),
    Exchange("stage-unused", "GET", "opportunity/stage/1.json", 200, ok(counted(1))),
    Exchange("stage-missing", "GET", "opportunity/stage/99", 404, NOT_FOUND),
    Exchange("stage-zero", "GET", "opportunity/stage/0", 400, BARE),
    Exchange("stage-no-key", "GET", "opportunity/stage", 401, "Unauthorized", as_="nobody"),
    # --- POST opportunity/stage ---
    Exchange(
        "create",
        "POST",
        "opportunity/stage",
        201,
        ok(CREATED_STAGE, status=201),
        as_="admin",
        json_body=NEW_STAGE,
        after=[("GET", "opportunity/stage/10", ok(CREATED_STAGE))],
    ),
    Exchange(
        "create-form-closed-stage",
        "POST",
        "opportunity/stage.json",
        201,
        ok(
            CREATED_STAGE | {"successProbability": 0, "stageType": 1, "description": ""}, status=201
        ),
        as_="admin",
        form="title=Pilot+phase&color=%23000000&stageType=1",
    ),
    Exchange("create-not-admin", "POST", "opportunity/stage", 403, DENIED, json_body=NEW_STAGE),
    Exchange(
        "create-not-admin-checked-first",
        "POST",
        "opportunity/stage",
        403,
        DENIED,
        json_body={**NEW_STAGE, "title": ""},
    ),
    Exchange(
        "create-no-title",
        "POST",
        "opportunity/stage",
        400,
        BARE,
        as_="admin",
        json_body={**NEW_STAGE, "title": ""},
    ),
    Exchange(
        "create-no-color",
        "POST",
        "opportunity/stage",
        400,
        BARE,
        as_="admin",
        json_body={**NEW_STAGE, "color": None},
    ),
    Exchange(
        "create-probability-over-100",
        "POST",
        "opportunity/stage",
        400,
        BARE,
        as_="admin",
        json_body={**NEW_STAGE, "successProbability": 150},
    ),
    Exchange(
        "create-unknown-type",
        "POST",
        "opportunity/stage",
        400,
        error(400, "Parameter 'stageType': 'Won' is not a valid StageType."),
        as_="admin",
        json_body={**NEW_STAGE, "stageType": "Won"},
    ),
    # --- PUT opportunity/stage/{id} ---
    Exchange(
        "update-unused",
        "PUT",
        "opportunity/stage/1",
        200,
        ok(
            counted(1, title="First contact", description="", color="#111111", successProbability=5)
        ),
        as_="admin",
        json_body={"title": "First contact", "color": "#111111", "successProbability": 5},
    ),
    Exchange(
        "update-in-use",
        "PUT",
        "opportunity/stage/3",
        400,
        IN_USE_EDIT,
        as_="admin",
        json_body=NEW_STAGE,
    ),
    Exchange(
        "update-in-use-by-a-private-deal",
        "PUT",
        "opportunity/stage/7.json",
        400,
        IN_USE_EDIT,
        as_="admin",
        json_body=NEW_STAGE,
    ),
    Exchange(
        "update-missing",
        "PUT",
        "opportunity/stage/99",
        404,
        NOT_FOUND,
        as_="admin",
        json_body=NEW_STAGE,
    ),
    Exchange(
        "update-no-title",
        "PUT",
        "opportunity/stage/1",
        400,
        BARE,
        as_="admin",
        json_body={**NEW_STAGE, "title": None},
    ),
    Exchange("update-not-admin", "PUT", "opportunity/stage/1", 403, DENIED, json_body=NEW_STAGE),
    Exchange(
        "update-zero", "PUT", "opportunity/stage/0", 400, BARE, as_="admin", json_body=NEW_STAGE
    ),
    # --- PUT opportunity/stage/{id}/color ---
    Exchange(
        "color-of-a-stage-in-use",
        "PUT",
        "opportunity/stage/3/color",
        200,
        ok(counted(3, 2, color="#123456")),
        as_="admin",
        json_body={"color": "#123456"},
    ),
    Exchange(
        "color-form",
        "PUT",
        "opportunity/stage/1/color.json",
        200,
        ok(counted(1, color="red")),
        as_="admin",
        form="color=red",
    ),
    # UpdateDealMilestoneColor checks no colour: an empty one is stored.
    Exchange(
        "color-empty",
        "PUT",
        "opportunity/stage/1/color",
        200,
        ok(counted(1, color="")),
        as_="admin",
        form="color=",
        after=[("GET", "opportunity/stage/1", ok(counted(1, color="")))],
    ),
    Exchange(
        "color-missing",
        "PUT",
        "opportunity/stage/99/color",
        404,
        NOT_FOUND,
        as_="admin",
        json_body={"color": "red"},
    ),
    Exchange(
        "color-not-admin",
        "PUT",
        "opportunity/stage/1/color",
        403,
        DENIED,
        json_body={"color": "red"},
    ),
    # --- PUT opportunity/stage/reorder ---
    Exchange(
        "reorder",
        "PUT",
        "opportunity/stage/reorder",
        200,
        ok([counted(3, 2, sortOrder=0), counted(1, sortOrder=1)]),
        as_="admin",
        json_body={"ids": [3, 1]},
    ),
    Exchange(
        "reorder-form",
        "PUT",
        "opportunity/stage/reorder.json",
        200,
        ok([counted(2, sortOrder=0), counted(1, sortOrder=1)]),
        as_="admin",
        form="ids[]=2&ids[]=1",
        after=[
            (
                "GET",
                "opportunity/stage",
                ok([counted(2, sortOrder=0), counted(1, sortOrder=1), *ADMIN_STAGES[2:]]),
            )
        ],
    ),
    Exchange(
        "reorder-unknown",
        "PUT",
        "opportunity/stage/reorder",
        404,
        NOT_FOUND,
        as_="admin",
        json_body={"ids": [3, 99]},
    ),
    Exchange(
        "reorder-repeated",
        "PUT",
        "opportunity/stage/reorder",
        400,
        BARE,
        as_="admin",
        json_body={"ids": [3, 3]},
    ),
    # CRMApi.ListItem.cs UpdateDealMilestonesOrder: the binder makes a missing or empty list
    # an empty one (Binder.Bind), which reorders nothing.
    Exchange("reorder-none", "PUT", "opportunity/stage/reorder", 200, ok([]), as_="admin"),
    Exchange(
        "reorder-empty",
        "PUT",
        "opportunity/stage/reorder",
        200,
        ok([]),
        as_="admin",
        json_body={"ids": []},
        after=[("GET", "opportunity/stage/1", ok(counted(1, 0)))],
    ),
    Exchange("reorder-empty-not-admin", "PUT", "opportunity/stage/reorder", 403, DENIED),
    Exchange(
        "reorder-not-admin",
        "PUT",
        "opportunity/stage/reorder",
        403,
        DENIED,
        json_body={"ids": [3, 1]},
    ),
    # --- DELETE opportunity/stage/{id} ---
    Exchange(
        "delete-unused",
        "DELETE",
        "opportunity/stage/1",
        200,
        ok(counted(1)),
        as_="admin",
        after=[("GET", "opportunity/stage/1", NOT_FOUND)],
    ),
    Exchange("delete-in-use", "DELETE", "opportunity/stage/3", 400, IN_USE_DELETE, as_="admin"),
    Exchange("delete-missing", "DELETE", "opportunity/stage/99", 404, NOT_FOUND, as_="admin"),
    Exchange("delete-not-admin", "DELETE", "opportunity/stage/1", 403, DENIED),
    Exchange("delete-zero", "DELETE", "opportunity/stage/0.json", 400, BARE, as_="admin"),
    # --- GET settings/currency ---
    Exchange("currencies", "GET", "settings/currency", 200, ok(CURRENCY_LIST)),
    Exchange("currencies-json-suffix", "GET", "settings/currency.json", 200, ok(CURRENCY_LIST)),
    Exchange("currencies-no-key", "GET", "settings/currency", 401, "Unauthorized", as_="nobody"),
]


@pytest.mark.parametrize("case", [e.param() for e in EXCHANGES])
async def test_exchange(client: httpx.AsyncClient, scene: Scene, case: Exchange) -> None:
    await check(client, case, scene)


def test_currencies_are_the_74_of_the_original_by_abbreviation() -> None:
    assert len(CURRENCY_LIST) == 74
    assert [c["abbreviation"] for c in CURRENCY_LIST[:3]] == ["AED", "AMD", "AOA"]
