"""Execution with a short path for plain leaf fields: the attribute read and serialized inline.

Most of a list page's fields are scalars read straight off the object (a deal's title, a
contact's name). graphql-core gives each one a resolve-info object, an argument check, the
resolver chain and the completion dispatch: several microseconds a field, most of a page's
execution. A field with no resolver, no extension and no arguments that returns a scalar or an
enum needs none of it. Anything unusual (a missing value on a non-null field, a value its type
cannot serialize, field middleware) takes graphql-core's own path, so errors are unchanged.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from graphql import (
    GraphQLEnumType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfoHelpers,
    GraphQLScalarType,
    GraphQLSchema,
)
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

from app.graphql.columns_read import ColumnsRead
from app.graphql.compiled_objects import NEVER_AWAITABLE, Compiler, Run, awaitable
from app.graphql.plan_rules import uses_directives

# (python attribute, serialize, may be null), per (object type, field) name.
Plain = tuple[str, Callable[[Any], Any], bool]


def plain_leaf_fields(schema: GraphQLSchema) -> dict[tuple[str, str], Plain]:
    """The fields the short path may serve: strawberry's basic fields of a leaf type."""
    found: dict[tuple[str, str], Plain] = {}
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            basic = getattr(field.resolve, "_is_default", False)
            if definition is None or not basic or field.args:
                continue
            nullable = not isinstance(field.type, GraphQLNonNull)
            leaf = field.type if nullable else field.type.of_type
            if isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
                found[type_.name, name] = (definition.python_name, leaf.serialize, nullable)
    return found


class PlainFieldsExecution(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context: objects by compiled plans, plain leaves inline."""

    plain: Mapping[tuple[str, str], Plain] = {}
    columns: tuple[ColumnsRead, ...] = ()
    shared_plans: ClassVar[dict[tuple[Any, ...], Any]] = {}
    compiler: Compiler | None = None
    run: Run | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # graphql-core's helpers are bound methods of the context, which holds them: a cycle,
        # so every request's context (its loaders and rows with it) waited for the garbage
        # collector, and a list page left some 600 objects to it. Reached through a weak
        # reference instead, the context is freed as soon as the request lets go of it.
        context = weakref.ref(self)
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=lambda work: _alive(context).gather_async_work(work),
            track=lambda work: _alive(context).track_async_work(work),
        )
        prepare = getattr(self.context_value, "prepare", None)
        if self.columns and prepare is not None:
            fragments = [fragment.definition for fragment in self.fragments.values()]
            operation = self.operation
            prepare(
                {
                    read.type_name: read.of(self.schema, operation, fragments)
                    for read in self.columns
                }
            )

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        compiler, run = self.compiler, self.run
        if compiler is None or run is None:
            fragments = self.fragments.values()
            varies = any(fragment.variable_signatures for fragment in fragments) or (
                uses_directives(self.operation, [fragment.definition for fragment in fragments])
            )
            compiler = Compiler(
                has_middleware=self._field_middleware,
                shared=None if varies else self.shared_plans,
            )
            run = Run(self.context_value)
            self.compiler, self.run = compiler, run
        plan = compiler.plan(return_type, field_details_list, self.collect_subfields)
        if plan is not None and id(plan) not in run.failed:
            try:
                return plan.run(result, run)
            except Exception:  # noqa: S110 - graphql-core completes it and reports what failed
                pass
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    @property
    def _field_middleware(self) -> bool:
        # Strawberry always passes a manager; it holds the extensions that hook resolvers.
        manager = self.middleware_manager
        return manager is not None and bool(manager.middlewares)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        node = field_details_list[0].node
        plain = self.plain.get((parent_type.name, node.name.value))
        if plain is not None and not node.arguments and not self._field_middleware:
            attribute, serialize, nullable = plain
            try:
                value = getattr(source, attribute, Undefined)
            except Exception:  # a property or row_backed field failing: graphql-core reports it
                value = Undefined
            if value is None and nullable:
                return None
            if (
                value is not None
                and value is not Undefined
                and not isinstance(value, Exception)
                and (type(value) in NEVER_AWAITABLE or not awaitable(value))
            ):
                try:
                    serialized = serialize(value)
                except Exception:  # graphql-core's path reports it properly
                    serialized = None
                if serialized is not None and serialized is not Undefined:
                    return serialized
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )


def _alive(context: weakref.ref[PlainFieldsExecution]) -> PlainFieldsExecution:
    found = context()
    if found is None:  # only a resolver outliving its request could get here
        raise RuntimeError("the execution this resolver belonged to has ended")
    return found


def execution_for(
    schema: GraphQLSchema, columns: Sequence[ColumnsRead] = ()
) -> type[PlainFieldsExecution]:
    """An execution context class knowing the schema's plain leaf fields, and the row-backed
    types whose columns an operation's reads fetch only as it asks for them."""
    known = {"plain": plain_leaf_fields(schema), "shared_plans": {}, "columns": tuple(columns)}
    return type("SchemaExecution", (PlainFieldsExecution,), known)
