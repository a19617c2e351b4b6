"""GraphiQL's variables editor takes no input with a default as missing; null means the default.

codemirror-graphql's variables linter (GraphiQL 3's variables editor, `validateValue` in
variables/lint.js) reports an input field as missing when it is absent, its type is non-null
and `!field.defaultValue` holds in JavaScript: a default of false, 0 or "" counts as none.
Such inputs are declared nullable with their default, and null stands for the default.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import ValueNode, get_introspection_query, parse_value
from graphql.language import BooleanValueNode, FloatValueNode, IntValueNode, StringValueNode

from tests.conftest import SCHEMA, GraphQL, Person
from tests.factories import contact, opportunity, opportunity_input, stage_input
from tests.ids import (
    opportunity_gid,
)


def falsy_in_javascript(default: ValueNode) -> bool:
    """Whether the default, as GraphiQL's client schema holds it, is falsy in JavaScript."""
    # Enum values are held as their names, lists as arrays and objects as objects: all truthy.
    if isinstance(default, BooleanValueNode):
        return not default.value
    if isinstance(default, IntValueNode | FloatValueNode):
        return float(default.value) == 0
    if isinstance(default, StringValueNode):
        return default.value == ""
    return False


def flagged_inputs(introspection: dict[str, Any]) -> list[str]:
    """Every input field or argument the linter would take as missing when left out."""
    flagged = []
    # GraphQL's own introspection types (__Type...) are no inputs of ours.
    ours = (t for t in introspection["__schema"]["types"] if not t["name"].startswith("__"))
    for type_ in ours:
        places = [(f"{type_['name']}.{f['name']}", f) for f in type_["inputFields"] or ()]
        for field in type_["fields"] or ():
            places += [(f"{type_['name']}.{field['name']}({a['name']})", a) for a in field["args"]]
        for name, value in places:
            default = value["defaultValue"]
            required = value["type"]["kind"] == "NON_NULL"
            if required and default is not None and falsy_in_javascript(parse_value(default)):
                flagged.append(name)
    return flagged


async def test_no_input_with_a_default_is_taken_as_missing() -> None:
    result = await SCHEMA.execute(get_introspection_query())

    assert result.errors is None
    assert result.data is not None
    assert flagged_inputs(result.data) == []


def test_the_check_finds_what_graphiql_flags() -> None:
    # the linter's own cases: false, 0 and "" are flagged; an enum or true is not
    sample = {
        "__schema": {
            "types": [
                {
                    "name": "In",
                    "fields": None,
                    "inputFields": [
                        {"name": name, "type": {"kind": kind}, "defaultValue": default}
                        for name, kind, default in [
                            ("flag", "NON_NULL", "false"),
                            ("count", "NON_NULL", "0"),
                            ("text", "NON_NULL", '""'),
                            ("on", "NON_NULL", "true"),
                            ("kind", "NON_NULL", "OPEN"),
                            ("nullable", "SCALAR", "false"),
                            ("required", "NON_NULL", None),
                        ]
                    ],
                }
            ]
        }
    }

    assert flagged_inputs(sample) == ["In.flag", "In.count", "In.text"]


NULL_IS_THE_DEFAULT = [
    pytest.param(
        "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) "
        "{ errors { code } opportunity { isPrivate accessList { id } } } }",
        "createOpportunity",
        {"isPrivate": None, "isNotify": None},
        {"errors": [], "opportunity": {"isPrivate": False, "accessList": []}},
        id="createOpportunity",
    ),
    pytest.param(
        "mutation($input: CreateStageInput!) { createStage(input: $input) "
        "{ errors { code } stage { successProbability } } }",
        "createStage",
        {**stage_input(), "successProbability": None},
        {"errors": [], "stage": {"successProbability": 0}},
        id="createStage",
    ),
    pytest.param(
        "mutation($input: CreateCustomFieldDefinitionInput!) { createCustomFieldDefinition"
        "(input: $input) { errors { code } customFieldDefinition { position mask } } }",
        "createCustomFieldDefinition",
        {"label": "Source", "position": None, "mask": None},
        {"errors": [], "customFieldDefinition": {"position": 1, "mask": '{"size":40}'}},
        id="createCustomFieldDefinition",
    ),
    pytest.param(
        "mutation($input: CreateEmployeeInput!) { createEmployee(input: $input) "
        "{ errors { code } employee { isAdmin } } }",
        "createEmployee",
        {"displayName": "Eve", "isAdmin": None},
        {"errors": [], "employee": {"isAdmin": False}},
        id="createEmployee",
    ),
]


@pytest.mark.parametrize(("document", "name", "input_", "expected"), NULL_IS_THE_DEFAULT)
async def test_null_creates_as_the_default_does(
    gql: GraphQL,
    admin: Person,
    document: str,
    name: str,
    input_: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    if name == "createOpportunity":
        input_ = opportunity_input(admin, accessList=[str(admin.id)], **input_)

    assert (await gql(document, admin, input=input_))[name] == expected


@pytest.mark.parametrize("mutation", ["setOpportunityAccess", "setOpportunitiesAccess"])
async def test_null_privacy_makes_a_deal_public(
    gql: GraphQL, user: Person, other: Person, mutation: str
) -> None:
    deal_id = await opportunity(gql, as_=user, isPrivate=True, accessList=[str(other.id)])
    type_ = mutation[0].upper() + mutation[1:] + "Input"
    ids = {"id": deal_id} if mutation == "setOpportunityAccess" else {"ids": [deal_id]}

    await gql(
        f"mutation($input: {type_}!) {{ {mutation}(input: $input) {{ errors {{ code }} }} }}",
        user,
        input={**ids, "isPrivate": None, "accessList": [str(other.id)]},
    )

    shown = await gql("query($id: ID!) { opportunity(id: $id) { isPrivate } }", user, id=deal_id)
    assert shown["opportunity"] == {"isPrivate": False}


@pytest.mark.parametrize("also", [None, False, True], ids=["null", "false", "true"])
async def test_null_contact_also_member_is_false(
    gql: GraphQL, user: Person, also: bool | None
) -> None:
    acme = await contact(gql, as_=user)
    primary = await opportunity(gql, as_=user, title="Primary", contactId=acme)
    await opportunity(gql, as_=user, title="Member", members=[acme])

    found = await gql(
        "query($filter: OpportunityFilter) { opportunities(filter: $filter) "
        "{ edges { node { id } } } }",
        user,
        filter={"contactId": acme, "contactAlsoMember": also},
    )

    ids = [edge["node"]["id"] for edge in found["opportunities"]["edges"]]
    assert len(ids) == (2 if also else 1)
    assert opportunity_gid(primary) in ids
