"""The node budget as a schema extension, with the measures of documents it has seen kept."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, ExecutionResult, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension

from app.domain.paging import MAX_PAGE
from app.graphql.cost import measured

Shape = tuple[Hashable, ...]


def over_budget(nodes: int, budget: int) -> GraphQLError:
    """The refusal of a document whose worst case exceeds the budget."""
    return GraphQLError(
        f"This request could return up to {nodes} objects; the limit is {budget}. Ask for "
        "smaller pages (first/last) or fewer nested lists.",
        extensions={"code": "QUERY_TOO_COSTLY", "nodes": nodes, "limit": budget},
    )


def _shape(value: Any) -> Hashable:
    """What of a variable's value a measure can depend on: a number, or a list's length."""
    if value is None or isinstance(value, int | float | str):
        return (type(value), value)
    if isinstance(value, list):
        return (list, len(value))
    if isinstance(value, dict):
        ids = value.get("ids")
        return (dict, len(ids) if isinstance(ids, list) else None)
    return (type(value), None)


@dataclass
class _Known:
    """One document's measures: the variables they read, and the worst case by their shapes."""

    document: DocumentNode
    names: tuple[str, ...]
    by_shape: dict[Shape, int] = field(default_factory=dict)

    def shape(self, variables: Mapping[str, Any]) -> Shape:
        return tuple(_shape(variables.get(name)) for name in self.names)


class MeasureCache:
    """Worst cases of cached documents, by the shapes of the variables each one depends on.

    A measure reads only page sizes and list lengths from the variables, so a document sent
    again with the same of those (most are) is not walked again. Bounded in documents and
    shapes; keyed by the parsed document, which the parse cache hands out again.
    """

    MAX_DOCUMENTS = 1024
    MAX_SHAPES = 64

    def __init__(self) -> None:
        self._known: dict[tuple[int, str | None, int], _Known] = {}

    def nodes(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        max_page: int,
    ) -> int:
        """The worst case, measured once per document and variable shape."""
        given = variables or {}
        key = (id(document), operation_name, max_page)
        known = self._known.get(key)
        if known is not None and known.document is document:
            found = known.by_shape.get(known.shape(given))
            if found is not None:
                return found
        nodes, names = measured(schema, document, operation_name, given, max_page)
        ordered = tuple(sorted(names))
        if known is None or known.document is not document or known.names != ordered:
            if len(self._known) >= self.MAX_DOCUMENTS:
                self._known.clear()  # bounded: measuring again is cheap
            known = self._known[key] = _Known(document, ordered)
        if len(known.by_shape) >= self.MAX_SHAPES:
            known.by_shape.clear()
        known.by_shape[known.shape(given)] = nodes
        return nodes


class NodeBudget(SchemaExtension):
    """Refuse, before execution, operations whose worst case exceeds the budget.

    Persisted operations of the legacy routes are trusted (`context.trusted_document`): their
    worst case is fixed by their page cap and the list caps.
    """

    def __init__(self, *, budget: int, measures: MeasureCache | None = None) -> None:
        self.budget = budget
        # Extensions are made per request: the schema passes the cache they share.
        self.measures = measures or MeasureCache()

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        context = ctx.context
        if ctx.graphql_document is not None and not getattr(context, "trusted_document", True):
            nodes = self.measures.nodes(
                ctx.schema._schema,
                ctx.graphql_document,
                ctx.operation_name,
                ctx.variables,
                getattr(context, "max_page", MAX_PAGE),
            )
            if nodes > self.budget:
                ctx.result = ExecutionResult(data=None, errors=[over_budget(nodes, self.budget)])
        yield
