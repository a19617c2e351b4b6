"""Custom-field value counts from the counters of migration 0009 stay exact under privacy.

After each kind of change the service (or a statement it never runs) makes, the oracle (the
query the counters replace), the counters and `valueCount` agree for an administrator, an
outsider and employees on the access lists (tests/value_counts.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import delete, func, insert, not_, select, update

from app.db.counter_tables import field_value_count_t, field_value_private_count_t
from app.db.engine import Database
from app.db.models import access_t, employee_t, field_value_t, opportunity_t
from tests.conftest import GraphQL, Person
from tests.factories import custom_field, employee, opportunity
from tests.value_counts import (
    DELETE_FIELD,
    assert_value_counts_agree,
    counted_in_the_table,
    execute,
    field_values,
    succeeds,
)

SET_VALUE = """
mutation Set($input: SetOpportunityCustomFieldInput!) {
  setOpportunityCustomField(input: $input) { errors { message } }
}
"""
SET_ACCESS = """
mutation Access($input: SetOpportunityAccessInput!) {
  setOpportunityAccess(input: $input) { errors { message } }
}
"""
SET_ACCESS_MANY = """
mutation AccessMany($input: SetOpportunitiesAccessInput!) {
  setOpportunitiesAccess(input: $input) { errors { message } }
}
"""
UPDATE = """
mutation Update($input: UpdateOpportunityInput!) {
  updateOpportunity(input: $input) { errors { message } }
}
"""
DELETE_ONE = """
mutation Delete($id: ID!) { deleteOpportunity(input: {id: $id}) { errors { message } } }
"""
DELETE_MANY = """
mutation DeleteMany($input: DeleteOpportunitiesInput!) {
  deleteOpportunities(input: $input) { errors { message } }
}
"""


async def test_counts_stay_exact_through_every_kind_of_change(
    db: Database, gql: GraphQL, admin: Person, user: Person, other: Person
) -> None:
    # given: an owner's public and private deals with values of three fields; the user and
    # Hal on some access lists, `other` on none
    owner = await employee(db, name="Olive Owner")
    hal = await employee(db, name="Hal Holder")
    a, b, c = [await custom_field(gql, admin, label) for label in ("Source", "Budget", "Region")]

    async def deal(holders: list[Person], *pairs: tuple[int, str]) -> int:
        private = {"isPrivate": True, "accessList": [str(p.id) for p in holders]}
        return await opportunity(
            gql, owner, customFields=field_values(*pairs), **(private if holders else {})
        )

    d = [
        await deal([], (a, "web"), (b, "10k")),
        await deal([user], (a, "fair"), (c, "north")),
        await deal([user, hal], (a, "web"), (b, "5k"), (c, "south")),
        await deal([hal], (b, "1k")),
        await deal([], (c, "east")),
        await deal([owner], (a, "call")),
        await deal([]),
    ]
    people = (admin, user, other, owner, hal)
    await assert_value_counts_agree(db, gql, *people)

    def mutate(document: str, **variables: Any) -> Callable[[], Awaitable[None]]:
        return lambda: succeeds(gql, document, owner, **variables)

    def run(*statements: Any) -> Callable[[], Awaitable[None]]:
        return lambda: execute(db, *statements)

    async def delete_holder() -> None:
        # An employee on an access list cannot be deleted: off the lists first.
        await execute(
            db,
            delete(access_t).where(access_t.c.employee_id == hal.id),
            delete(employee_t).where(employee_t.c.id == hal.id),
        )
        listed = field_value_private_count_t.c
        async with db.read() as conn:
            left = await conn.execute(select(func.count()).where(listed.employee_id == hal.id))
            assert left.scalar_one() == 0

    values = field_value_t.c
    changes: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("value added", mutate(SET_VALUE, input={"id": d[3], "fieldId": a, "value": "new"})),
        ("value replaced", mutate(SET_VALUE, input={"id": d[1], "fieldId": a, "value": "x"})),
        ("value removed", mutate(SET_VALUE, input={"id": d[2], "fieldId": b, "value": ""})),
        ("made public", mutate(SET_ACCESS, input={"id": d[2], "isPrivate": False})),
        (
            "made private",
            mutate(SET_ACCESS, input={"id": d[0], "isPrivate": True, "accessList": [str(user.id)]}),
        ),
        (
            "holders replaced",
            mutate(SET_ACCESS, input={"id": d[1], "isPrivate": True, "accessList": [str(hal.id)]}),
        ),
        (
            "updated with values and holders",
            mutate(
                UPDATE,
                input={
                    "id": d[4],
                    "title": "Updated",
                    "responsibleId": str(owner.id),
                    "stageId": 2,
                    "bidCurrencyAbbr": "EUR",
                    "customFields": field_values((a, "y"), (b, "z")),
                    "isPrivate": True,
                    "accessList": [str(user.id), str(hal.id)],
                },
            ),
        ),
        (
            "several deals' access at once",
            mutate(
                SET_ACCESS_MANY,
                input={"ids": [d[0], d[3], d[5]], "isPrivate": True, "accessList": [str(user.id)]},
            ),
        ),
        # Stored as it is: an empty value counts as the old query counted it.
        (
            "empty value stored",
            run(insert(field_value_t).values(opportunity_id=d[6], field_id=c, value="")),
        ),
        (
            "value moved to another field",
            run(update(field_value_t).where(values.opportunity_id == d[6]).values(field_id=a)),
        ),
        (
            "value moved to another deal",
            run(
                update(field_value_t)
                .where(values.opportunity_id == d[0], values.field_id == b)
                .values(opportunity_id=d[6])
            ),
        ),
        (
            "access entry added",
            run(insert(access_t).values(opportunity_id=d[5], employee_id=hal.id)),
        ),
        ("access entries removed", run(delete(access_t).where(access_t.c.employee_id == user.id))),
        ("private deal deleted", lambda: succeeds(gql, DELETE_ONE, admin, id=d[4])),
        ("holder deleted", delete_holder),
        (
            "every deal's privacy flipped at once",
            run(update(opportunity_t).values(is_private=not_(opportunity_t.c.is_private))),
        ),
        ("public deal deleted", lambda: succeeds(gql, DELETE_ONE, admin, id=d[0])),
        ("field deleted", lambda: succeeds(gql, DELETE_FIELD, admin, id=b)),
    ]
    for name, change in changes:
        # when
        await change()

        # then
        if name == "holder deleted":
            people = (admin, user, other, owner)
        await assert_value_counts_agree(db, gql, *people)


async def test_bulk_deletes_take_every_deleted_deals_values_out(
    db: Database, gql: GraphQL, admin: Person, user: Person, other: Person
) -> None:
    # given: eighteen deals at three stages, every other one private to the owner and the user
    owner = await employee(db, name="Olive Owner")
    a, b = [await custom_field(gql, admin, label) for label in ("Source", "Budget")]
    ids = [
        await opportunity(
            gql,
            owner,
            stageId=1 + n % 3,
            customFields=field_values((a, f"a{n}"), *([(b, f"b{n}")] if n % 3 else [])),
            **({"isPrivate": True, "accessList": [str(user.id)]} if n % 2 else {}),
        )
        for n in range(18)
    ]
    at_stage_one = ids[0::3]
    people = (admin, user, other, owner)
    await assert_value_counts_agree(db, gql, *people)

    # when / then: a filtered delete, a batch by ids, one statement deleting several deals
    await succeeds(gql, DELETE_MANY, admin, input={"filter": {"stageId": 2}})
    await assert_value_counts_agree(db, gql, *people)
    await succeeds(gql, DELETE_MANY, owner, input={"ids": at_stage_one[:4]})
    await assert_value_counts_agree(db, gql, *people)
    await execute(db, delete(opportunity_t).where(opportunity_t.c.id.in_(ids[2::3])))
    await assert_value_counts_agree(db, gql, *people)
    # two deals left at stage one, a public one and one private to the user
    assert await counted_in_the_table(db, admin) == {a: 2}
    assert await counted_in_the_table(db, other) == {a: 1}


async def test_a_deleted_field_answers_its_count_and_leaves_no_counters(
    db: Database, gql: GraphQL, admin: Person, user: Person, other: Person
) -> None:
    # given: a field with values on public deals and on a private deal of the user's
    a, b = [await custom_field(gql, admin, label) for label in ("Source", "Budget")]
    for _ in range(3):
        await opportunity(gql, other, customFields=field_values((a, "web"), (b, "5k")))
    await opportunity(
        gql, user, customFields=field_values((a, "fair")), isPrivate=True, accessList=[str(user.id)]
    )

    # when
    data = await gql(DELETE_FIELD, admin, id=a)

    # then: the answer counts what the admin could see; the field's counters went with it
    assert data["deleteCustomFieldDefinition"]["deletedCustomFieldDefinition"] == {"valueCount": 4}
    async with db.read() as conn:
        for table in (field_value_count_t, field_value_private_count_t):
            left = await conn.execute(select(func.count()).where(table.c.field_id == a))
            assert left.scalar_one() == 0
    await assert_value_counts_agree(db, gql, admin, user, other)
