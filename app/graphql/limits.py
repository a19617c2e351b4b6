"""Limits on what one document may ask for, each checked in time linear in the document.

Fragments are walked once each and their results memoised, so a fragment spread twice by
thirty others costs thirty visits, not two to the thirtieth (strawberry's depth and alias
limiters walk every spread afresh).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

Measure = Callable[["Fragments", SelectionSetNode], int]
MeasureFragment = Callable[[FragmentDefinitionNode], int]


class Fragments:
    """A document's fragments, each measured at most once per measure."""

    def __init__(self, document: DocumentNode) -> None:
        self.definitions = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._measured: dict[tuple[str, str], int] = {}

    def measure(self, kind: str, name: str, measure: Measure) -> int:
        """`measure` of the fragment's selections; 0 for unknown fragments and cycles."""
        return self.measure_definition(
            kind, name, lambda definition: measure(self, definition.selection_set)
        )

    def measure_definition(self, kind: str, name: str, measure: MeasureFragment) -> int:
        """`measure` of the fragment itself, once per kind of measure."""
        key = (kind, name)
        if key not in self._measured:
            self._measured[key] = 0  # a cycle (refused by validation anyway) adds nothing
            definition = self.definitions.get(name)
            if definition is not None:
                self._measured[key] = measure(definition)
        return self._measured[key]


def is_introspection(field: FieldNode) -> bool:
    """`__schema`, `__type` and their kin: bounded by the schema, not by the data."""
    return field.name.value.startswith("__")


def depth(fragments: Fragments, selections: SelectionSetNode) -> int:
    """How deep the selection nests (strawberry's measure: a leaf adds nothing)."""
    deepest = 0
    for node in selections.selections:
        if isinstance(node, FieldNode):
            if node.selection_set is not None and not is_introspection(node):
                deepest = max(deepest, 1 + depth(fragments, node.selection_set))
        elif isinstance(node, InlineFragmentNode):
            deepest = max(deepest, depth(fragments, node.selection_set))
        elif isinstance(node, FragmentSpreadNode):
            deepest = max(deepest, fragments.measure("depth", node.name.value, depth))
    return deepest


def aliases(fragments: Fragments, selections: SelectionSetNode) -> int:
    """How many aliased fields the selection holds, fragments counted where spread."""
    count = 0
    for node in selections.selections:
        if isinstance(node, FieldNode):
            count += node.alias is not None
            if node.selection_set is not None:
                count += aliases(fragments, node.selection_set)
        elif isinstance(node, InlineFragmentNode):
            count += aliases(fragments, node.selection_set)
        elif isinstance(node, FragmentSpreadNode):
            count += fragments.measure("aliases", node.name.value, aliases)
    return count


def operations(document: DocumentNode) -> Iterable[OperationDefinitionNode]:
    """The operations a document defines."""
    return (d for d in document.definitions if isinstance(d, OperationDefinitionNode))


def document_limits(*, max_depth: int, max_aliases: int) -> type[ValidationRule]:
    """A validation rule refusing operations deeper than `max_depth` or with more aliases."""

    class DocumentLimits(ValidationRule):
        """Depth and alias limits, linear in the document."""

        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            fragments = Fragments(context.document)
            for operation in operations(context.document):
                name = operation.name.value if operation.name else "anonymous"
                found = depth(fragments, operation.selection_set)
                if found > max_depth:
                    self._refuse(
                        f"'{name}' exceeds maximum operation depth of {max_depth} "
                        f"(it is {found} deep).",
                        operation,
                    )
                counted = aliases(fragments, operation.selection_set)
                if counted > max_aliases:
                    self._refuse(f"{counted} aliases found. Allowed: {max_aliases}.", operation)

        def _refuse(self, message: str, node: Any) -> None:
            self.report_error(GraphQLError(message, node, extensions={"code": "QUERY_TOO_COMPLEX"}))

    return DocumentLimits
