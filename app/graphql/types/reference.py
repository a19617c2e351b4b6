"""Reference data: the currencies and the stages of the sales pipeline."""

from __future__ import annotations

from datetime import datetime
from operator import itemgetter

import strawberry
from strawberry import relay

from app.graphql.context import Info
from app.graphql.enums import StageType
from app.graphql.ids import GLOBAL_ID, global_id
from app.graphql.loaders import MaybeAwaitable, Row, map_when_loaded
from app.graphql.types.row_backed import member, row_backed


@strawberry.type(description="A currency deals can be valued in.")
class Currency:
    id: strawberry.ID = strawberry.field(
        description="The currency's id: its abbreviation (a currency is identified by its code)."
    )
    abbreviation: str = strawberry.field(description="ISO-style code, e.g. EUR; the currency's id.")
    title: str = strawberry.field(description="English name.")
    symbol: str = strawberry.field(description="Symbol, e.g. €.")
    culture_name: str = strawberry.field(description="Two-letter region code.")
    is_convertable: bool = strawberry.field(description="Whether exchange rates are known for it.")
    is_basic: bool = strawberry.field(description="Whether it is one of the basic currencies.")

    @classmethod
    def from_row(cls, row: Row) -> Currency:
        return _build_currency(row)


_build_currency = row_backed(
    Currency,
    {
        "id": lambda row: strawberry.ID(row["abbreviation"]),
        "abbreviation": itemgetter("abbreviation"),
        "title": itemgetter("title"),
        "symbol": itemgetter("symbol"),
        "culture_name": itemgetter("culture_name"),
        "is_convertable": itemgetter("is_convertable"),
        "is_basic": itemgetter("is_basic"),
    },
)


def currency_by_abbreviation(info: Info, abbr: str | None) -> MaybeAwaitable[Currency | None]:
    """The currency with that abbreviation; None when unset or unknown."""
    if not abbr:
        return None
    # One object per currency for the process: the table never changes while it runs.
    return info.context.loaders.currencies.built(abbr, _build_currency)


@strawberry.type(description="A stage (milestone) of the sales pipeline.")
class Stage(relay.Node):
    # The database id; GraphQL's `id` is the global id built from it (Node).
    id: relay.NodeID[int]
    # Built with the object: a plain field answers faster than relay.Node's resolver.
    _id: strawberry.ID = strawberry.field(name="id", description=GLOBAL_ID)

    @strawberry.field(description="The id the legacy REST routes use for the stage.")
    def database_id(self) -> int:
        return self.id

    title: str = strawberry.field(description="Name of the stage.")
    description: str = strawberry.field(description="What the stage means; empty when not set.")
    color: str = strawberry.field(description="Colour used to draw the stage, e.g. #b58fd6.")
    success_probability: int = strawberry.field(
        description="Chance of winning at this stage, 0-100."
    )
    stage_type: StageType = strawberry.field(description="Whether the stage is open, won or lost.")
    sort_order: int = strawberry.field(description="Position in the pipeline, from 0.")
    version: int = strawberry.field(
        description="Grows by one with every change to the stage, its place in the pipeline "
        "included; send it as expectedVersion to have a change refused (CONFLICT) if someone else "
        "wrote in between."
    )
    updated_at: datetime = strawberry.field(description="When the stage last changed.")

    @strawberry.field(
        description="How many opportunities the caller may see at this stage.", graphql_type=int
    )
    def opportunity_count(self, info: Info) -> MaybeAwaitable[int]:
        return map_when_loaded(info.context.loaders.opportunity_count_by_stage.now(self.id), int)

    @classmethod
    def from_row(cls, row: Row) -> Stage:
        return _build_stage(row)


_build_stage = row_backed(
    Stage,
    {
        "id": itemgetter("id"),
        "title": itemgetter("title"),
        "description": lambda row: row["description"] or "",
        "color": itemgetter("color"),
        "success_probability": itemgetter("success_probability"),
        "stage_type": member(StageType, "stage_type"),
        "sort_order": itemgetter("sort_order"),
        "version": itemgetter("version"),
        "updated_at": itemgetter("updated_at"),
    },
    eager={"_id": lambda row: global_id("Stage", row["id"])},
)


def stage_by_id(info: Info, stage_id: int) -> MaybeAwaitable[Stage | None]:
    """The stage with that id (a deal's always exists: a foreign key), one object per stage
    and request."""
    return info.context.loaders.stages.built(stage_id, _build_stage)
