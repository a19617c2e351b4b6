"""Values at the edges of what can be stored: refused with a clear error, never a crash."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import orjson
import pytest

from tests.conftest import Person, nothing_written

GQL = "application/graphql-response+json"
EDGES = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]
CREATE = """
mutation($d: DateTime) {
  createOpportunity(input: {title: "Edge", responsibleId: "%s", stageId: 1,
                            bidCurrencyAbbr: "EUR", expectedCloseDate: $d}) {
    errors { code } opportunity { id expectedCloseDate }
  }
}
"""
FILTERED = """
query($d: DateTime) { opportunities(filter: {closeDateFrom: $d}) { totalCount } }
"""


async def post(client: httpx.AsyncClient, person: Person, query: str, **variables: Any) -> Any:
    return await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": person.key, "Accept": GQL},
    )


def cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(values))).decode().rstrip("=")


@pytest.mark.parametrize("moment", EDGES)
async def test_times_outside_years_1_to_9999_in_utc_are_refused_as_input(
    client: httpx.AsyncClient, db: Any, user: Person, moment: str
) -> None:
    # when
    created = await post(client, user, CREATE % user.id, d=moment)
    filtered = await post(client, user, FILTERED, d=moment)
    literal = await post(
        client, user, '{ opportunities(filter: {closeDateTo: "%s"}) { totalCount } }' % moment
    )

    # then: each is a request error (400, no data), and nothing was written
    for response in (created, filtered, literal):
        assert response.status_code == 400, response.text
        assert "years 1 to 9999" in response.json()["errors"][0]["message"]
    assert await nothing_written(db)


async def test_the_last_storable_moment_is_kept(client: httpx.AsyncClient, user: Person) -> None:
    # when
    response = await post(client, user, CREATE % user.id, d="9999-12-31T23:59:59+00:00")

    # then
    payload = response.json()["data"]["createOpportunity"]
    assert payload["errors"] == []
    assert payload["opportunity"]["expectedCloseDate"].startswith("9999-12-31T23:59:59")


@pytest.mark.parametrize(
    ("order", "after"),
    [
        pytest.param("CREATED", cursor(EDGES[0], 1), id="time-past-9999-in-utc"),
        pytest.param("CREATED", cursor("2024-01-01T00:00:00", 1), id="time-without-offset"),
        pytest.param("BID_VALUE", cursor("1e999999", 1), id="amount-too-large"),
        pytest.param("BID_VALUE", cursor("NaN", 1), id="amount-not-a-number"),
        pytest.param("ID", cursor(2**63), id="id-beyond-int64"),
        pytest.param("TITLE", cursor("x" * 5000, 1), id="text-too-long"),
    ],
)
async def test_forged_cursors_are_refused_as_invalid(
    client: httpx.AsyncClient, user: Person, order: str, after: str
) -> None:
    # when
    response = await post(
        client,
        user,
        "query($after: String) { opportunities(orderBy: [{field: %s}], after: $after) {"
        " totalCount } }" % order,
        after=after,
    )

    # then
    assert response.status_code == 200, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "INVALID"
    assert error["message"].startswith("after is not a cursor")


async def test_legacy_dates_past_9999_in_utc_are_a_400(
    client: httpx.AsyncClient, user: Person
) -> None:
    # when
    response = await client.get(
        "/api/2.0/crm/opportunity/filter",
        params={"fromDate": EDGES[0], "toDate": EDGES[0]},
        headers={"Authorization": user.key},
    )

    # then
    assert response.status_code == 400
    assert "invalid date time" in response.json()["error"]["message"]
