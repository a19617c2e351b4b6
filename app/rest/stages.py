"""Legacy stage routes (opportunity/stage): the pipeline, shaped by administrators."""

from __future__ import annotations

from typing import Any

from app.domain.enums import StageType
from app.rest import shapes
from app.rest.declarations import ADMIN_REFUSALS, Respond, mutation, positive, with_id
from app.rest.kinds import INT, INT_LIST, STRING, enum_kind
from app.rest.legacy import (
    BARE_400,
    MSG_NOT_FOUND,
    OWN_400,
    LegacyError,
    LegacyRoute,
    Refusals,
    WireContext,
)

STAGE = {"$ref": "#/components/schemas/StageWithCount"}
STAGES = {"type": "array", "items": STAGE}
STAGE_PARAMS = {
    "title": STRING,
    "description": STRING,
    "color": STRING,
    "successProbability": INT,
    "stageType": enum_kind(StageType),
}
# As the other reference tables, but a probability out of 0..100 is a bare ArgumentException
# too, and a stage some deal is at keeps the original's words.
STAGE_REFUSALS = Refusals({**ADMIN_REFUSALS.by_code, "INVALID": BARE_400, "CONFLICT": OWN_400})
WITH_COUNT = "...WireStage opportunityCount"


def stage_mutation(name: str, field: str, kind: str, result: str = "stage") -> str:
    """A stage mutation answering with the stage(s) and their deal counts."""
    return mutation(name, field, kind, result, WITH_COUNT)


def fields(p: dict[str, Any]) -> dict[str, Any]:
    """A stage's values; omitted ones take the CLR defaults."""
    stage_type = p["stageType"] if p["stageType"] is not None else StageType.OPEN
    return {
        "title": p["title"] or "",
        "description": p["description"],
        "color": p["color"] or "",
        "successProbability": p["successProbability"] or 0,
        "stageType": stage_type.name,
    }


def one(field: str, result: str = "stage") -> Respond:
    """The stage of a payload, with its deal count."""

    def respond(data: dict[str, Any], _: WireContext) -> dict[str, Any]:
        return shapes.stage_with_count(data[field][result])

    return respond


def get_one(data: dict[str, Any], _: WireContext) -> dict[str, Any]:
    """The stage, or 404."""
    if data["stage"] is None:
        raise LegacyError(404, MSG_NOT_FOUND)
    return shapes.stage_with_count(data["stage"])


def get_stage_variables(p: dict[str, Any]) -> dict[str, Any]:
    """The stage id, which must be positive."""
    positive(p, "id")
    return {"id": p["id"]}


ROUTES = [
    LegacyRoute(
        method="GET",
        path="opportunity/stage",
        summary="Every stage in pipeline order, with how many opportunities are at each",
        operation=shapes.operation(f"query LegacyStages {{ stages {{ {WITH_COUNT} }} }}\n"),
        params={},
        variables=lambda _: {},
        respond=lambda data, _: [shapes.stage_with_count(s) for s in data["stages"]],
        response_schema=STAGES,
    ),
    LegacyRoute(
        method="GET",
        path="opportunity/stage/{id:int}",  # the original's {stageid}: one name per path
        summary="One stage",
        operation=shapes.operation(
            f"query LegacyStage($id: ID!) {{ stage(id: $id) {{ {WITH_COUNT} }} }}\n"
        ),
        params={"id": INT},
        variables=get_stage_variables,
        respond=get_one,
        response_schema=STAGE,
    ),
    LegacyRoute(
        method="POST",
        path="opportunity/stage",
        summary="Add a stage at the end of the pipeline (administrators)",
        operation=stage_mutation("LegacyCreateStage", "createStage", "CreateStageInput"),
        params=STAGE_PARAMS,
        variables=lambda p: {"input": fields(p)},
        respond=one("createStage"),
        status=201,
        response_schema=STAGE,
        required=("title", "color"),
        refusals=STAGE_REFUSALS,
    ),
    LegacyRoute(
        method="PUT",
        path="opportunity/stage/reorder",
        summary="Put the stages in a new order (administrators)",
        operation=stage_mutation(
            "LegacyReorderStages", "reorderStages", "ReorderStagesInput", result="stages"
        ),
        params={"ids": INT_LIST},
        variables=lambda p: {"input": {"ids": p["ids"] or []}},
        respond=lambda data, _: [
            shapes.stage_with_count(s) for s in data["reorderStages"]["stages"]
        ],
        response_schema=STAGES,
        refusals=STAGE_REFUSALS,
    ),
    LegacyRoute(
        method="PUT",
        path="opportunity/stage/{id:int}",
        summary="Replace a stage's values (administrators; not while opportunities are at it)",
        operation=stage_mutation("LegacyUpdateStage", "updateStage", "UpdateStageInput"),
        params={"id": INT, **STAGE_PARAMS},
        variables=lambda p: with_id(p, **fields(p)),
        respond=one("updateStage"),
        response_schema=STAGE,
        required=("title",),  # an edit may clear the colour
        refusals=STAGE_REFUSALS,
    ),
    LegacyRoute(
        method="PUT",
        path="opportunity/stage/{id:int}/color",
        summary="Recolour a stage (administrators)",
        operation=stage_mutation("LegacySetStageColor", "setStageColor", "SetStageColorInput"),
        params={"id": INT, "color": STRING},
        variables=lambda p: with_id(p, color=p["color"] or ""),
        respond=one("setStageColor"),
        response_schema=STAGE,
        refusals=STAGE_REFUSALS,
    ),
    LegacyRoute(
        method="DELETE",
        path="opportunity/stage/{id:int}",
        summary="Delete a stage (administrators; not while opportunities are at it)",
        operation=stage_mutation(
            "LegacyDeleteStage", "deleteStage", "DeleteStageInput", result="deletedStage"
        ),
        params={"id": INT},
        variables=with_id,
        respond=one("deleteStage", "deletedStage"),
        response_schema=STAGE,
        refusals=STAGE_REFUSALS,
    ),
]
