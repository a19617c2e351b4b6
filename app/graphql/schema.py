"""The schema and its extensions."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types.base import get_object_definition

from app.graphql.management import ManagementMutation
from app.graphql.mutations import Mutation
from app.graphql.queries import Query
from app.graphql.scalars import SCALARS

CACHE_SIZE = 512
RootMutation = merge_types("Mutation", (Mutation, ManagementMutation))
# merge_types drops the descriptions of the merged types; the schema shows one for every type.
get_object_definition(RootMutation, strict=True).description = "Changes."


def is_unexpected(error: GraphQLError) -> bool:
    """A resolver crashed: hide its message. Request and validation errors keep theirs."""
    original = error.original_error
    return (
        original is not None and not isinstance(original, GraphQLError) and error.path is not None
    )


def build_schema() -> strawberry.Schema:
    """The GraphQL schema with bounded parse and validation caches and masked crashes."""
    return strawberry.Schema(
        query=Query,
        mutation=RootMutation,
        extensions=[
            lambda: ParserCache(maxsize=CACHE_SIZE),
            lambda: ValidationCache(maxsize=CACHE_SIZE),
            lambda: MaskErrors(should_mask_error=is_unexpected),
        ],
        config=StrawberryConfig(),
        scalar_overrides=SCALARS,
    )
