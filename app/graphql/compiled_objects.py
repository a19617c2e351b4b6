"""Object completion compiled once per selection: a page's objects built by plain Python calls.

graphql-core completes an object field by field: a resolve-info object, the argument check, the
resolver chain, then a dispatch on the field's type, for every field of every object of a page;
on a list of 50 deals that machinery, not the data, was most of the CPU. The data is usually at
hand by then: relations were loaded ahead (`types.load_ahead`), so their resolvers return values.
So for each (object type, selection) of a request this compiles a plan (read the attribute or
call the resolver, then serialize or recurse), written out as one Python function per selection
(app.graphql.plan_source), and completing an object runs it.

A plan covers only what it can complete exactly as graphql-core would: fields without arguments,
extensions, permissions or a resolve hook of a schema extension, resolvers taking at most `info`
(of which they read only the context), object, list, scalar and enum types, no @defer. Anything
else (an awaitable the data was not loaded for, a null on a non-null field, a value that does not
serialize, an exception) abandons the plan for that object, and graphql-core completes it, errors
and paths as always; a plan that gave up once is not tried again in that request.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from types import GeneratorType
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter

from app.graphql.exact_leaves import enum_serializer
from app.graphql.plan_rules import how_to_read
from app.graphql.plan_source import FieldRead, Leaf, ListOf, Nested, NonNull, Shape, generate
from app.graphql.types.row_backed import Derived

Collect = Callable[[GraphQLObjectType, Any], Any]
# Plans kept across requests, per schema: a few per document the document cache holds.
MAX_SHARED_PLANS = 2048


class GiveUp(Exception):
    """The plan cannot complete this value exactly; graphql-core will."""


class ContextOnly:
    """What a compiled resolver call gets as `info`: the request's context, nothing else."""

    __slots__ = ("context",)

    def __init__(self, context: object) -> None:
        self.context = context


class Run:
    """One request's use of the plans: what resolvers get as info, and the plans that gave up."""

    __slots__ = ("failed", "info")

    def __init__(self, context: object) -> None:
        self.info = ContextOnly(context)
        self.failed: set[int] = set()


def _unfinished(_source: Any, _run: Run) -> dict[str, Any]:
    raise GiveUp  # a plan is run only once it is written out; this is never reached


class ObjectPlan:
    """The compiled fields of one selection on one object type."""

    __slots__ = ("complete", "fields", "origin", "type_of")

    def __init__(self, object_type: GraphQLObjectType) -> None:
        self.fields: list[FieldRead] = []
        self.type_of = object_type.is_type_of
        # The strawberry class behind the type, whose row_backed fields a plan reads from rows.
        definition = object_type.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
        self.origin: type | None = getattr(definition, "origin", None)
        self.complete: Callable[[Any, Run], dict[str, Any]] = _unfinished

    def finish(self) -> None:
        """Write the plan out as one function."""
        self.complete = generate(self.fields, self.type_of, _HELPERS, self.origin)

    def run(self, source: Any, run: Run) -> dict[str, Any]:
        """The completed object; GiveUp (or any error) when it cannot be done exactly."""
        try:
            return self.complete(source, run)
        except BaseException:
            run.failed.add(id(self))
            raise


# Types seen not to be awaitable: whether a value is awaitable is a property of its type, but
# for generators (a generator-based coroutine is one by a flag), so the check is done once a type.
NEVER_AWAITABLE: set[type] = {str, int, float, bool, list, tuple, dict}


def awaitable(value: Any) -> bool:
    """Whether graphql-core would await the value (a resolver's or an attribute's)."""
    kind = type(value)
    if kind in NEVER_AWAITABLE:
        return False
    if inspect.isawaitable(value):
        return True
    if kind is not GeneratorType:
        NEVER_AWAITABLE.add(kind)
    return False


def _give_up_on(value: Any) -> None:
    if inspect.iscoroutine(value):
        value.close()  # never awaited: close it rather than leave a warning behind
    elif isinstance(value, asyncio.Future):
        value.add_done_callback(_retrieved)
    raise GiveUp


def _retrieved(future: asyncio.Future[Any]) -> None:
    # graphql-core asks again and reports a failure; this one's is only marked as seen.
    if not future.cancelled():
        future.exception()


# What the generated functions call by name.
_HELPERS = {
    "GiveUp": GiveUp,
    "_never": NEVER_AWAITABLE,
    "_awaitable": awaitable,
    "_give_up_on": _give_up_on,
}


class Compiler:
    """Builds plans with the execution context's collect_subfields, passed to each `plan` call.

    A plan depends on the selection alone when the document has no directives (@skip and
    @include read variables): such plans are kept across requests in `shared`, keyed by the
    parsed document's nodes, which the document cache keeps; the others live for one request.
    """

    def __init__(
        self,
        *,
        has_middleware: bool,
        shared: dict[tuple[Any, ...], tuple[Any, ObjectPlan | None]] | None,
    ) -> None:
        self.has_middleware = has_middleware
        self.shared = shared
        self.own: dict[tuple[Any, ...], tuple[Any, ObjectPlan | None]] = {}

    def plan(
        self, object_type: GraphQLObjectType, details: Any, collect: Collect
    ) -> ObjectPlan | None:
        """The plan for `details`' selection on `object_type`, or None if one cannot be made.

        `collect` is not kept: a bound method of the execution context, kept by the compiler
        the context holds, would make a cycle that only the garbage collector frees.
        """
        plans = self.own if self.shared is None else self.shared
        if self.shared is None:
            key: tuple[Any, ...] = (object_type.name, id(details))
            kept: Any = details
        else:
            kept = tuple(field.node for field in details)
            key = (object_type.name, *map(id, kept))
        cached = plans.get(key)
        if cached is not None:
            return cached[1]
        if len(plans) >= MAX_SHARED_PLANS:
            plans.clear()  # bounded: a cold start for every document beats unbounded growth
        # Placed first: a recursive type refers to the plan while it is being built.
        plan: ObjectPlan | None = ObjectPlan(object_type)
        plans[key] = (kept, plan)
        assert plan is not None
        grouped, defer_usages, _ = collect(object_type, details)
        for response_key, field_details in grouped.items():
            read = (
                None
                if defer_usages
                else self._field(object_type, plan.origin, response_key, field_details, collect)
            )
            if read is None:
                plan = None
                break
            plan.fields.append(read)
        if plan is not None:
            plan.finish()
        plans[key] = (kept, plan)
        return plan

    def _field(
        self,
        parent: GraphQLObjectType,
        origin: type | None,
        key: str,
        details: Any,
        collect: Collect,
    ) -> FieldRead | None:
        node = details[0].node
        if node.name.value == "__typename":
            return FieldRead(key, constant=parent.name)
        field = parent.fields.get(node.name.value)
        if field is None or node.arguments or self.has_middleware:
            return None
        how = how_to_read(field)
        shape = None if how is None else self._shape(field.type, details, collect)
        if how is None or shape is None:
            return None
        attribute, function, takes_info = how
        derived = None
        if function is None and origin is not None:
            found = inspect.getattr_static(origin, attribute, None)
            derived = found if isinstance(found, Derived) else None
        return FieldRead(key, shape, None, attribute, function, takes_info, derived)

    def _shape(self, type_: GraphQLOutputType, details: Any, collect: Collect) -> Shape | None:
        """How a value of `type_` is completed, or None where only graphql-core can."""
        if isinstance(type_, GraphQLNonNull):
            inner = self._shape(type_.of_type, details, collect)
            return None if inner is None else NonNull(inner)
        if isinstance(type_, GraphQLList):
            item = self._shape(type_.of_type, details, collect)
            return None if item is None else ListOf(item)
        if isinstance(type_, GraphQLEnumType):
            return Leaf(enum_serializer(type_))
        if isinstance(type_, GraphQLScalarType):
            return Leaf(type_.serialize)
        if isinstance(type_, GraphQLObjectType):
            plan = self.plan(type_, details, collect)
            return None if plan is None else Nested(plan)
        return None  # interfaces and unions: graphql-core resolves the runtime type
