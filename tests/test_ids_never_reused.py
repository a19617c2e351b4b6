"""Ids are never handed out twice: deleting the newest deal, contact, stage or field and creating
another gives a new id, on both back ends, also on a database migrated from 0011 with data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text

from app.db.engine import Database
from app.db.event_log import event_log_t
from tests.conftest import GraphQL, Person
from tests.factories import contact, custom_field, opportunity, stage_input
from tests.test_version_conflicts import migrate_to

Create = Callable[[GraphQL, Person], Awaitable[int]]


async def _stage(gql: GraphQL, admin: Person) -> int:
    data = await gql(
        "mutation($input: CreateStageInput!) "
        "{ createStage(input: $input) { stage { databaseId } } }",
        admin,
        input=stage_input(title="Pilot"),
    )
    return int(data["createStage"]["stage"]["databaseId"])


async def _deal(gql: GraphQL, admin: Person) -> int:
    return await opportunity(gql, as_=admin)


async def _contact(gql: GraphQL, admin: Person) -> int:
    return await contact(gql, as_=admin)


async def _field(gql: GraphQL, admin: Person) -> int:
    return await custom_field(gql, as_=admin, label="Source")


# kind -> (how to create one, the mutation deleting it)
KINDS: dict[str, tuple[Create, str]] = {
    "opportunity": (_deal, "deleteOpportunity"),
    "contact": (_contact, "deleteContact"),
    "stage": (_stage, "deleteStage"),
    "customFieldDefinition": (_field, "deleteCustomFieldDefinition"),
}


async def _delete(gql: GraphQL, admin: Person, mutation: str, row_id: int) -> None:
    kind = mutation.removeprefix("delete")
    data = await gql(
        f"mutation($input: Delete{kind}Input!) "
        f"{{ {mutation}(input: $input) {{ errors {{ code }} }} }}",
        admin,
        input={"id": row_id},
    )
    assert data[mutation]["errors"] == []


async def _create_delete_create(gql: GraphQL, admin: Person, kind: str) -> tuple[int, int]:
    create, mutation = KINDS[kind]
    newest = await create(gql, admin)
    await _delete(gql, admin, mutation, newest)
    return newest, await create(gql, admin)


@pytest.mark.parametrize("kind", list(KINDS))
async def test_the_id_of_a_deleted_newest_row_is_not_given_again(
    gql: GraphQL, admin: Person, kind: str
) -> None:
    # when: the newest row is deleted and another created
    deleted, created = await _create_delete_create(gql, admin, kind)

    # then: the new row has a new id, larger than any before
    assert created > deleted


async def test_after_migrating_from_0011_with_data_ids_are_not_given_again(
    gql: GraphQL, db: Database, admin: Person
) -> None:
    # given: a database at 0011 (ids reusable on SQLite) holding a row of each kind
    async with db.write() as conn:
        await conn.run_sync(migrate_to("0011"))
        # Today's writes also log their events (0014): the log is lent to 0011 for the setup.
        await conn.run_sync(event_log_t.create)
    kept = {kind: await create(gql, admin) for kind, (create, _) in KINDS.items()}

    # when: migrated to the head
    async with db.write() as conn:
        await conn.run_sync(event_log_t.drop)
        await conn.run_sync(migrate_to("head"))

    # then: the rows are all still there, and a newest row deleted leaves its id unused
    for kind, row_id in kept.items():
        found = await gql(
            "query($id: ID!) { opportunity(id: $id) { id: databaseId } "
            "contact(id: $id) { id: databaseId } stage(id: $id) { id: databaseId } }",
            admin,
            id=row_id,
        )
        if kind in found:
            assert found[kind] == {"id": row_id}
        deleted, created = await _create_delete_create(gql, admin, kind)
        assert deleted > row_id
        assert created > deleted
    assert await _search_still_finds(gql, admin)


async def _search_still_finds(gql: GraphQL, admin: Person) -> bool:
    """The word index survived the migration: a stored deal is found by a word of its title."""
    found: dict[str, Any] = await gql(
        '{ opportunities(filter: {search: "Pilot"}) { totalCount } }', admin
    )
    return bool(found["opportunities"]["totalCount"])


async def test_sqlite_tables_with_integer_ids_are_declared_autoincrement(db: Database) -> None:
    """Every table whose integer id a client can store keeps its high-water mark."""
    if not db.is_sqlite:
        pytest.skip("PostgreSQL sequences never go back; the behaviour tests above prove it")
    async with db.read() as conn:
        tables = (
            await conn.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND sql LIKE '%id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT%'"
                )
            )
        ).scalars()
        declared = set(tables)
    assert {"opportunity", "contact", "stage", "custom_field_definition", "api_key"} <= declared
