"""Custom-field definitions: edit (open to all), delete and reorder (admin), select-box masks."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.db import models
from app.db.engine import Database
from tests.conftest import GraphQL, Person, count_rows
from tests.factories import custom_field, opportunity
from tests.graphql_documents import CREATE_FIELD
from tests.ids import (
    field_gid,
)

DEFINITION_FIELDS = "id label fieldType position mask entityType"

UPDATE_FIELD = (
    """
mutation UpdateField($input: UpdateCustomFieldDefinitionInput!) {
  updateCustomFieldDefinition(input: $input) {
    errors { code field message }
    customFieldDefinition { %s }
  }
}
"""
    % DEFINITION_FIELDS
)

DELETE_FIELD = """
mutation DeleteField($input: DeleteCustomFieldDefinitionInput!) {
  deleteCustomFieldDefinition(input: $input) {
    errors { code field message }
    deletedCustomFieldDefinitionId
  }
}
"""

REORDER_FIELDS = """
mutation ReorderFields($input: ReorderCustomFieldDefinitionsInput!) {
  reorderCustomFieldDefinitions(input: $input) {
    errors { code field message }
    customFieldDefinitions { id label position }
  }
}
"""

DEFINITIONS = "{ customFieldDefinitions { id position } }"

BAD_SELECT_BOX_MASKS = [
    pytest.param("", id="empty"),
    pytest.param("Web, Fair", id="not-json"),
    pytest.param('{"Web": 1}', id="object"),
    pytest.param('"Web"', id="string"),
    pytest.param("[" * 100_000, id="deeply-nested"),
]


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def definitions(db: Database) -> dict[int, dict[str, Any]]:
    async with db.read() as conn:
        result = await conn.execute(select(models.custom_field_t))
        return {row["id"]: dict(row) for row in result.mappings()}


async def values(db: Database) -> list[tuple[int, str]]:
    async with db.read() as conn:
        result = await conn.execute(
            select(models.field_value_t.c.field_id, models.field_value_t.c.value).order_by(
                models.field_value_t.c.field_id
            )
        )
        return [(row.field_id, row.value) for row in result]


# --- createCustomFieldDefinition: select-box masks ----------------------------------------------


@pytest.mark.parametrize("mask", BAD_SELECT_BOX_MASKS)
async def test_create_refuses_a_select_box_without_a_list_of_options(
    gql: GraphQL, db: Database, admin: Person, mask: str
) -> None:
    payload = (
        await gql(
            CREATE_FIELD, admin, input={"label": "Source", "fieldType": "SELECT_BOX", "mask": mask}
        )
    )["createCustomFieldDefinition"]

    assert codes(payload) == [("INVALID", "mask")]
    assert payload["customFieldDefinition"] is None
    assert await count_rows(db, models.CustomFieldDefinition) == 0


@pytest.mark.parametrize(
    ("field_type", "mask", "stored"),
    [
        pytest.param("SELECT_BOX", '["Web", "Fair"]', '["Web", "Fair"]', id="select-box-options"),
        pytest.param("SELECT_BOX", "[]", "[]", id="select-box-no-options"),
        pytest.param("SELECT_BOX", "[1, null]", "[1, null]", id="select-box-any-array"),
        pytest.param("TEXT_FIELD", None, '{"size":40}', id="text-field-default"),
        pytest.param("TEXT_FIELD", '{"size": 7}', '{"size":7}', id="text-field-size"),
        pytest.param("TEXT_FIELD", '{"size": 0}', '{"size":1}', id="text-field-size-0"),
        pytest.param("TEXT_FIELD", '{"size": "999"}', '{"size":150}', id="text-field-over-max"),
        pytest.param("TEXT_FIELD", '{"size": -3}', '{"size":-3}', id="text-field-negative"),
        pytest.param("TEXT_FIELD", '{"width": 9}', '{"size":1}', id="text-field-no-size"),
        pytest.param("TEXT_FIELD", "Web, Fair", '{"size":40}', id="text-field-unreadable"),
        pytest.param("TEXT_FIELD", "[3]", '{"size":40}', id="text-field-not-an-object"),
        pytest.param("TEXT_AREA", None, '{"rows":2,"cols":40}', id="text-area-default"),
        pytest.param(
            "TEXT_AREA", '{"rows": 30, "cols": 2.5}', '{"rows":25,"cols":2}', id="text-area"
        ),
        pytest.param("TEXT_AREA", '{"rows": 3, "cols": "x"}', '{"rows":2,"cols":40}', id="bad"),
        pytest.param("DATE", '{"size": 3}', "", id="date-has-none"),
        pytest.param("HEADING", None, "", id="heading-has-none"),
    ],
)
async def test_create_stores_the_mask_as_the_original_normalises_it(
    gql: GraphQL, db: Database, admin: Person, field_type: str, mask: str | None, stored: str
) -> None:
    """CustomFieldDao.cs GetValidMask: Global.MaxCustomField* and DefaultCustomField*."""
    payload = (
        await gql(
            CREATE_FIELD, admin, input={"label": "Source", "fieldType": field_type, "mask": mask}
        )
    )["createCustomFieldDefinition"]

    assert payload["errors"] == []
    [row] = (await definitions(db)).values()
    assert row["mask"] == stored


@pytest.mark.parametrize("field_type", ["TEXT_FIELD", "TEXT_AREA", "SELECT_BOX"])
async def test_an_empty_mask_is_not_valid(
    gql: GraphQL, db: Database, admin: Person, field_type: str
) -> None:
    payload = (
        await gql(CREATE_FIELD, admin, input={"label": "S", "fieldType": field_type, "mask": ""})
    )["createCustomFieldDefinition"]

    assert payload["errors"] == [
        {"code": "INVALID", "field": "mask", "message": "Mask is not valid"}
    ]
    assert await count_rows(db, models.CustomFieldDefinition) == 0


async def test_a_field_with_values_keeps_its_type_and_its_old_options(
    gql: GraphQL, db: Database, admin: Person, user: Person
) -> None:
    """CustomFieldDao.cs EditItem (HaveRelativeLink): the type stays; a select box's new
    options must hold every old one, and an empty mask keeps them."""
    # given: a select box a deal has a value of
    field = await custom_field(gql, as_=admin, label="Tier", fieldType="SELECT_BOX", mask='["a"]')
    await opportunity(gql, as_=user, customFields=[{"fieldId": field, "value": "a"}])

    async def update(mask: str | None) -> dict[str, Any]:
        data = await gql(
            UPDATE_FIELD,
            admin,
            input={"id": field, "label": "Tier", "fieldType": "TEXT_FIELD", "mask": mask},
        )
        return dict(data["updateCustomFieldDefinition"])

    # when / then
    dropped = await update('["b"]')
    assert codes(dropped) == [("INVALID", "mask")]
    kept = await update("")
    assert (kept["customFieldDefinition"]["fieldType"], kept["customFieldDefinition"]["mask"]) == (
        "SELECT_BOX",
        '["a"]',
    )
    grown = await update('["a", "b"]')
    assert grown["customFieldDefinition"]["mask"] == '["a", "b"]'
    row = (await definitions(db))[field]
    assert (row["field_type"], row["mask"]) == (2, '["a", "b"]')


# --- updateCustomFieldDefinition ----------------------------------------------------------------


async def test_any_user_may_edit_a_definition(
    gql: GraphQL, db: Database, admin: Person, user: Person
) -> None:
    # given
    source = await custom_field(gql, as_=admin, label="Source")
    before = (await definitions(db))[source]

    # when
    payload = (
        await gql(
            UPDATE_FIELD,
            user,
            input={
                "id": source,
                "label": "  Lead source ",
                "fieldType": "SELECT_BOX",
                "mask": '["Web", "Fair"]',
            },
        )
    )["updateCustomFieldDefinition"]

    # then
    assert payload == {
        "errors": [],
        "customFieldDefinition": {
            "id": field_gid(source),
            "label": "Lead source",
            "fieldType": "SELECT_BOX",
            "position": 1,
            "mask": '["Web", "Fair"]',
            "entityType": "OPPORTUNITY",
        },
    }
    row = (await definitions(db))[source]
    assert (row["label"], row["field_type"], row["mask"], row["position"]) == (
        "Lead source",
        2,
        '["Web", "Fair"]',
        1,
    )
    assert (row["created_by"], row["updated_by"]) == (admin.id, user.id)
    assert row["created_at"] == before["created_at"]


async def test_omitted_type_and_mask_take_the_defaults(
    gql: GraphQL, db: Database, admin: Person
) -> None:
    source = await custom_field(
        gql, as_=admin, label="Source", fieldType="SELECT_BOX", mask='["a"]'
    )

    payload = (await gql(UPDATE_FIELD, admin, input={"id": source, "label": "Source"}))[
        "updateCustomFieldDefinition"
    ]

    assert payload["customFieldDefinition"]["fieldType"] == "TEXT_FIELD"
    row = (await definitions(db))[source]
    assert (row["field_type"], row["mask"]) == (0, '{"size":40}')


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        pytest.param({"label": ""}, [("REQUIRED", "label")], id="empty-label"),
        pytest.param({"label": "  "}, [("REQUIRED", "label")], id="blank-label"),
        pytest.param({"label": "x" * 256}, [("TOO_LONG", "label")], id="long-label"),
        pytest.param({"fieldType": "SELECT_BOX", "mask": "Web"}, [("INVALID", "mask")], id="mask"),
        pytest.param({"id": 999}, [("NOT_FOUND", "id")], id="missing"),
        pytest.param(
            {"id": 999, "label": "", "fieldType": "SELECT_BOX", "mask": "{}"},
            [("REQUIRED", "label"), ("NOT_FOUND", "id")],
            id="all-at-once",
        ),
    ],
)
async def test_update_refusals(
    gql: GraphQL,
    db: Database,
    admin: Person,
    user: Person,
    override: dict[str, Any],
    expected: list[tuple[str, str]],
) -> None:
    # given
    source = await custom_field(gql, as_=admin, label="Source")
    before = await definitions(db)

    # when
    payload = (await gql(UPDATE_FIELD, user, input={"id": source, "label": "New", **override}))[
        "updateCustomFieldDefinition"
    ]

    # then
    assert payload["customFieldDefinition"] is None
    assert codes(payload) == expected
    assert await definitions(db) == before


@pytest.mark.parametrize("mask", BAD_SELECT_BOX_MASKS)
async def test_update_refuses_a_select_box_without_a_list_of_options(
    gql: GraphQL, db: Database, admin: Person, mask: str
) -> None:
    source = await custom_field(gql, as_=admin, label="Source")
    before = await definitions(db)

    payload = (
        await gql(
            UPDATE_FIELD,
            admin,
            input={"id": source, "label": "Source", "fieldType": "SELECT_BOX", "mask": mask},
        )
    )["updateCustomFieldDefinition"]

    assert codes(payload) == [("INVALID", "mask")]
    assert await definitions(db) == before


# --- admin only ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "input_"),
    [
        pytest.param(DELETE_FIELD, lambda ids: {"id": ids[0]}, id="delete"),
        pytest.param(REORDER_FIELDS, lambda ids: {"ids": ids[::-1]}, id="reorder"),
    ],
)
async def test_non_admins_may_not_delete_or_reorder(
    gql: GraphQL, db: Database, admin: Person, user: Person, document: str, input_: Any
) -> None:
    # given
    ids = [
        await custom_field(gql, as_=admin, label="Source"),
        await custom_field(gql, as_=admin, label="Budget"),
    ]
    before = await definitions(db)

    # when
    [payload] = (await gql(document, user, input=input_(ids))).values()

    # then
    assert codes(payload) == [("FORBIDDEN", None)]
    assert await definitions(db) == before


# --- deleteCustomFieldDefinition ----------------------------------------------------------------


async def test_deleting_a_definition_deletes_its_values(
    gql: GraphQL, db: Database, admin: Person, user: Person
) -> None:
    # given: a deal with a value for each of two fields
    source = await custom_field(gql, as_=admin, label="Source")
    budget = await custom_field(gql, as_=admin, label="Budget")
    deal_id = await opportunity(
        gql,
        as_=user,
        customFields=[
            {"fieldId": source, "value": "web"},
            {"fieldId": budget, "value": "high"},
        ],
    )
    assert await values(db) == [(source, "web"), (budget, "high")]

    # when
    payload = (await gql(DELETE_FIELD, admin, input={"id": source}))["deleteCustomFieldDefinition"]

    # then
    assert payload == {"errors": [], "deletedCustomFieldDefinitionId": field_gid(source)}
    assert list(await definitions(db)) == [budget]
    assert await values(db) == [(budget, "high")]
    shown = await gql(
        "query($id: ID!) { opportunity(id: $id) { customFields { fieldId fieldValue } } }",
        user,
        id=deal_id,
    )
    assert shown["opportunity"]["customFields"] == [
        {"fieldId": field_gid(budget), "fieldValue": "high"}
    ]


async def test_deleting_a_missing_definition_is_not_found(
    gql: GraphQL, db: Database, admin: Person
) -> None:
    await custom_field(gql, as_=admin, label="Source")

    payload = (await gql(DELETE_FIELD, admin, input={"id": 999}))["deleteCustomFieldDefinition"]

    assert payload == {
        "errors": [
            {"code": "NOT_FOUND", "field": "id", "message": "The custom field is not found."}
        ],
        "deletedCustomFieldDefinitionId": None,
    }
    assert await count_rows(db, models.CustomFieldDefinition) == 1


# --- reorderCustomFieldDefinitions --------------------------------------------------------------


async def test_reorder_gives_each_listed_definition_its_0_based_index(
    gql: GraphQL, db: Database, admin: Person
) -> None:
    # given: positions 1, 2, 3
    source, budget, region = [
        await custom_field(gql, as_=admin, label=label) for label in ("S", "B", "R")
    ]

    # when
    payload = (await gql(REORDER_FIELDS, admin, input={"ids": [region, source, budget]}))[
        "reorderCustomFieldDefinitions"
    ]

    # then
    assert payload["errors"] == []
    # CustomFieldDao.ReorderFields numbers them from 0.
    assert payload["customFieldDefinitions"] == [
        {"id": field_gid(region), "label": "R", "position": 0},
        {"id": field_gid(source), "label": "S", "position": 1},
        {"id": field_gid(budget), "label": "B", "position": 2},
    ]
    assert (await gql(DEFINITIONS, admin))["customFieldDefinitions"] == [
        {"id": field_gid(region), "position": 0},
        {"id": field_gid(source), "position": 1},
        {"id": field_gid(budget), "position": 2},
    ]
    stored = await definitions(db)
    assert {i: row["updated_by"] for i, row in stored.items()} == dict.fromkeys(stored, admin.id)


async def test_reorder_leaves_definitions_not_listed_in_place(
    gql: GraphQL, db: Database, admin: Person
) -> None:
    source, budget, region = [
        await custom_field(gql, as_=admin, label=label) for label in ("S", "B", "R")
    ]

    payload = (await gql(REORDER_FIELDS, admin, input={"ids": [region]}))[
        "reorderCustomFieldDefinitions"
    ]

    assert payload["customFieldDefinitions"] == [
        {"id": field_gid(region), "label": "R", "position": 0}
    ]
    positions = {i: row["position"] for i, row in (await definitions(db)).items()}
    assert positions == {source: 1, budget: 2, region: 0}


async def test_an_empty_reorder_changes_nothing(gql: GraphQL, db: Database, admin: Person) -> None:
    # given
    await custom_field(gql, as_=admin, label="Source")
    before = await definitions(db)

    # when: no ids, as the original's UpdateCustomFieldsOrder takes them (a no-op)
    payload = (await gql(REORDER_FIELDS, admin, input={"ids": []}))["reorderCustomFieldDefinitions"]

    # then
    assert (payload["customFieldDefinitions"], codes(payload)) == ([], [])
    assert await definitions(db) == before


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        pytest.param(lambda f: [f[0], f[1], f[0]], [("INVALID", "ids")], id="repeated"),
        pytest.param(lambda f: [f[0], 999], [("NOT_FOUND", "ids")], id="unknown"),
        pytest.param(lambda f: [f[0], f[2]], [("INVALID", "ids")], id="mixed-entities"),
    ],
)
async def test_reorder_refusals(
    gql: GraphQL, db: Database, admin: Person, ids: Any, expected: list[tuple[str, str]]
) -> None:
    # given: two opportunity fields and a contact field
    fields = [
        await custom_field(gql, as_=admin, label="Source"),
        await custom_field(gql, as_=admin, label="Budget"),
        await custom_field(gql, as_=admin, label="Birthday", entityType="CONTACT"),
    ]
    before = await definitions(db)

    # when
    payload = (await gql(REORDER_FIELDS, admin, input={"ids": ids(fields)}))[
        "reorderCustomFieldDefinitions"
    ]

    # then
    assert (payload["customFieldDefinitions"], codes(payload)) == (None, expected)
    assert await definitions(db) == before


async def test_a_field_after_one_at_the_largest_position_shares_it(
    gql: GraphQL, admin: Person
) -> None:
    # given: a field placed at the largest position an Int can hold
    last = await custom_field(gql, as_=admin, label="Last", position=2**31 - 1)

    # when: the next one goes after the last
    after = await custom_field(gql, as_=admin, label="After")

    # then: it shares the position instead of overflowing the column
    listed = (await gql(DEFINITIONS, admin))["customFieldDefinitions"]
    assert {d["id"]: d["position"] for d in listed} == {
        field_gid(last): 2**31 - 1,
        field_gid(after): 2**31 - 1,
    }
