"""Relation fields declare what they load ahead; a list of rows loads it in one batch per loader.

GraphQL resolves a page field by field; a relation resolver whose data is already loaded returns
a value (see `loaders.map_when_loaded`), which spares the executor a task and a gather per field.
So a field that returns rows of a type loads, for the relation fields the query asks of them,
what each declares: a new relation field is one `loads_ahead` line above its resolver.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol, TypeVar

from strawberry.schema.name_converter import NameConverter
from strawberry.types import get_object_definition

from app.graphql.context import Info
from app.graphql.loaders import Loaders, Row, TogetherLoader, preload, preload_together
from app.graphql.selection import selected_names
from app.graphql.value_loader import ValueLoader

Resolver = TypeVar("Resolver", bound=Callable[..., Any])


class LoadsMany(Protocol):
    """A DataLoader or a reference table: loads a set of keys in one go."""

    def load_many(self, keys: Iterable[Any], /) -> Awaitable[Any]: ...


@dataclass(frozen=True, slots=True)
class LoadAhead:
    """Which of the request's loaders a relation field reads, and the key a row needs loaded."""

    loader: Callable[[Loaders], LoadsMany]
    # None when the row needs nothing loaded (no contact, a public record...).
    key: Callable[[Row], Hashable | None]

    def __call__(self, resolver: Resolver) -> Resolver:
        """Mark `resolver` as loading ahead what this declares; it is returned unchanged."""
        _DECLARED[resolver] = self
        return resolver


_DECLARED: dict[object, LoadAhead] = {}


def loads_ahead(
    loader: Callable[[Loaders], LoadsMany], *, key: Callable[[Row], Hashable | None]
) -> LoadAhead:
    """Declare, above a relation field's resolver, what a list of rows loads for it ahead."""
    return LoadAhead(loader=loader, key=key)


@cache
def _declared_fields(object_type: type, names: NameConverter) -> dict[str, LoadAhead]:
    """The GraphQL names of `object_type`'s fields that load ahead, in declaration order."""
    definition = get_object_definition(object_type, strict=True)
    declared: dict[str, LoadAhead] = {}
    for field in definition.fields:
        resolver = field.base_resolver
        declaration = _DECLARED.get(resolver.wrapped_func) if resolver is not None else None
        if declaration is not None:
            declared[names.get_graphql_name(field)] = declaration
    return declared


def asked_loaders(info: Info, object_type: type, asked: set[str]) -> list[LoadsMany]:
    """The loaders that the relation fields named in `asked` read."""
    declared = _declared_fields(object_type, info.schema.config.name_converter)
    loaders = info.context.loaders
    found = {
        id(loader): loader
        for name, declaration in declared.items()
        if name in asked
        for loader in (declaration.loader(loaders),)
    }
    return list(found.values())


async def load_ahead(
    info: Info, object_type: type, rows: Sequence[Row], *path: str, asked: set[str] | None = None
) -> None:
    """Load for `rows` what the fields the query asks of the objects at `path` declare.

    `asked`: those fields' names, when the caller has already looked them up.
    """
    if not rows:
        return
    if asked is None:
        asked = selected_names(info, *path)
    batches: dict[int, tuple[LoadsMany, set[Hashable]]] = {}
    declared = _declared_fields(object_type, info.schema.config.name_converter)
    done: set[int] = set()
    for name, declaration in declared.items():
        # accessList, canEdit and canDelete share one declaration: its keys are taken once.
        if name not in asked or id(declaration) in done:
            continue
        done.add(id(declaration))
        keys = {key for row in rows if (key := declaration.key(row)) is not None}
        if keys:
            loader = declaration.loader(info.context.loaders)
            # Fields reading the same loader (members and contact...) share one batch.
            batches.setdefault(id(loader), (loader, set()))[1].update(keys)
    if not batches:
        return
    # Loaders whose statements can travel together take one round trip between them.
    joint = [(ld, keys) for ld, keys in batches.values() if isinstance(ld, TogetherLoader)]
    loads: list[Awaitable[Any]] = []
    if len(joint) >= 2:
        loads.append(preload_together(info.context.loaders.reader, joint))
    for loader, keys in batches.values():
        if len(joint) >= 2 and isinstance(loader, TogetherLoader):
            continue
        loads.append(
            preload(loader, keys) if isinstance(loader, ValueLoader) else loader.load_many(keys)
        )
    await asyncio.gather(*loads)
