"""What a field's selection asks for: names looked up in the query, through fragments."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode

from app.graphql.context import Info


def _fields(
    info: Info, sets: Iterable[SelectionSetNode | None], seen: set[str] | None = None
) -> Iterator[FieldNode]:
    # Each fragment once per level: a fragment spread twice adds no field names, and walking
    # every spread afresh is exponential in a document whose fragments spread each other twice.
    seen = set() if seen is None else seen
    fragments = info._raw_info.fragments
    for selection_set in sets:
        if selection_set is None:
            continue
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                yield node
            elif isinstance(node, InlineFragmentNode):
                yield from _fields(info, [node.selection_set], seen)
            elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
                seen.add(node.name.value)
                fragment = fragments.get(node.name.value)
                if fragment is not None:
                    yield from _fields(info, [fragment.selection_set], seen)


def selected_names(info: Info, *path: str) -> set[str]:
    """Field names asked for on the objects at `path` below this field (its own: no path).

    `selected_names(info, "edges", "node")` on a connection field names the fields asked of
    its nodes. Directives are not evaluated: a field under @skip still counts, which only
    matters to callers that use this to load ahead.
    """
    sets: list[SelectionSetNode | None] = [
        node.selection_set for node in info._raw_info.field_nodes
    ]
    for name in path:
        sets = [field.selection_set for field in _fields(info, sets) if field.name.value == name]
    return {field.name.value for field in _fields(info, sets)}
