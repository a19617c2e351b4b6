"""Stage management (spec 3, the opportunity/stage routes): admin only, and not while in use."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.db import models
from app.db.engine import Database
from tests.conftest import GraphQL, Person
from tests.factories import opportunity, stage_input
from tests.ids import (
    database_id,
    stage_gid,
)

STAGE_FIELDS = "id title description color successProbability stageType sortOrder"
SEEDED = list(range(1, 10))  # seeded stage ids follow spec 5.2, sort orders 0..8
NEED_ASSESSMENT = 4

CREATE_STAGE = (
    """
mutation CreateStage($input: CreateStageInput!) {
  createStage(input: $input) { errors { code field message } stage { %s } }
}
"""
    % STAGE_FIELDS
)

UPDATE_STAGE = (
    """
mutation UpdateStage($input: UpdateStageInput!) {
  updateStage(input: $input) { errors { code field message } stage { %s } }
}
"""
    % STAGE_FIELDS
)

SET_STAGE_COLOR = (
    """
mutation SetStageColor($input: SetStageColorInput!) {
  setStageColor(input: $input) { errors { code field message } stage { %s } }
}
"""
    % STAGE_FIELDS
)

REORDER_STAGES = """
mutation ReorderStages($input: ReorderStagesInput!) {
  reorderStages(input: $input) { errors { code field message } stages { id sortOrder } }
}
"""

DELETE_STAGE = """
mutation DeleteStage($input: DeleteStageInput!) {
  deleteStage(input: $input) { errors { code field message } deletedStageId }
}
"""

STAGES = "{ stages { id sortOrder } }"


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def stored_stages(db: Database) -> dict[int, dict[str, Any]]:
    async with db.read() as conn:
        result = await conn.execute(select(models.stage_t))
        return {row["id"]: dict(row) for row in result.mappings()}


# --- createStage --------------------------------------------------------------------------------


async def test_admin_adds_a_stage_after_the_last(gql: GraphQL, db: Database, admin: Person) -> None:
    # when
    payload = (await gql(CREATE_STAGE, admin, input=stage_input(title="  Pilot running  ")))[
        "createStage"
    ]

    # then
    assert payload["errors"] == []
    stage = payload["stage"]
    assert stage == {
        "id": stage["id"],
        "title": "Pilot running",
        "description": "The customer tries it out.",
        "color": "#123456",
        "successProbability": 60,
        "stageType": "OPEN",
        "sortOrder": 9,
    }
    row = (await stored_stages(db))[database_id(stage["id"])]
    assert (row["title"], row["sort_order"], row["stage_type"]) == ("Pilot running", 9, 0)
    assert row["created_by"] == admin.id and row["updated_by"] == admin.id
    assert (await gql(STAGES, admin))["stages"][-1] == {"id": stage["id"], "sortOrder": 9}


async def test_a_stage_added_to_an_empty_pipeline_comes_first(
    gql: GraphQL, db: Database, admin: Person
) -> None:
    # given
    for stage_id in SEEDED:
        await gql(DELETE_STAGE, admin, input={"id": stage_id})

    # when
    payload = (await gql(CREATE_STAGE, admin, input=stage_input()))["createStage"]

    # then
    assert payload["stage"]["sortOrder"] == 0
    assert len(await stored_stages(db)) == 1


@pytest.mark.parametrize(
    ("probability", "stage_type"),
    [
        pytest.param(0, "CLOSED_AND_LOST", id="zero-lost"),
        pytest.param(100, "CLOSED_AND_WON", id="hundred-won"),
    ],
)
async def test_probability_bounds_are_accepted(
    gql: GraphQL, db: Database, admin: Person, probability: int, stage_type: str
) -> None:
    payload = (
        await gql(
            CREATE_STAGE,
            admin,
            input=stage_input(successProbability=probability, stageType=stage_type),
        )
    )["createStage"]

    assert payload["errors"] == []
    row = (await stored_stages(db))[database_id(payload["stage"]["id"])]
    assert (row["success_probability"], row["stage_type"]) == (
        probability,
        {"CLOSED_AND_WON": 1, "CLOSED_AND_LOST": 2}[stage_type],
    )


STAGE_REFUSALS = [
    pytest.param({"title": ""}, [("REQUIRED", "title")], id="empty-title"),
    pytest.param({"title": "   "}, [("REQUIRED", "title")], id="blank-title"),
    pytest.param({"title": "x" * 256}, [("TOO_LONG", "title")], id="long-title"),
    pytest.param({"color": ""}, [("REQUIRED", "color")], id="empty-color"),
    pytest.param({"color": "#" * 51}, [("TOO_LONG", "color")], id="long-color"),
    pytest.param({"successProbability": 101}, [("INVALID", "successProbability")], id="p-101"),
    pytest.param({"successProbability": -1}, [("INVALID", "successProbability")], id="p-neg"),
    pytest.param(
        {"title": "", "color": "", "successProbability": 140},
        [("REQUIRED", "title"), ("REQUIRED", "color"), ("INVALID", "successProbability")],
        id="all-at-once",
    ),
]


@pytest.mark.parametrize(("override", "expected"), STAGE_REFUSALS)
async def test_create_refusals(
    gql: GraphQL,
    db: Database,
    admin: Person,
    override: dict[str, Any],
    expected: list[tuple[str, str]],
) -> None:
    # given
    before = await stored_stages(db)

    # when
    payload = (await gql(CREATE_STAGE, admin, input=stage_input(**override)))["createStage"]

    # then
    assert payload["stage"] is None
    assert codes(payload) == expected
    assert await stored_stages(db) == before


# --- admin only ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "input_"),
    [
        pytest.param(CREATE_STAGE, stage_input(), id="createStage"),
        pytest.param(UPDATE_STAGE, {"id": 1, **stage_input()}, id="updateStage"),
        pytest.param(SET_STAGE_COLOR, {"id": 1, "color": "#000000"}, id="setStageColor"),
        pytest.param(REORDER_STAGES, {"ids": SEEDED[::-1]}, id="reorderStages"),
        pytest.param(DELETE_STAGE, {"id": 1}, id="deleteStage"),
    ],
)
async def test_non_admins_are_refused_and_nothing_changes(
    gql: GraphQL, db: Database, user: Person, document: str, input_: dict[str, Any]
) -> None:
    # given
    before = await stored_stages(db)

    # when
    data = await gql(document, user, input=input_)

    # then
    [payload] = data.values()
    assert codes(payload) == [("FORBIDDEN", None)]
    assert await stored_stages(db) == before


# --- updateStage --------------------------------------------------------------------------------


async def test_update_replaces_the_values_and_keeps_the_place(
    gql: GraphQL, db: Database, admin: Person
) -> None:
    # given
    before = (await stored_stages(db))[2]

    # when: description and type are omitted, so they take their defaults
    payload = (
        await gql(
            UPDATE_STAGE,
            admin,
            input={"id": 2, "title": "Fit check", "color": "#abcdef", "successProbability": 7},
        )
    )["updateStage"]

    # then
    assert payload["errors"] == []
    assert payload["stage"] == {
        "id": stage_gid(2),
        "title": "Fit check",
        "description": "",
        "color": "#abcdef",
        "successProbability": 7,
        "stageType": "OPEN",
        "sortOrder": before["sort_order"],
    }
    row = (await stored_stages(db))[2]
    assert (row["title"], row["description"], row["color"], row["success_probability"]) == (
        "Fit check",
        None,
        "#abcdef",
        7,
    )
    assert row["sort_order"] == before["sort_order"]
    assert row["updated_by"] == admin.id
    assert row["created_at"] == before["created_at"]


# An edit may clear the colour: the original's DealMilestoneDao.Edit checks none.
UPDATE_REFUSALS = [
    *(p for p in STAGE_REFUSALS if p.id not in ("empty-color", "all-at-once")),
    pytest.param(
        {"title": "", "color": "", "successProbability": 140},
        [("REQUIRED", "title"), ("INVALID", "successProbability")],
        id="all-at-once",
    ),
]


@pytest.mark.parametrize(("override", "expected"), UPDATE_REFUSALS)
async def test_update_refusals(
    gql: GraphQL,
    db: Database,
    admin: Person,
    override: dict[str, Any],
    expected: list[tuple[str, str]],
) -> None:
    before = await stored_stages(db)

    payload = (await gql(UPDATE_STAGE, admin, input={"id": 1, **stage_input(**override)}))[
        "updateStage"
    ]

    assert payload["stage"] is None
    assert codes(payload) == expected
    assert await stored_stages(db) == before


@pytest.mark.parametrize("document", ["update", "color"])
async def test_a_change_may_clear_the_colour(
    gql: GraphQL, db: Database, admin: Person, document: str
) -> None:
    """CRMApi.ListItem.cs UpdateDealMilestone and UpdateDealMilestoneColor check no colour."""
    if document == "update":
        data = await gql(UPDATE_STAGE, admin, input={"id": 1, **stage_input(color=" ")})
    else:
        data = await gql(SET_STAGE_COLOR, admin, input={"id": 1, "color": ""})
    [payload] = data.values()

    assert codes(payload) == []
    assert (await stored_stages(db))[1]["color"] == ""


async def test_updating_a_missing_stage_is_not_found(
    gql: GraphQL, db: Database, admin: Person
) -> None:
    before = await stored_stages(db)

    payload = (await gql(UPDATE_STAGE, admin, input={"id": 999, **stage_input(title="")}))[
        "updateStage"
    ]

    assert codes(payload) == [("REQUIRED", "title"), ("NOT_FOUND", "id")]
    assert await stored_stages(db) == before


# --- a stage in use -----------------------------------------------------------------------------


async def test_a_stage_in_use_cannot_be_edited_or_deleted_but_can_be_recolored(
    gql: GraphQL, db: Database, admin: Person, user: Person
) -> None:
    # given: a deal at "Need assessment"
    await opportunity(gql, as_=user, stageId=NEED_ASSESSMENT)
    before = (await stored_stages(db))[NEED_ASSESSMENT]

    # when
    edited = (await gql(UPDATE_STAGE, admin, input={"id": NEED_ASSESSMENT, **stage_input()}))[
        "updateStage"
    ]
    deleted = (await gql(DELETE_STAGE, admin, input={"id": NEED_ASSESSMENT}))["deleteStage"]
    unchanged = (await stored_stages(db))[NEED_ASSESSMENT]
    recolored = (
        await gql(SET_STAGE_COLOR, admin, input={"id": NEED_ASSESSMENT, "color": " #000000 "})
    )["setStageColor"]

    # then
    assert edited == {
        "errors": [
            {
                "code": "CONFLICT",
                "field": None,
                "message": "Can't be edited. There are some opportunities at this stage.",
            }
        ],
        "stage": None,
    }
    assert deleted == {
        "errors": [
            {
                "code": "CONFLICT",
                "field": None,
                "message": "Can't be deleted. There are some opportunities at this stage.",
            }
        ],
        "deletedStageId": None,
    }
    assert unchanged == before
    assert recolored["errors"] == []
    assert recolored["stage"]["color"] == "#000000"
    assert recolored["stage"]["title"] == "Need assessment"
    row = (await stored_stages(db))[NEED_ASSESSMENT]
    kept = ("title", "description", "success_probability", "stage_type", "sort_order")
    assert {k: row[k] for k in kept} == {k: before[k] for k in kept}
    assert (row["color"], row["updated_by"]) == ("#000000", admin.id)


@pytest.mark.parametrize(
    ("input_", "expected"),
    [
        pytest.param({"id": 999, "color": "#000000"}, [("NOT_FOUND", "id")], id="missing"),
        pytest.param({"id": 1, "color": "x" * 51}, [("TOO_LONG", "color")], id="long-color"),
    ],
)
async def test_set_color_refusals(
    gql: GraphQL,
    db: Database,
    admin: Person,
    input_: dict[str, Any],
    expected: list[tuple[str, str]],
) -> None:
    before = await stored_stages(db)

    payload = (await gql(SET_STAGE_COLOR, admin, input=input_))["setStageColor"]

    assert (payload["stage"], codes(payload)) == (None, expected)
    assert await stored_stages(db) == before


# --- reorderStages ------------------------------------------------------------------------------


async def test_reorder_gives_each_listed_stage_its_index(
    gql: GraphQL, db: Database, admin: Person
) -> None:
    # when
    payload = (await gql(REORDER_STAGES, admin, input={"ids": SEEDED[::-1]}))["reorderStages"]

    # then
    assert payload["errors"] == []
    expected = [
        {"id": stage_gid(stage_id), "sortOrder": index}
        for index, stage_id in enumerate(SEEDED[::-1])
    ]
    assert payload["stages"] == expected
    assert (await gql(STAGES, admin))["stages"] == expected
    stored = await stored_stages(db)
    assert {stage_id: row["sort_order"] for stage_id, row in stored.items()} == {
        stage_id: 9 - stage_id for stage_id in SEEDED
    }


async def test_reorder_leaves_stages_not_listed_in_place(
    gql: GraphQL, db: Database, admin: Person
) -> None:
    payload = (await gql(REORDER_STAGES, admin, input={"ids": [9, 5]}))["reorderStages"]

    assert payload["stages"] == [
        {"id": stage_gid(9), "sortOrder": 0},
        {"id": stage_gid(5), "sortOrder": 1},
    ]
    orders = {stage_id: row["sort_order"] for stage_id, row in (await stored_stages(db)).items()}
    assert orders == {1: 0, 2: 1, 3: 2, 4: 3, 5: 1, 6: 5, 7: 6, 8: 7, 9: 0}


async def test_an_empty_reorder_changes_nothing(gql: GraphQL, db: Database, admin: Person) -> None:
    # given
    before = await stored_stages(db)

    # when: no ids, as the original's UpdateDealMilestonesOrder takes them (a no-op)
    payload = (await gql(REORDER_STAGES, admin, input={"ids": []}))["reorderStages"]

    # then
    assert (payload["stages"], codes(payload)) == ([], [])
    assert await stored_stages(db) == before


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        pytest.param([2, 1, 2], [("INVALID", "ids")], id="repeated"),
        pytest.param([2, 999, 1], [("NOT_FOUND", "ids")], id="unknown"),
        pytest.param([3, 3, 998], [("INVALID", "ids"), ("NOT_FOUND", "ids")], id="both"),
    ],
)
async def test_reorder_refusals(
    gql: GraphQL, db: Database, admin: Person, ids: list[int], expected: list[tuple[str, str]]
) -> None:
    before = await stored_stages(db)

    payload = (await gql(REORDER_STAGES, admin, input={"ids": ids}))["reorderStages"]

    assert (payload["stages"], codes(payload)) == (None, expected)
    assert await stored_stages(db) == before


async def test_reorder_names_the_unknown_ids(gql: GraphQL, admin: Person) -> None:
    payload = (await gql(REORDER_STAGES, admin, input={"ids": [1, 999, 998]}))["reorderStages"]

    assert payload["errors"] == [
        {"code": "NOT_FOUND", "field": "ids", "message": "Unknown stage ids: 998, 999."}
    ]


# --- deleteStage --------------------------------------------------------------------------------


async def test_admin_deletes_an_unused_stage(gql: GraphQL, db: Database, admin: Person) -> None:
    # when
    payload = (await gql(DELETE_STAGE, admin, input={"id": 1}))["deleteStage"]
    again = (await gql(DELETE_STAGE, admin, input={"id": 1}))["deleteStage"]

    # then
    assert payload == {"errors": [], "deletedStageId": stage_gid(1)}
    assert sorted(await stored_stages(db)) == SEEDED[1:]
    assert again == {
        "errors": [{"code": "NOT_FOUND", "field": "id", "message": "The stage is not found."}],
        "deletedStageId": None,
    }
