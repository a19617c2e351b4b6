"""Managing the pipeline's stages (administrators only)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.domain import enums as domain
from app.domain import stages
from app.graphql.context import Info
from app.graphql.enums import StageType, to_domain
from app.graphql.ids import global_id, key, keys
from app.graphql.mutations.refusals import Refusals, UserError, errors_field
from app.graphql.types import Stage


@strawberry.input(description="A new stage, added at the end of the pipeline.")
class CreateStageInput:
    title: str = strawberry.field(description="Name of the stage, 1-255 characters; trimmed.")
    color: str = strawberry.field(
        description="Colour used to draw the stage, e.g. #b58fd6; 1-50 characters, required."
    )
    description: str | None = strawberry.field(default=None, description="What the stage means.")
    success_probability: int | None = strawberry.field(
        default=0, description="Chance of winning at this stage, 0-100 (not clamped); null: 0."
    )
    stage_type: StageType = strawberry.field(
        default=StageType.OPEN, description="Whether the stage is open, won or lost."
    )


@strawberry.input(
    description="A stage's new values; every field is replaced, omitted ones take the defaults."
)
class UpdateStageInput:
    id: strawberry.ID = strawberry.field(description="The stage's id.")
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version the change was made on (Stage.version, as read): when the "
        "stored one differs, nothing is written and the answer is a CONFLICT error carrying "
        "the current version, with the stage as stored. Null: no check.",
    )
    title: str = strawberry.field(description="Name of the stage, 1-255 characters; trimmed.")
    color: str = strawberry.field(
        description="Colour used to draw the stage, e.g. #b58fd6; at most 50 characters, "
        "empty clears it (as the original's edit)."
    )
    description: str | None = strawberry.field(default=None, description="What the stage means.")
    success_probability: int | None = strawberry.field(
        default=0, description="Chance of winning at this stage, 0-100 (not clamped); null: 0."
    )
    stage_type: StageType = strawberry.field(
        default=StageType.OPEN, description="Whether the stage is open, won or lost."
    )


@strawberry.input(description="A stage's new colour.")
class SetStageColorInput:
    id: strawberry.ID = strawberry.field(description="The stage's id.")
    color: str = strawberry.field(
        description="The new colour, e.g. #b58fd6; at most 50 characters, empty clears it."
    )


@strawberry.input(description="A new order of the pipeline.")
class ReorderStagesInput:
    ids: list[strawberry.ID] = strawberry.field(
        description="Stage ids in their new order; each gets its 0-based index as sort order. "
        "Stages left out keep theirs."
    )


@strawberry.input(description="The stage to delete.")
class DeleteStageInput:
    id: strawberry.ID = strawberry.field(description="The stage's id.")


@strawberry.type(description="The result of createStage.")
class CreateStagePayload:
    stage: Stage | None = strawberry.field(description="The stage as stored; null when refused.")
    errors: list[UserError] = errors_field()


@strawberry.type(description="The result of updateStage.")
class UpdateStagePayload:
    stage: Stage | None = strawberry.field(description="The stage as stored; null when refused.")
    errors: list[UserError] = errors_field()


@strawberry.type(description="The result of setStageColor.")
class SetStageColorPayload:
    stage: Stage | None = strawberry.field(description="The stage as stored; null when refused.")
    errors: list[UserError] = errors_field()


@strawberry.type(description="The result of reorderStages.")
class ReorderStagesPayload:
    stages: list[Stage] | None = strawberry.field(
        description="The listed stages in their new order; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="The result of deleteStage.")
class DeleteStagePayload:
    deleted_stage_id: strawberry.ID | None = strawberry.field(
        description="The global id the deleted stage had; null when refused."
    )
    deleted_stage: Stage | None = strawberry.field(
        description="The deleted stage as it was; null when refused."
    )
    errors: list[UserError] = errors_field()


def stage_fields(values: CreateStageInput | UpdateStageInput) -> stages.StageFields:
    """The domain form of a stage's values, created or replaced."""
    return stages.StageFields(
        title=values.title,
        color=values.color,
        description=values.description,
        success_probability=values.success_probability or 0,
        stage_type=to_domain(domain.StageType, values.stage_type),
    )


@strawberry.type
class StageMutation:
    """Adding, editing, ordering and deleting stages."""

    @strawberry.mutation(
        description="Add a stage at the end of the pipeline (administrators only). Refused "
        "with REQUIRED for an empty title or colour, INVALID for a probability outside 0-100.",
        extensions=[Refusals()],
    )
    async def create_stage(
        self,
        info: Info,
        input_: Annotated[
            CreateStageInput, strawberry.argument(name="input", description="The new stage.")
        ],
    ) -> CreateStagePayload:
        row = await stages.create_stage(
            db=info.context.db, caller=info.context.caller, fields=stage_fields(input_)
        )
        return CreateStagePayload(stage=Stage.from_row(row))

    @strawberry.mutation(
        description="Replace a stage's values (administrators only), with createStage's "
        "checks. A stage any opportunity is at cannot be edited (CONFLICT); its colour can. "
        "CONFLICT with the stage as stored when expectedVersion is not its version.",
        extensions=[Refusals(current=("stage", Stage.from_row))],
    )
    async def update_stage(
        self,
        info: Info,
        input_: Annotated[
            UpdateStageInput,
            strawberry.argument(name="input", description="The stage and its new values."),
        ],
    ) -> UpdateStagePayload:
        row = await stages.update_stage(
            db=info.context.db,
            caller=info.context.caller,
            stage_id=key(input_.id, "Stage"),
            fields=stage_fields(input_),
            expected_version=input_.expected_version,
        )
        return UpdateStagePayload(stage=Stage.from_row(row))

    @strawberry.mutation(
        description="Recolour a stage, even one opportunities are at (administrators only).",
        extensions=[Refusals()],
    )
    async def set_stage_color(
        self,
        info: Info,
        input_: Annotated[
            SetStageColorInput,
            strawberry.argument(name="input", description="The stage and its new colour."),
        ],
    ) -> SetStageColorPayload:
        row = await stages.set_stage_color(
            db=info.context.db,
            caller=info.context.caller,
            stage_id=key(input_.id, "Stage"),
            color=input_.color,
        )
        return SetStageColorPayload(stage=Stage.from_row(row))

    @strawberry.mutation(
        description="Put stages in a new order (administrators only). Unknown ids are refused "
        "with NOT_FOUND, repeated ones with INVALID.",
        extensions=[Refusals()],
    )
    async def reorder_stages(
        self,
        info: Info,
        input_: Annotated[
            ReorderStagesInput,
            strawberry.argument(name="input", description="The stage ids in their new order."),
        ],
    ) -> ReorderStagesPayload:
        rows = await stages.reorder_stages(
            db=info.context.db, caller=info.context.caller, ids=keys(input_.ids, "Stage")
        )
        return ReorderStagesPayload(stages=[Stage.from_row(row) for row in rows])

    @strawberry.mutation(
        description="Delete a stage (administrators only); one any opportunity is at cannot "
        "be deleted (CONFLICT).",
        extensions=[Refusals()],
    )
    async def delete_stage(
        self,
        info: Info,
        input_: Annotated[
            DeleteStageInput, strawberry.argument(name="input", description="The stage.")
        ],
    ) -> DeleteStagePayload:
        deleted = await stages.delete_stage(
            db=info.context.db, caller=info.context.caller, stage_id=key(input_.id, "Stage")
        )
        return DeleteStagePayload(
            deleted_stage_id=global_id("Stage", deleted["id"]),
            deleted_stage=Stage.from_row(deleted),
        )
