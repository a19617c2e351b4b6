"""The schema and its extensions."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import strawberry
from graphql import GraphQLError
from graphql.validation import MaxIntrospectionDepthRule
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    SchemaExtension,
)
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from app.db.faults import Unavailable
from app.graphql.context import Context
from app.graphql.cost import uncapped_lists
from app.graphql.document_cache import SmallDocumentParserCache, SmallDocumentValidationCache
from app.graphql.execution import execution_for
from app.graphql.extension_runner import LeanExtensionsRunner
from app.graphql.limits import document_limits
from app.graphql.mutations import Mutation
from app.graphql.node_budget import MeasureCache, NodeBudget
from app.graphql.queries import Query
from app.graphql.rules import PageArguments
from app.graphql.scalars import SCALARS
from app.graphql.subscriptions import Subscription
from app.graphql.types.contact import CONTACT_COLUMNS
from app.graphql.types.opportunity import OPPORTUNITY_COLUMNS
from app.settings import Settings

CACHE_SIZE = 512


def is_unexpected(error: GraphQLError) -> bool:
    """A resolver crashed: hide its message. Request and validation errors keep theirs."""
    original = error.original_error
    return (
        original is not None and not isinstance(original, GraphQLError) and error.path is not None
    )


class MaskCrashes(MaskErrors):
    """MaskErrors, asking a result for its errors before the protocol check.

    Its `isinstance` against a runtime-checkable Protocol walks the protocol's members on
    every call (Python 3.11): a few microseconds on every request, almost none of which has
    errors to mask.
    """

    def _process_result(self, result: object) -> None:
        if getattr(result, "errors", None):
            super()._process_result(result)


class LeanSchema(strawberry.Schema):
    """The strawberry schema, its extension hooks run by `LeanExtensionsRunner`."""

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return LeanExtensionsRunner(execution_context=execution_context, extensions=extensions)


class BusySignal(SchemaExtension):
    """Note on the context a fault a resolver met (busy, unreachable...) before it is masked.

    Registered after MaskCrashes: operation hooks unwind last-in first-out, so this one still
    sees the original exception.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        context = self.execution_context.context
        errors = getattr(result, "errors", None) or []
        if isinstance(context, Context):
            faults = [e.original_error for e in errors if isinstance(e.original_error, Unavailable)]
            if faults:
                context.unavailable = faults[0]


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema, with bounded parse and validation caches and masked crashes.

    Every profile bounds a document before it runs: tokens (while parsing), depth, aliases and
    introspection nesting (validation, linear in the document), and the node budget (per
    request, as it depends on the page sizes in the variables). The production profile hides
    field suggestions; introspection follows the settings. Limits come first: the caches key
    on what they add.
    """
    settings = settings or Settings(_env_file=None)
    limits = document_limits(
        max_depth=settings.max_query_depth, max_aliases=settings.max_query_aliases
    )
    # Extensions are made per request; what they learn about documents is kept here.
    measures = MeasureCache()
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
    ]
    if not settings.introspection_enabled:
        extensions.append(DisableIntrospection)
    extensions.append(
        lambda: AddValidationRules([limits, MaxIntrospectionDepthRule, PageArguments])
    )
    extensions += [
        lambda: SmallDocumentParserCache(maxsize=CACHE_SIZE),
        lambda: SmallDocumentValidationCache(maxsize=CACHE_SIZE),
        lambda: NodeBudget(budget=settings.max_query_nodes, measures=measures),
        lambda: MaskCrashes(should_mask_error=is_unexpected),
        BusySignal,
    ]
    schema = LeanSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=settings.is_production),
        scalar_overrides=SCALARS,
    )
    if uncapped := sorted(uncapped_lists(schema._schema)):
        raise TypeError(f"list fields without a cap in app.graphql.cost: {', '.join(uncapped)}")
    # Known only once the schema is built: which fields are plain attributes.
    schema.execution_context_class = execution_for(
        schema._schema, [CONTACT_COLUMNS, OPPORTUNITY_COLUMNS]
    )
    return schema
