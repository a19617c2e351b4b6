"""Every write to a deal, a contact, a stage or a custom-field definition adds one to its version.

A deal's members, custom-field values and access list are part of what an editor sees, so
changing them, by any route, changes the deal's version and updatedAt too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Table, select

from app.db import models
from app.db.engine import Database
from tests.conftest import GraphQL, Person
from tests.factories import contact, custom_field, legacy_opportunity_body, opportunity
from tests.ids import (
    field_gid,
    stage_gid,
)


@dataclass(frozen=True)
class World:
    """A deal of `user`'s with a primary contact and a member, and a custom field."""

    gql: GraphQL
    client: httpx.AsyncClient
    user: Person
    other: Person
    deal: int
    primary: int
    member: int
    field: int

    async def mutate(self, name: str, type_: str, **input_: Any) -> None:
        document = f"mutation($input: {type_}!) {{ {name}(input: $input) {{ errors {{ code }} }} }}"
        assert (await self.gql(document, self.user, input=input_))[name]["errors"] == []

    async def legacy(self, method: str, path: str, **body: Any) -> None:
        response = await self.client.request(
            method,
            f"/api/2.0/crm/{path}",
            json=body or None,
            headers={"Authorization": self.user.key},
        )
        assert response.status_code in (200, 201), response.text


Change = Callable[[World], Awaitable[None]]
CHANGES: dict[str, Change] = {
    "updateOpportunity": lambda w: w.mutate(
        "updateOpportunity", "UpdateOpportunityInput", id=w.deal, title="New"
    ),
    "legacy PUT": lambda w: w.legacy(
        "PUT", f"opportunity/{w.deal}", **legacy_opportunity_body(w.user)
    ),
    "setOpportunityStage": lambda w: w.mutate(
        "setOpportunityStage", "SetOpportunityStageInput", id=w.deal, stageId=2
    ),
    "legacy stage": lambda w: w.legacy("PUT", f"opportunity/{w.deal}/stage/2", stageid=2),
    "setOpportunityAccess": lambda w: w.mutate(
        "setOpportunityAccess",
        "SetOpportunityAccessInput",
        id=w.deal,
        isPrivate=True,
        accessList=[str(w.other.id)],
    ),
    "legacy access": lambda w: w.legacy(
        "PUT", f"opportunity/{w.deal}/access", isPrivate=True, accessList=[str(w.other.id)]
    ),
    "setOpportunitiesAccess": lambda w: w.mutate(
        "setOpportunitiesAccess",
        "SetOpportunitiesAccessInput",
        ids=[w.deal],
        isPrivate=True,
        accessList=[str(w.other.id)],
    ),
    "legacy batch access": lambda w: w.legacy(
        "PUT", "opportunity/access", opportunityid=[w.deal], isPrivate=False
    ),
    "addOpportunityMember": lambda w: w.mutate(
        "addOpportunityMember", "AddOpportunityMemberInput", id=w.deal, contactId=w.member + 1
    ),
    "legacy add member": lambda w: w.legacy("POST", f"opportunity/{w.deal}/contact/{w.member + 1}"),
    "removeOpportunityMember": lambda w: w.mutate(
        "removeOpportunityMember", "RemoveOpportunityMemberInput", id=w.deal, contactId=w.member
    ),
    "legacy remove member": lambda w: w.legacy(
        "DELETE", f"opportunity/{w.deal}/contact/{w.member}"
    ),
    "setOpportunityCustomField": lambda w: w.mutate(
        "setOpportunityCustomField",
        "SetOpportunityCustomFieldInput",
        id=w.deal,
        fieldId=w.field,
        value="fair",
    ),
    "legacy custom field": lambda w: w.legacy(
        "POST", f"opportunity/{w.deal}/customfield/{w.field}", fieldValue="fair"
    ),
    "deleteContact (primary)": lambda w: w.mutate(
        "deleteContact", "DeleteContactInput", id=w.primary
    ),
    "deleteContact (member)": lambda w: w.mutate(
        "deleteContact", "DeleteContactInput", id=w.member
    ),
}


async def version_of(db: Database, table: Table, row_id: int) -> tuple[int, datetime]:
    async with db.read() as conn:
        found = await conn.execute(
            select(table.c.version, table.c.updated_at).where(table.c.id == row_id)
        )
        version, updated_at = found.one()
    return version, updated_at


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
async def test_every_change_to_a_deal_adds_one_to_its_version(
    gql: GraphQL,
    db: Database,
    client: httpx.AsyncClient,
    user: Person,
    other: Person,
    admin: Person,
    change: str,
) -> None:
    # given: a deal at version 1, and a bystander deal
    primary = await contact(gql, as_=user)
    member = await contact(gql, as_=user, firstName="Ann", lastName="Lee")
    await contact(gql, as_=user, firstName="Bob", lastName="Ray")  # member + 1
    field = await custom_field(gql, as_=admin, label="Source")
    deal = await opportunity(gql, as_=user, contactId=primary, members=[member])
    bystander = await opportunity(gql, as_=user)
    before = await version_of(db, models.opportunity_t, deal)
    untouched = await version_of(db, models.opportunity_t, bystander)

    # when
    await CHANGES[change](World(gql, client, user, other, deal, primary, member, field))

    # then: one more, now; the bystander untouched
    after = await version_of(db, models.opportunity_t, deal)
    assert before[0] == 1
    assert after[0] == 2
    assert after[1] > before[1]
    assert untouched[0] == 1
    assert await version_of(db, models.opportunity_t, bystander) == untouched


STAGE = "stage { id version }"


@pytest.mark.parametrize(
    ("name", "type_", "shown", "input_"),
    [
        pytest.param(
            "updateStage",
            "UpdateStageInput",
            STAGE,
            {"id": 9, "title": "Lost", "color": "#000000"},
            id="updateStage",
        ),
        pytest.param(
            "setStageColor", "SetStageColorInput", STAGE, {"id": 9, "color": "#111"}, id="color"
        ),
    ],
)
async def test_a_stage_change_adds_one_to_its_version(
    gql: GraphQL, admin: Person, name: str, type_: str, shown: str, input_: dict[str, Any]
) -> None:
    document = f"mutation($input: {type_}!) {{ {name}(input: $input) {{ {shown} }} }}"

    first = (await gql(document, admin, input=input_))[name]["stage"]
    second = (await gql(document, admin, input=input_))[name]["stage"]

    assert (first["version"], second["version"]) == (2, 3)


async def test_a_reorder_adds_one_to_the_version_of_each_stage_and_field(
    gql: GraphQL, admin: Person
) -> None:
    fields = [await custom_field(gql, as_=admin, label=label) for label in ("A", "B")]
    stages = await gql(
        "mutation($input: ReorderStagesInput!) { reorderStages(input: $input) "
        "{ stages { id version } } }",
        admin,
        input={"ids": [2, 1]},
    )
    reordered = await gql(
        "mutation($input: ReorderCustomFieldDefinitionsInput!) { reorderCustomFieldDefinitions"
        "(input: $input) { customFieldDefinitions { id version } } }",
        admin,
        input={"ids": fields[::-1]},
    )

    assert stages["reorderStages"]["stages"] == [
        {"id": stage_gid(2), "version": 2},
        {"id": stage_gid(1), "version": 2},
    ]
    assert reordered["reorderCustomFieldDefinitions"]["customFieldDefinitions"] == [
        {"id": field_gid(fields[1]), "version": 2},
        {"id": field_gid(fields[0]), "version": 2},
    ]
