"""The columns a document can read of one row-backed type, so its reads fetch no others.

A deal's contacts are read with every column of the contact table, fifteen with the grouping
ones, though a list asks for an id and a name: SQLite makes a value of each, and the driver's
rows a converted time, UUID or enum of most. Each field of the type declares the columns it
reads; a document's selections of the type, wherever they are (fragments, aliases, interfaces
the type implements), add theirs up. A field that declares none (a resolver reading more, such
as a permission check) means every column, as before.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from graphql import (
    GraphQLSchema,
    Node,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    is_abstract_type,
    visit,
)

# Documents kept per type: a few per document the document cache holds.
MAX_KEPT = 1024


class _Selections(Visitor):
    """Adds up the columns the fields selected on a type (or its interfaces) read."""

    def __init__(self, columns: ColumnsRead, schema: GraphQLSchema, info: TypeInfo) -> None:
        super().__init__()
        self.read = columns
        self.schema = schema
        self.info = info
        self.columns: set[str] | None = set(columns.always)

    def enter_field(self, node: Any, *_: Any) -> Any:
        parent = self.info.get_parent_type()
        name = node.name.value
        if self.columns is None or parent is None or name == "__typename":
            return None
        wanted = self.schema.get_type(self.read.type_name)
        if parent is not wanted and not (
            is_abstract_type(parent) and self.schema.is_sub_type(parent, wanted)  # type: ignore[arg-type]
        ):
            return None
        declared = self.read.reads.get(name)
        if declared is None:
            self.columns = None  # every column
            return Visitor.BREAK
        self.columns |= declared
        return None


class ColumnsRead:
    """Which columns of `type_name`'s rows a document reads: its fields' declared `reads`."""

    def __init__(
        self, type_name: str, reads: Mapping[str, Collection[str]], *, always: Collection[str]
    ) -> None:
        self.type_name = type_name
        self.reads = {field: frozenset(columns) for field, columns in reads.items()}
        self.always = frozenset(always)
        self._kept: dict[tuple[int, ...], tuple[tuple[Node, ...], frozenset[str] | None]] = {}

    def of(
        self, schema: GraphQLSchema, operation: Node, fragments: Collection[Node]
    ) -> frozenset[str] | None:
        """The columns the operation and fragments read of the type; None for all of them."""
        nodes = (operation, *fragments)
        key = tuple(map(id, nodes))
        found = self._kept.get(key)
        if found is not None and all(a is b for a, b in zip(found[0], nodes, strict=True)):
            return found[1]
        read = set(self.always)
        answer: frozenset[str] | None
        for node in nodes:
            info = TypeInfo(schema)
            selections = _Selections(self, schema, info)
            visit(node, TypeInfoVisitor(info, selections))
            if selections.columns is None:
                answer = None
                break
            read |= selections.columns
        else:
            answer = frozenset(read)
        if len(self._kept) >= MAX_KEPT:
            self._kept.clear()  # bounded: documents in use are walked again on next use
        self._kept[key] = (nodes, answer)
        return answer


class ColumnsWanted:
    """The columns a request's loaders read, where their read functions find them."""

    __slots__ = ("contact_columns",)

    def __init__(self) -> None:
        self.contact_columns: frozenset[str] | None = None
