"""Which value a legacy parameter takes, written from the original's ApiArgumentBuilder.

module/ASC.Api/ASC.Api/Impl/ApiArgumentBuilder.cs: GetRequestParams collects the route's
values, then the query string's, then the body's into one NameValueCollection (names in any
case); BuildCallingArguments takes `values.First()` for a parameter of one value ("NOTE; Get
first value!") and Binder.Bind binds a collection from all of them in that order.
"""

from __future__ import annotations

import httpx
import pytest

from tests.legacy.scene import (
    FULL_ACME,
    Exchange,
    Scene,
    check,
    full,
    gone,
    item,
    ok,
    pilot,
    renewal,
)
from tests.legacy.test_contact_record_exchanges import card
from tests.legacy.world import company

INITECH = full(company(4, "Initech"), companyName="Initech")

EXCHANGES = [
    # The query string's value comes before the body's: it is the one taken.
    Exchange("query-before-body", "POST", "contact/company", 201, ok(card(INITECH), 201),
        query="companyName=Initech", json_body={"companyName": "Globex", "shareType": 1},
        after=[("GET", "contact/4", ok(card(INITECH)))]),
    Exchange("query-before-form-body", "POST", "contact/company", 201, ok(card(INITECH), 201),
        query="CompanyName=Initech", form="companyname=Globex&shareType=1"),
    # A name repeated in the query string: the first value.
    Exchange("first-repeated-value", "GET", "contact/filter", 200, ok([FULL_ACME], total=1),
        query="filterValue=acm&filterValue=ann"),
    # The route's value comes before the query string's.
    Exchange("route-before-query", "GET", "contact/1", 200, ok(card(FULL_ACME)),
        query="contactid=2"),
    # A list takes every value: the query string's, then the body's.
    Exchange("list-from-query-then-body", "PUT", "opportunity", 200, ok(
        [item(gone(renewal())), item(gone(pilot()))]),
        query="opportunityids=3", json_body={"opportunityids": [1]}),
]  # fmt: skip


@pytest.mark.parametrize("case", [c.param() for c in EXCHANGES])
async def test_exchange(client: httpx.AsyncClient, scene: Scene, case: Exchange) -> None:
    await check(client, case, scene)
