"""What a field's selection asks for: names looked up in the query, through fragments.

This reads graphql-core's info (`info._raw_info`: the field nodes and the fragments), not
strawberry's public `info.selected_fields`, because the latter converts the whole subtree below the
field, every fragment spread expanded afresh, on each call. Measured with strawberry 0.341 on one
core, best of repeated calls of `strawberry.types.nodes.convert_selections` (what `selected_fields`
runs) and of `selected_names(info, "edges", "node")` on the same parsed document: with fragments
that each spread the next twice, k deep below an opportunities page's node, the public API took 1.1
ms at k=8, 21 ms at k=12, 0.4 s at k=14 and 3.7 s at k=16, doubling with k (fragments add no depth,
so only the token limit bounds k), this module 8 to 17 microseconds; on a page of 50 asking every
nested field (tests/test_statement_count.py's document) the public API took 80 microseconds a call,
250 with opportunities nested twice below members, this module 3.6.
"""

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
