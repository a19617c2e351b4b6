"""Object completion compiled once per selection: a page's objects built by plain Python calls.

graphql-core completes an object field by field: a resolve-info object, the argument check, the
resolver chain, then a dispatch on the field's type, for every field of every object of a page;
on a list of 50 deals that machinery, not the data, was most of the CPU. The data is usually at
hand by then: relations were loaded ahead (`types.load_ahead`), so their resolvers return values.
So for each (object type, selection) of a request this compiles a plan of closures (read the
attribute or call the resolver, then serialize or recurse), and completing an object runs it.

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
from graphql.pyutils import Undefined

from app.graphql.exact_leaves import exact_leaf
from app.graphql.plan_rules import how_to_read, type_check

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


Complete = Callable[[Any, Run], Any]


class ObjectPlan:
    """The compiled fields of one selection on one object type."""

    __slots__ = ("fields", "type_of")

    def __init__(self, type_of: Callable[[Any], bool] | None) -> None:
        self.fields: list[tuple[str, Complete]] = []
        self.type_of = type_of

    def run(self, source: Any, run: Run) -> dict[str, Any]:
        """The completed object; GiveUp (or any error) when it cannot be done exactly."""
        try:
            if self.type_of is not None and not self.type_of(source):
                raise GiveUp
            return {key: complete(source, run) for key, complete in self.fields}
        except BaseException:
            run.failed.add(id(self))
            raise


# Types seen not to be awaitable: whether a value is awaitable is a property of its type, but
# for generators (a generator-based coroutine is one by a flag), so the check is done once a type.
_NEVER_AWAITABLE: set[type] = {str, int, float, bool, list, tuple, dict}


def _awaitable(value: Any) -> bool:
    kind = type(value)
    if kind in _NEVER_AWAITABLE:
        return False
    if inspect.isawaitable(value):
        return True
    if kind is not GeneratorType:
        _NEVER_AWAITABLE.add(kind)
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


class Compiler:
    """Builds plans; `collect` is the execution context's collect_subfields.

    A plan depends on the selection alone when the document has no directives (@skip and
    @include read variables): such plans are kept across requests in `shared`, keyed by the
    parsed document's nodes, which the document cache keeps; the others live for one request.
    """

    def __init__(
        self,
        collect: Collect,
        *,
        has_middleware: bool,
        shared: dict[tuple[Any, ...], tuple[Any, ObjectPlan | None]] | None,
    ) -> None:
        self.collect = collect
        self.has_middleware = has_middleware
        self.shared = shared
        self.own: dict[tuple[Any, ...], tuple[Any, ObjectPlan | None]] = {}

    def plan(self, object_type: GraphQLObjectType, details: Any) -> ObjectPlan | None:
        """The plan for `details`' selection on `object_type`, or None if one cannot be made."""
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
        plan: ObjectPlan | None = ObjectPlan(type_check(object_type))
        plans[key] = (kept, plan)
        assert plan is not None
        grouped, defer_usages, _ = self.collect(object_type, details)
        for response_key, field_details in grouped.items():
            complete = None if defer_usages else self._field(object_type, field_details)
            if complete is None:
                plan = None
                break
            plan.fields.append((response_key, complete))
        plans[key] = (kept, plan)
        return plan

    def _field(self, parent: GraphQLObjectType, details: Any) -> Complete | None:
        node = details[0].node
        if node.name.value == "__typename":
            type_name = parent.name
            return lambda _source, _run: type_name
        field = parent.fields.get(node.name.value)
        if field is None or node.arguments or self.has_middleware:
            return None
        how = how_to_read(field)
        value = None if how is None else self._value(field.type, details)
        if how is None or value is None:
            return None
        attribute, function, takes_info = how
        if function is None:
            return exact_leaf(field.type, attribute, value) or (
                lambda source, run: value(getattr(source, attribute), run)
            )
        if not takes_info:
            return lambda source, run: _checked(value, function(source), run)
        return lambda source, run: _checked(value, function(source, run.info), run)

    def _value(self, type_: GraphQLOutputType, details: Any) -> Complete | None:
        """How a value of `type_` is completed, or None where only graphql-core can."""
        if isinstance(type_, GraphQLNonNull):
            inner = self._value(type_.of_type, details)
            return None if inner is None else _non_null(inner)
        if isinstance(type_, GraphQLList):
            item = self._value(type_.of_type, details)
            return None if item is None else _list_of(item)
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            return _leaf(type_.serialize)
        if isinstance(type_, GraphQLObjectType):
            plan = self.plan(type_, details)
            return None if plan is None else _object(plan)
        return None  # interfaces and unions: graphql-core resolves the runtime type


def _checked(complete: Complete, value: Any, run: Run) -> Any:
    if _awaitable(value):
        _give_up_on(value)
    return complete(value, run)


def _non_null(inner: Complete) -> Complete:
    def complete(value: Any, run: Run) -> Any:
        done = inner(value, run)
        if done is None:
            raise GiveUp  # graphql-core raises the field error and nulls the parent
        return done

    return complete


def _list_of(item: Complete) -> Complete:
    def complete(value: Any, run: Run) -> Any:
        if value is None:
            return None
        if not isinstance(value, list | tuple):
            raise GiveUp
        return [item(entry, run) for entry in value]

    return complete


def _leaf(serialize: Callable[[Any], Any]) -> Complete:
    def complete(value: Any, _run: Run) -> Any:
        if value is None:
            return None
        if _awaitable(value) or isinstance(value, Exception):
            _give_up_on(value)
        done = serialize(value)
        if done is None or done is Undefined:
            raise GiveUp
        return done

    return complete


def _object(plan: ObjectPlan) -> Complete:
    def complete(value: Any, run: Run) -> Any:
        if value is None:
            return None
        if _awaitable(value) or isinstance(value, Exception):
            _give_up_on(value)
        return plan.run(value, run)

    return complete
