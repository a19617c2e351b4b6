"""Custom-field value counts stay exact through the legacy routes and a rebuild of the counters.

The legacy definitions route answers `relativeItemsCount` from the counters of migration 0009;
the migration's backfill fills them from what is stored (tests/value_counts.py has the oracle).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from alembic import command

from app.db import migrate
from app.db.engine import Database
from tests.conftest import GraphQL, Person
from tests.factories import custom_field, legacy_opportunity_body, opportunity
from tests.value_counts import assert_value_counts_agree, counted_in_the_table, field_values


async def _legacy(
    client: httpx.AsyncClient, who: Person, method: str, path: str, **body: Any
) -> Any:
    response = await client.request(
        method, f"/api/2.0/crm/{path}", json=body or None, headers={"Authorization": who.key}
    )
    assert response.status_code in (200, 201), response.text
    return response.json()["response"]


async def test_values_written_through_legacy_routes_keep_counts_right(
    db: Database,
    gql: GraphQL,
    client: httpx.AsyncClient,
    admin: Person,
    user: Person,
    other: Person,
) -> None:
    # given
    a, b = [await custom_field(gql, admin, label) for label in ("Source", "Budget")]
    people = (admin, user, other)

    async def agree() -> None:
        await assert_value_counts_agree(db, gql, *people)
        for who in people:
            listed = await _legacy(client, who, "GET", "opportunity/customfield/definitions")
            expected = await counted_in_the_table(db, who)
            assert {d["id"]: d["relativeItemsCount"] for d in listed} == {
                a: expected.get(a, 0),
                b: expected.get(b, 0),
            }

    # when / then: a legacy create of a private deal with values, then its values and access
    created = await _legacy(
        client,
        user,
        "POST",
        "opportunity",
        **legacy_opportunity_body(
            user,
            customFieldList=[{"key": a, "value": "web"}, {"key": b, "value": "10k"}],
            isPrivate=True,
            accessList=[str(user.id)],
        ),
    )
    public = await _legacy(
        client,
        other,
        "POST",
        "opportunity",
        **legacy_opportunity_body(other, customFieldList=[{"key": a, "value": "fair"}]),
    )
    await agree()
    deal = created["id"]
    await _legacy(client, user, "POST", f"opportunity/{deal}/customfield/{a}", fieldValue="")
    await agree()
    await _legacy(
        client, other, "POST", f"opportunity/{public['id']}/customfield/{b}", fieldValue="x"
    )
    await agree()
    await _legacy(
        client,
        user,
        "PUT",
        f"opportunity/{deal}/access",
        isPrivate=True,
        accessList=[str(other.id)],
    )
    await agree()
    await _legacy(client, user, "DELETE", f"opportunity/{deal}")
    await agree()


async def test_counters_rebuilt_by_the_migration_match_what_is_stored(
    db: Database, gql: GraphQL, admin: Person, user: Person, other: Person
) -> None:
    # given: values on public and private deals, the counters dropped (migration 0008)
    a, b = [await custom_field(gql, admin, label) for label in ("Source", "Budget")]
    for n in range(6):
        await opportunity(
            gql,
            other,
            customFields=field_values((a, "web"), *([(b, "5k")] if n % 2 else [])),
            **({"isPrivate": True, "accessList": [str(user.id)]} if n < 3 else {}),
        )

    def migrate_to(revision: str) -> Callable[[Any], None]:
        def run(connection: Any) -> None:
            step = command.upgrade if revision == "head" else command.downgrade
            step(migrate.alembic_config(connection), revision)

        return run

    async with db.write() as conn:
        await conn.run_sync(migrate_to("0008"))

    # when: migrated up again, the counters are filled from the stored values
    async with db.write() as conn:
        await conn.run_sync(migrate_to("head"))

    # then
    await assert_value_counts_agree(db, gql, admin, user, other)
    assert await counted_in_the_table(db, user) == {a: 6, b: 3}
