"""Multi-row writes racing each other on two workers: each waits its turn, none deadlocks."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx

from tests.hostile.conftest import Live

REORDER_STAGES = """
mutation($ids: [ID!]!) { reorderStages(input: {ids: $ids}) { errors { code } stages { id } } }
"""
REORDER_FIELDS = """
mutation($ids: [ID!]!) {
  reorderCustomFieldDefinitions(input: {ids: $ids}) {
    errors { code } customFieldDefinitions { id }
  }
}
"""
ADD_FIELD = """
mutation($label: String!) {
  createCustomFieldDefinition(input: {label: $label}) { customFieldDefinition { id } }
}
"""
CREATE = """
mutation($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) { opportunity { id } }
}
"""
SHARE = """
mutation($ids: [ID!]!, $people: [ID!]) {
  setOpportunitiesAccess(input: {ids: $ids, isPrivate: true, accessList: $people}) {
    errors { code } opportunities { id }
  }
}
"""


async def call(http: httpx.AsyncClient, live: Live, query: str, **variables: Any) -> Any:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": live.key},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def racing(count: int, make: Any) -> list[Any]:
    return list(await asyncio.gather(*(make(i) for i in range(count))))


async def test_concurrent_reorders_and_batch_changes_all_succeed(live_workers: Live) -> None:
    live = live_workers
    shuffler = random.Random(7)
    limits = httpx.Limits(max_connections=30)
    async with httpx.AsyncClient(base_url=live.base, timeout=30, limits=limits) as http:
        # given: the nine stages, six custom fields and twenty deals
        stages = [s["id"] for s in (await call(http, live, "{ stages { id } }"))["stages"]]
        fields = [
            (await call(http, live, ADD_FIELD, label=f"F{i}"))["createCustomFieldDefinition"][
                "customFieldDefinition"
            ]["id"]
            for i in range(6)
        ]
        me = (await call(http, live, "{ me { id } }"))["me"]["id"]
        deal = {"title": "Race", "responsibleId": me, "stageId": 1, "bidCurrencyAbbr": "EUR"}
        deals = [
            (await call(http, live, CREATE, input=deal))["createOpportunity"]["opportunity"]["id"]
            for _ in range(20)
        ]

        def shuffled(ids: list[int]) -> list[int]:
            return shuffler.sample(ids, len(ids))

        # when: sixty of each kind at once, every one in its own order
        stage_answers = await racing(
            60, lambda _: call(http, live, REORDER_STAGES, ids=shuffled(stages))
        )
        field_answers = await racing(
            60, lambda _: call(http, live, REORDER_FIELDS, ids=shuffled(fields))
        )
        share_answers = await racing(
            40, lambda _: call(http, live, SHARE, ids=shuffled(deals), people=[me])
        )

    # then: every one succeeded (the first failure, with its message, would fail `call`)
    assert all(a["reorderStages"]["errors"] == [] for a in stage_answers)
    assert all(a["reorderCustomFieldDefinitions"]["errors"] == [] for a in field_answers)
    assert all(len(a["setOpportunitiesAccess"]["opportunities"]) == 20 for a in share_answers)
