"""The schema and its extensions."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types.base import get_object_definition

from app.db.engine import DatabaseBusy
from app.graphql.context import Context
from app.graphql.management import ManagementMutation
from app.graphql.mutations import Mutation
from app.graphql.opportunity_mutations import OpportunityMutation
from app.graphql.queries import Query
from app.graphql.rules import PageArguments
from app.graphql.scalars import SCALARS
from app.settings import Settings

CACHE_SIZE = 512
RootMutation = merge_types("Mutation", (Mutation, OpportunityMutation, ManagementMutation))
# merge_types drops the descriptions of the merged types; the schema shows one for every type.
get_object_definition(RootMutation, strict=True).description = "Changes."


def is_unexpected(error: GraphQLError) -> bool:
    """A resolver crashed: hide its message. Request and validation errors keep theirs."""
    original = error.original_error
    return (
        original is not None and not isinstance(original, GraphQLError) and error.path is not None
    )


class BusySignal(SchemaExtension):
    """Mark the context when the database was too busy, before the error is masked.

    Registered after MaskErrors: operation hooks unwind last-in first-out, so this one still
    sees the original exception.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        context = self.execution_context.context
        errors = getattr(result, "errors", None) or []
        if isinstance(context, Context) and any(
            isinstance(e.original_error, DatabaseBusy) for e in errors
        ):
            context.busy = True


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema, with bounded parse and validation caches and masked crashes.

    The production profile adds depth, token and alias limits and hides field suggestions;
    introspection follows the settings. Limits come first: the caches key on what they add.
    """
    settings = settings or Settings(_env_file=None)
    extensions: list[Callable[[], SchemaExtension]] = []
    if settings.is_production:
        extensions += [
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_query_aliases),
        ]
    if not settings.introspection_enabled:
        extensions.append(DisableIntrospection)
    extensions.append(lambda: AddValidationRules([PageArguments]))
    extensions += [
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        lambda: MaskErrors(should_mask_error=is_unexpected),
        BusySignal,
    ]
    return strawberry.Schema(
        query=Query,
        mutation=RootMutation,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=settings.is_production),
        scalar_overrides=SCALARS,
    )
