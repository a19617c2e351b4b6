"""What a compiled plan may do: the fields it can read itself, and the documents it can share.

Kept apart from the plans (app.graphql.compiled_objects): these decide, once per field or per
cached document, where a plan may stand in for graphql-core at all.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, cast

from graphql import (
    FragmentDefinitionNode,
    GraphQLField,
    OperationDefinitionNode,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

# Operations whose directive use is remembered: a few per document the document cache holds.
MAX_OPERATIONS = 2048

# Whether a document uses directives, by operation: each walked once while it is cached.
_DIRECTIVES: dict[int, tuple[OperationDefinitionNode, bool]] = {}


def uses_directives(
    operation: OperationDefinitionNode, fragments: Sequence[FragmentDefinitionNode]
) -> bool:
    """Whether the operation or a fragment carries a directive (its plans may vary by request)."""
    known = _DIRECTIVES.get(id(operation))
    if known is not None and known[0] is operation:
        return known[1]
    found = any(_has_directive(node) for node in (operation, *fragments))
    if len(_DIRECTIVES) >= MAX_OPERATIONS:
        _DIRECTIVES.clear()
    _DIRECTIVES[id(operation)] = (operation, found)
    return found


def _has_directive(node: Any) -> bool:
    if getattr(node, "directives", None):
        return True
    selection_set = getattr(node, "selection_set", None)
    return selection_set is not None and any(
        _has_directive(child) for child in selection_set.selections
    )


# (attribute, resolver, whether it takes info) of a field a plan can read; None if it cannot.
How = tuple[str, Callable[..., Any] | None, bool]
_HOW = "compiled_objects.how"


def how_to_read(field: GraphQLField) -> How | None:
    """How a plan reads `field`: worked out once a field and kept in its extensions."""
    extensions = field.extensions
    if _HOW not in extensions:
        extensions[_HOW] = _work_out(field)
    how: How | None = extensions[_HOW]
    return how


def _work_out(field: GraphQLField) -> How | None:
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if field.args or not isinstance(definition, StrawberryField):
        return None
    if definition.extensions or definition.permission_classes:
        return None  # something runs between the resolver and the value
    resolver = definition.base_resolver
    if resolver is None:
        return definition.python_name, None, False
    function = cast(Callable[..., Any], resolver.wrapped_func)
    parameters = list(inspect.signature(function).parameters)
    if inspect.iscoroutinefunction(function) or parameters not in (["self"], ["self", "info"]):
        return None
    return definition.python_name, function, parameters == ["self", "info"]
