"""Objects built from a row compute each field when it is first read, not when they are built.

A list page builds a few hundred objects (deals, their contacts, stages, currencies, custom
fields), and building one computed every field: global ids, display names, photo paths, enum
members. A query reads two or three of them; the rest was a fifth of a page's CPU. An object a
`row_backed` builder makes holds only its row; a field it does not have yet is derived from the
row on first read (a descriptor on the class) and kept on the object, so it reads exactly as an
eagerly built one would. Objects built the ordinary way hold every field and never ask.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from app.graphql.loaders import Row

T = TypeVar("T")
E = TypeVar("E")
# How one attribute's value comes from the row.
Derive = Callable[[Row], Any]
# Where a row-backed object keeps its row (not a dataclass field: equality and repr ignore it).
ROW = "_source_row"


class Derived:
    """A field read from the row on first use, then kept on the instance (which it then finds).

    A non-data descriptor, not __getattr__: Python asks __getattr__ only after a failed lookup,
    and raising that AttributeError cost more than building the field had.
    """

    __slots__ = ("column", "how", "name")

    def __init__(self, name: str, how: Derive) -> None:
        self.name = name
        self.how = how
        # The row's key when the field is that column as it is (an itemgetter of one key): a
        # compiled plan then reads it from the row itself (app.graphql.plan_source).
        self.column: Any = None
        if isinstance(how, operator.itemgetter):
            keys = how.__reduce__()[1]
            if len(keys) == 1:
                self.column = keys[0]

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        values = obj.__dict__
        try:
            row = values[ROW]
        except KeyError:
            raise AttributeError(f"{type(obj).__name__!r} object has no {self.name!r}") from None
        value = values[self.name] = self.how(row)
        return value


def member(enum: Callable[[Any], E], column: str) -> Callable[[Row], E]:
    """The member of `enum` a column's value names, kept per value once seen.

    Calling an enum class costs about a microsecond and a type has a handful of members; a
    value seen for the first time goes through `enum`, its errors included.
    """
    known: dict[Any, E] = {}

    def read(row: Row) -> E:
        raw = row[column]
        found = known.get(raw)
        if found is None:
            found = known[raw] = enum(raw)
        return found

    return read


def row_backed(
    cls: type[T], derive: Mapping[str, Derive], *, eager: Mapping[str, Derive] | None = None
) -> Callable[[Row], T]:
    """A builder of `cls` objects from rows: each field derived from the row when first read.

    `eager`: fields set as the object is built: those whose name the class already uses for
    something else (relay.Node has an `_id` classmethod), which a descriptor would replace.
    """
    eager = dict(eager or {})
    # The fields an instance must hold; resolvers and defaults live on the class.
    needed = {
        field.name
        for field in dataclasses.fields(cls)  # type: ignore[arg-type]
        if field.name in eager or not hasattr(cls, field.name)
    }
    if needed != derive.keys() | eager.keys() or derive.keys() & eager.keys():
        odd = sorted(needed ^ (derive.keys() | eager.keys()))
        raise TypeError(f"{cls.__name__}: derive each field without a default once: {odd}")
    now = tuple(eager.items())
    for name, how in derive.items():
        # Installed after strawberry and dataclasses have read the class: its fields are set.
        setattr(cls, name, Derived(name, how))
    new = object.__new__

    def build(row: Row) -> T:
        made: Any = new(cls)
        values = made.__dict__
        values[ROW] = row
        for name, how in now:
            values[name] = how(row)
        return made  # type: ignore[no-any-return]

    return build
