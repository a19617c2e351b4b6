"""Validation rules: refuse impossible page requests before execution, as client errors."""

from __future__ import annotations

from typing import Any

from graphql import (
    ArgumentNode,
    FieldNode,
    GraphQLError,
    IntValueNode,
    StringValueNode,
    ValidationRule,
)

from app.domain.errors import DomainError
from app.domain.paging import MAX_PAGE, parse_cursor

SIZE_ARGUMENTS = ("first", "last")
CURSOR_ARGUMENTS = ("after", "before")
OFFSET = "offset"


def _value(arguments: dict[str, ArgumentNode], name: str) -> Any:
    return arguments[name].value if name in arguments else None


class PageArguments(ValidationRule):
    """first/last within 0..100, not both, cursors that are cursors, offsets not negative.

    Written inline, these are mistakes in the document, so they fail validation (a 400 under
    application/graphql-response+json) instead of a field error at run time. Values passed as
    variables are checked by the resolver the same way.
    """

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        arguments = {a.name.value: a for a in node.arguments or () if isinstance(a, ArgumentNode)}
        if not any(name in arguments for name in (*SIZE_ARGUMENTS, *CURSOR_ARGUMENTS, OFFSET)):
            return
        literal_sizes = [
            name for name in SIZE_ARGUMENTS if isinstance(_value(arguments, name), IntValueNode)
        ]
        if len(literal_sizes) == len(SIZE_ARGUMENTS):
            self._refuse("Give either first or last, not both.", node)
        for name in SIZE_ARGUMENTS:
            value = _value(arguments, name)
            if isinstance(value, IntValueNode) and not 0 <= int(value.value) <= MAX_PAGE:
                self._refuse(f"{name} must be between 0 and {MAX_PAGE}.", value)
        for name in CURSOR_ARGUMENTS:
            value = _value(arguments, name)
            if isinstance(value, StringValueNode):
                try:
                    parse_cursor(value.value, name)
                except DomainError as refused:
                    self._refuse(refused.errors[0].message, value)
        offset = _value(arguments, OFFSET)
        if isinstance(offset, IntValueNode) and int(offset.value) < 0:
            self._refuse("offset must not be negative.", offset)
        if offset is not None and any(
            isinstance(_value(arguments, name), (IntValueNode, StringValueNode))
            for name in ("after", "before", "last")
        ):
            self._refuse(
                "offset pages from the start: give it with first, not with after, before or last.",
                node,
            )

    def _refuse(self, message: str, node: Any) -> None:
        self.report_error(GraphQLError(message, node, extensions={"code": "INVALID"}))
