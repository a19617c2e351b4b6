"""expectedVersion on the updates of contacts, stages and custom-field definitions; the version
columns of migration 0011, added with every stored row at version 1, and removed again."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, select

from app.db import migrate, models
from app.db.engine import Database
from tests.conftest import GraphQL, Person
from tests.factories import contact, custom_field, opportunity, stage_input


@pytest.fixture
async def edited(gql: GraphQL, admin: Person) -> dict[str, tuple[int, dict[str, Any]]]:
    """For each kind of record: one stored at version 1, and a valid update input for it."""
    stage = await gql(
        "mutation($input: CreateStageInput!) { createStage(input: $input) { stage { id } } }",
        admin,
        input=stage_input(title="Pilot"),
    )
    stage_id = stage["createStage"]["stage"]["id"]
    contact_id = await contact(gql, as_=admin)
    field_id = await custom_field(gql, as_=admin, label="Source")
    return {
        "Stage": (stage_id, stage_input(title="Trial")),
        "Contact": (contact_id, {"companyName": "Acme Ltd"}),
        "CustomFieldDefinition": (field_id, {"label": "Origin"}),
    }


MUTATIONS = {
    "Stage": ("updateStage", "UpdateStageInput", "stage", "title"),
    "Contact": ("updateContact", "UpdateContactInput", "contact", "displayName"),
    "CustomFieldDefinition": (
        "updateCustomFieldDefinition",
        "UpdateCustomFieldDefinitionInput",
        "customFieldDefinition",
        "label",
    ),
}


def update_document(kind: str) -> tuple[str, str, str]:
    name, type_, shown, label = MUTATIONS[kind]
    return (
        f"mutation($input: {type_}!) {{ {name}(input: $input) {{ "
        f"errors {{ code field currentVersion }} {shown} {{ version {label} }} }} }}",
        name,
        shown,
    )


@pytest.mark.parametrize("kind", list(MUTATIONS))
async def test_the_right_version_is_written_and_a_stale_one_is_a_conflict(
    gql: GraphQL, admin: Person, edited: dict[str, tuple[int, dict[str, Any]]], kind: str
) -> None:
    # given
    document, name, shown = update_document(kind)
    row_id, values = edited[kind]
    label = MUTATIONS[kind][3]

    # when: one edit on version 1, then another one still on version 1
    edit = {"id": row_id, "expectedVersion": 1, **values}
    first = (await gql(document, admin, input=edit))[name]
    stale = (await gql(document, admin, input=edit))[name]

    # then: the first is written (version 2); the second is a CONFLICT showing it
    assert first["errors"] == []
    assert first[shown]["version"] == 2
    assert stale["errors"] == [
        {"code": "CONFLICT", "field": "expectedVersion", "currentVersion": 2}
    ]
    assert stale[shown] == first[shown]
    assert first[shown][label] == {"Stage": "Trial", "Contact": "Acme Ltd"}.get(kind, "Origin")


@pytest.mark.parametrize("kind", list(MUTATIONS))
async def test_concurrent_updates_on_one_version_one_wins(
    gql: GraphQL, admin: Person, edited: dict[str, tuple[int, dict[str, Any]]], kind: str
) -> None:
    document, name, _ = update_document(kind)
    row_id, values = edited[kind]

    payloads = await asyncio.gather(
        *(
            gql(document, admin, input={"id": row_id, "expectedVersion": 1, **values})
            for _ in range(3)
        )
    )

    codes = sorted(tuple(e["code"] for e in p[name]["errors"]) for p in payloads)
    assert codes == [(), ("CONFLICT",), ("CONFLICT",)]


async def test_a_contact_hidden_from_the_caller_is_not_found_whatever_the_version(
    gql: GraphQL, user: Person, other: Person
) -> None:
    hidden = await contact(gql, as_=other, companyName="Secret", shareType="NONE")
    document, name, _ = update_document("Contact")

    answers = [
        (await gql(document, user, input={"id": i, "expectedVersion": 1, "companyName": "x"}))[name]
        for i in (hidden, 4242)
    ]

    assert answers[0] == answers[1]
    assert answers[0]["errors"] == [{"code": "NOT_FOUND", "field": "id", "currentVersion": None}]


def migrate_to(revision: str) -> Callable[[Any], None]:
    def run(connection: Any) -> None:
        step = command.upgrade if revision == "head" else command.downgrade
        step(migrate.alembic_config(connection), revision)

    return run


VERSIONED = (models.opportunity_t, models.contact_t, models.stage_t, models.custom_field_t)


async def test_the_migration_starts_stored_rows_at_version_1_and_goes_back(
    gql: GraphQL, db: Database, user: Person, admin: Person
) -> None:
    # given: rows of each kind, a deal changed twice
    deal_id = await opportunity(gql, as_=user)
    await contact(gql, as_=user)
    await custom_field(gql, as_=admin, label="Source")
    for title in ("One", "Two"):
        await gql(
            "mutation($input: UpdateOpportunityInput!) { updateOpportunity(input: $input) "
            "{ errors { code } } }",
            user,
            input={"id": deal_id, "title": title},
        )

    # when: migrated down before 0011, then up again
    async with db.write() as conn:
        await conn.run_sync(migrate_to("0010"))
        columns = await conn.run_sync(
            lambda sync: {
                t.name: [c["name"] for c in inspect(sync).get_columns(t.name)] for t in VERSIONED
            }
        )
    async with db.write() as conn:
        await conn.run_sync(migrate_to("head"))

    # then: no version column below 0011; every row at version 1 above, and writable again
    assert all("version" not in names for names in columns.values())
    async with db.read() as conn:
        for table in VERSIONED:
            versions = (await conn.execute(select(table.c.version))).scalars().all()
            assert versions and set(versions) == {1}, table.name
    payload = await gql(
        "mutation($input: UpdateOpportunityInput!) { updateOpportunity(input: $input) "
        "{ opportunity { title version } } }",
        user,
        input={"id": deal_id, "title": "Three", "expectedVersion": 1},
    )
    assert payload["updateOpportunity"]["opportunity"] == {"title": "Three", "version": 2}
