"""No N+1: a page with every nested field costs the same number of SQL statements at any size."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.db.engine import Database
from app.graphql.schema import build_schema
from app.settings import Settings
from tests.conftest import GraphQL, Person
from tests.factories import contact, custom_field, opportunity_via_domain
from tests.ids import (
    stage_gid,
)
from tests.statements import counting

EVERYTHING = """
query Page($first: Int!) {
  opportunities(first: $first, orderBy: [{field: BID_VALUE, direction: DESC}]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id title description created bidType bidValue perPeriodValue successProbability
      actualCloseDate expectedCloseDate isPrivate canEdit canDelete
      createBy { id displayName title avatarSmall profileUrl }
      responsible { id displayName title avatarSmall profileUrl }
      contact { id displayName isPrivate canEdit currency { abbreviation } accessList { id } }
      members { id displayName shareType isShared canEdit canDelete currency { symbol }
                accessList { id displayName } createBy { id } }
      bidCurrency { abbreviation title symbol }
      stage { id title sortOrder stageType successProbability }
      accessList { id displayName profileUrl }
      customFields { id label fieldValue fieldType }
    } }
  }
}
"""

# EVERYTHING asks for every nested list, the members' access lists included: at 100 deals its
# worst case is about a million objects, far over the default node budget (which is what the
# budget is for). Counting statements needs the whole document to run.
ROOMY = build_schema(Settings(_env_file=None, max_query_nodes=10_000_000))  # type: ignore[call-arg]


@pytest.fixture
def gql(db: Database, settings: Settings) -> GraphQL:
    return GraphQL(db, settings, schema=ROOMY)


async def test_statement_count_does_not_grow_with_the_page(
    db: Database, gql: GraphQL, admin: Person, user: Person, other: Person
) -> None:
    # given: 100 deals, each with a private and a shared contact, custom fields and an access list
    source = await custom_field(gql, as_=admin, label="Source")
    await custom_field(gql, as_=admin, label="Details", fieldType="HEADING")
    for index in range(100):
        shared = await contact(gql, as_=user, companyName=f"Shared {index}", currencyAbbr="GBP")
        private = await contact(
            gql, as_=user, firstName="Pat", lastName=f"Private {index}", shareType="NONE"
        )
        await opportunity_via_domain(
            db,
            as_=user,
            title=f"Deal {index}",
            responsible_id=other.id,
            stage_id=1 + index % 9,
            bid_currency_abbr="EUR" if index % 2 else "USD",
            bid_value=Decimal(index),
            contact_id=shared,
            members=[private],
            custom_fields=[(source, f"value {index}")],
            is_private=True,
            access_list=[other.id],
        )

    # when
    counts = {}
    for size in (1, 10, 100):
        with counting(db) as statements:
            data = await gql(EVERYTHING, user, first=size)
        assert len(data["opportunities"]["edges"]) == size
        counts[size] = len(statements)

    # then
    assert counts[1] == counts[10] == counts[100], counts
    assert counts[100] <= 8, counts


@pytest.mark.parametrize("size", [1, 25])
async def test_nested_values_are_right_for_every_row(
    db: Database, gql: GraphQL, admin: Person, user: Person, other: Person, size: int
) -> None:
    # given: each deal's relations differ, so a batching mix-up would show
    for index in range(size):
        company = await contact(gql, as_=user, companyName=f"Company {index}")
        await opportunity_via_domain(
            db,
            as_=user,
            title=f"Deal {index}",
            responsible_id=other.id if index % 2 else user.id,
            stage_id=1 + index % 9,
            bid_currency_abbr=("EUR", "USD", "GBP")[index % 3],
            bid_value=Decimal(index),
            contact_id=company,
        )

    # when
    data = await gql(EVERYTHING, user, first=size)

    # then
    for edge in data["opportunities"]["edges"]:
        node = edge["node"]
        index = int(node["title"].split()[1])
        assert node["contact"]["displayName"] == f"Company {index}"
        assert [m["displayName"] for m in node["members"]] == [f"Company {index}"]
        assert node["stage"]["id"] == stage_gid(1 + index % 9)
        assert node["bidCurrency"]["abbreviation"] == ("EUR", "USD", "GBP")[index % 3]
        assert node["responsible"]["displayName"] == ("Otto Other" if index % 2 else "Uma User")
