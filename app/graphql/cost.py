"""The node budget: the most objects a document could return, refused before it runs.

As GitHub's node limit: a connection counts its page size (`first` or `last`, 20 when neither
is given), a plain list its cap (`app.domain.bounds`), and each is multiplied by the counts of
the lists it sits in; the sum over every path must stay within `CRM_MAX_QUERY_NODES`. Page
sizes given as variables are read from the request's variables, so the measure runs after
validation, in time linear in the document (fragments are measured once); it notes the
variables it read, so that `app.graphql.node_budget` measures a document again only when their
page sizes or list lengths change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from app.domain import bounds
from app.domain.paging import DEFAULT_PAGE, MAX_PAGE
from app.graphql.limits import Fragments, is_introspection, operations

# Plain lists and the most items each can hold; every list field of the schema is here, or is
# a connection's edges (counted at the connection), or a list of user errors.
LIST_CAPS: Mapping[tuple[str, str], int] = {
    ("Opportunity", "members"): bounds.MAX_MEMBERS,
    ("Opportunity", "accessList"): bounds.MAX_ACCESS_LIST,
    ("Opportunity", "customFields"): bounds.MAX_FIELD_DEFINITIONS,
    ("Contact", "accessList"): bounds.MAX_ACCESS_LIST,
    ("Query", "stages"): bounds.MAX_STAGES,
    ("Query", "currencies"): bounds.MAX_CURRENCIES,
    ("Query", "customFieldDefinitions"): bounds.MAX_FIELD_DEFINITIONS,
    ("Query", "employees"): bounds.MAX_EMPLOYEES,
    # nodes answers one object (or null) per id it is given.
    ("Query", "nodes"): bounds.MAX_BATCH,
    ("ReorderStagesPayload", "stages"): bounds.MAX_STAGES,
    ("ReorderCustomFieldDefinitionsPayload", "customFieldDefinitions"): (
        bounds.MAX_FIELD_DEFINITIONS
    ),
    ("DeleteOpportunityPayload", "deletedOpportunities"): 1,
    ("DeleteOpportunitiesPayload", "deletedOpportunities"): bounds.MAX_BATCH,
    ("SetOpportunitiesAccessPayload", "opportunities"): bounds.MAX_BATCH,
    # A change names at most every input value of a deal.
    ("OpportunityEvent", "changed"): 32,
    ("StageEvent", "changed"): 8,
    ("CustomFieldEvent", "changed"): 8,
}
# Payload lists of batch changes: at most as many deals as the input names by id, when it does.
BATCH_LISTS = frozenset(
    {
        ("DeleteOpportunitiesPayload", "deletedOpportunities"),
        ("SetOpportunitiesAccessPayload", "opportunities"),
    }
)
NODES = ("Query", "nodes")
# What an introspection field counts: its work is bounded by the schema, and graphql-core's
# MaxIntrospectionDepthRule bounds its nesting.
INTROSPECTION_NODES = 1000
USER_ERROR = "UserError"
CONNECTION = "Connection"
PAGE_SIZES = ("first", "last")


def _is_list(field: GraphQLField) -> bool:
    kind = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    return isinstance(kind, GraphQLList)


def _is_connection(parent: GraphQLObjectType, field: GraphQLField) -> bool:
    return get_named_type(field.type).name.endswith(CONNECTION) and "first" in field.args


def uncapped_lists(schema: GraphQLSchema) -> Iterator[str]:
    """List fields no cap covers (the schema must have none)."""
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            if not _is_list(field) or (type_.name, name) in LIST_CAPS:
                continue
            if get_named_type(field.type).name == USER_ERROR:
                continue
            if type_.name.endswith(CONNECTION) and name == "edges":
                continue
            yield f"{type_.name}.{name}"


class _Measure:
    """The worst-case node count of one operation, given its variables."""

    def __init__(
        self, schema: GraphQLSchema, fragments: Fragments, variables: Mapping[str, Any]
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.defaults: dict[str, Any] = {}
        self.max_page = MAX_PAGE
        self.batch: int | None = None  # ids named by the mutation being measured
        self.read: set[str] = set()  # the variables the measure depended on

    def variable(self, name: str) -> Any:
        """A variable's value (or its default), noted as read."""
        self.read.add(name)
        return self.variables.get(name, self.defaults.get(name))

    def selection(self, parent: Any, selections: SelectionSetNode) -> int:
        total = 0
        for node in selections.selections:
            if isinstance(node, FieldNode):
                total += self.field(parent, node)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection(inner, node.selection_set)
            elif isinstance(node, FragmentSpreadNode):
                total += self.fragments.measure_definition("nodes", node.name.value, self._fragment)
        return total

    def _fragment(self, definition: FragmentDefinitionNode) -> int:
        parent = self.schema.get_type(definition.type_condition.name.value)
        return self.selection(parent, definition.selection_set)

    def field(self, parent: Any, node: FieldNode) -> int:
        if is_introspection(node):
            return 0 if node.name.value == "__typename" else INTROSPECTION_NODES
        fields = getattr(parent, "fields", None) or {}
        definition: GraphQLField | None = fields.get(node.name.value)
        if definition is None:
            return 0  # validation has refused it
        below = 0
        if parent is self.schema.mutation_type:
            self.batch = self.named_ids(node)
        if node.selection_set is not None:
            below = self.selection(get_named_type(definition.type), node.selection_set)
        count = self.count(parent, definition, node)
        return below if count is None else count * (1 + below)

    def count(self, parent: Any, definition: GraphQLField, node: FieldNode) -> int | None:
        """How many items the field returns at most; None for a single object."""
        if _is_connection(parent, definition):
            return self.page_size(node)
        if not _is_list(definition) or parent.name.endswith(CONNECTION):
            return None
        if get_named_type(definition.type).name == USER_ERROR:
            return bounds.MAX_USER_ERRORS
        cap = LIST_CAPS[(parent.name, node.name.value)]
        if (parent.name, node.name.value) == NODES:
            listed = self.listed(
                next((a.value for a in node.arguments or () if a.name.value == "ids"), None)
            )
            return cap if listed is None else min(cap, listed)
        if (parent.name, node.name.value) in BATCH_LISTS and self.batch is not None:
            return min(cap, self.batch)
        return cap

    def listed(self, value: Any) -> int | None:
        """How many items a list argument (a literal or a variable) holds, when the request says."""
        if isinstance(value, VariableNode):
            value = self.variable(value.name.value)
            return len(value) if isinstance(value, list) else None
        return len(value.values) if isinstance(value, ListValueNode) else None

    def named_ids(self, node: FieldNode) -> int | None:
        """How many ids a mutation's `input.ids` lists, when the request says."""
        given = next((a.value for a in node.arguments or () if a.name.value == "input"), None)
        if isinstance(given, VariableNode):
            value = self.variable(given.name.value)
            ids = value.get("ids") if isinstance(value, dict) else None
            return len(ids) if isinstance(ids, list) else None
        if isinstance(given, ObjectValueNode):
            field = next((f.value for f in given.fields if f.name.value == "ids"), None)
            if isinstance(field, ListValueNode):
                return len(field.values)
            if isinstance(field, VariableNode):
                ids = self.variable(field.name.value)
                return len(ids) if isinstance(ids, list) else None
        return None

    def page_size(self, node: FieldNode) -> int:
        sizes = []
        for argument in node.arguments or ():
            if argument.name.value not in PAGE_SIZES:
                continue
            value: Any = argument.value
            if isinstance(value, VariableNode):
                value = self.variable(value.name.value)
            elif isinstance(value, IntValueNode):
                value = int(value.value)
            else:
                value = None
            if value is not None:
                # Not a whole number: the resolver refuses it; count the worst case meanwhile.
                sizes.append(value if isinstance(value, int) else self.max_page)
        if not sizes:
            return DEFAULT_PAGE
        return max(0, min(max(sizes), self.max_page))


def worst_case_nodes(
    schema: GraphQLSchema,
    document: Any,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    *,
    max_page: int = MAX_PAGE,
) -> int:
    """The most objects the chosen operation of `document` could return."""
    return measured(schema, document, operation_name, variables or {}, max_page)[0]


def measured(
    schema: GraphQLSchema,
    document: Any,
    operation_name: str | None,
    variables: Mapping[str, Any],
    max_page: int,
) -> tuple[int, frozenset[str]]:
    """The worst case and the names of the variables it depended on."""
    chosen = [
        op
        for op in operations(document)
        if operation_name is None or (op.name is not None and op.name.value == operation_name)
    ]
    if len(chosen) != 1:
        return 0, frozenset()  # execution refuses it before any field runs
    operation: OperationDefinitionNode = chosen[0]
    measure = _Measure(schema, Fragments(document), variables)
    measure.max_page = max_page
    measure.defaults = {
        d.variable.name.value: int(d.default_value.value)
        for d in operation.variable_definitions or ()
        if isinstance(d.default_value, IntValueNode)
    }
    root = schema.get_root_type(operation.operation)
    return measure.selection(root, operation.selection_set), frozenset(measure.read)
