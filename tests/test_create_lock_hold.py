"""A create reads what it checks before its deal's row goes in, not after it.

The deal's insert takes the stage's counter row, and its values the fields' counter rows, until
the commit (triggers keep the counts); every other create at that stage, or with those fields,
waits for them. So the members' and fields' checks are read first: from the deal's insert on, the
transaction writes (and logs its event), and the wait is no longer than that.
"""

from __future__ import annotations

from sqlalchemy import select

from app.db.engine import Database
from app.db.models import field_value_t, member_t
from tests.conftest import GraphQL, Person
from tests.factories import contact, custom_field, opportunity_via_domain
from tests.statements import counting, is_read


async def test_from_the_deals_insert_on_a_create_only_writes(
    db: Database, gql: GraphQL, admin: Person, user: Person
) -> None:
    # given: a readable contact and a custom field, asked for with ids that name nothing
    acme = await contact(gql, user)
    budget = await custom_field(gql, admin, "Budget")

    # when
    with counting(db) as statements:
        deal = await opportunity_via_domain(
            db,
            user,
            contact_id=acme,
            members=[acme, 999_999],
            custom_fields=[(budget, " 10k "), (999_999, "lost")],
        )

    # then: what was checked before the insert is what was stored
    inserted = next(
        i
        for i, s in enumerate(statements)
        if s.lstrip().upper().startswith("INSERT INTO OPPORTUNITY ")
    )
    checks = ("FROM contact", "FROM custom_field_definition")
    after = [s for s in statements[inserted:] if is_read(s) and any(c in s for c in checks)]
    assert not after, after
    assert any("FROM contact" in s for s in statements[:inserted])
    assert any("FROM custom_field_definition" in s for s in statements[:inserted])
    async with db.read() as conn:
        members = (
            (
                await conn.execute(
                    select(member_t.c.contact_id).where(member_t.c.opportunity_id == deal)
                )
            )
            .scalars()
            .all()
        )
        values = (
            await conn.execute(
                select(field_value_t.c.field_id, field_value_t.c.value).where(
                    field_value_t.c.opportunity_id == deal
                )
            )
        ).all()
    assert members == [acme]
    assert [tuple(v) for v in values] == [(budget, "10k")]
