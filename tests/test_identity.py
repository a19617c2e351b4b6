"""Identity for normalized caches: an id unique for what the object shows (issue 16 item 1)."""

from __future__ import annotations

from tests.conftest import GraphQL, Person
from tests.factories import custom_field, opportunity
from tests.ids import (
    field_gid,
    opportunity_gid,
    value_gid,
)

CURRENCIES = "{ currencies { id abbreviation } }"

DEAL_CURRENCY = """
query($id: ID!) { opportunity(id: $id) { bidCurrency { id abbreviation title } } }
"""

FIELDS_OF = """
query($id: ID!) {
  opportunity(id: $id) {
    customFields { id fieldId fieldDatabaseId entityId entityDatabaseId label fieldValue }
  }
}
"""

SET_FIELD = """
mutation Set($input: SetOpportunityCustomFieldInput!) {
  setOpportunityCustomField(input: $input) {
    errors { code field }
    customField { id fieldId fieldDatabaseId entityId entityDatabaseId fieldValue }
  }
}
"""


async def test_a_currency_is_identified_by_its_abbreviation(gql: GraphQL, user: Person) -> None:
    listed = (await gql(CURRENCIES, user))["currencies"]
    deal_id = await opportunity(gql, as_=user, bidCurrencyAbbr="gbp")

    shown = (await gql(DEAL_CURRENCY, user, id=deal_id))["opportunity"]["bidCurrency"]

    assert listed and all(c["id"] == c["abbreviation"] for c in listed)
    assert len({c["id"] for c in listed}) == len(listed)
    assert shown["id"] == shown["abbreviation"] == "GBP"


async def test_two_deals_sharing_a_field_show_values_with_distinct_ids(
    gql: GraphQL, user: Person, admin: Person
) -> None:
    # given: one definition, a value of it on each of two deals
    source = await custom_field(gql, as_=admin, label="Source")
    heading = await custom_field(gql, as_=admin, label="Details", fieldType="HEADING")
    first = await opportunity(gql, as_=user, customFields=[{"fieldId": source, "value": "web"}])
    second = await opportunity(gql, as_=user, customFields=[{"fieldId": source, "value": "fair"}])

    # when
    shown = {
        deal: (await gql(FIELDS_OF, user, id=deal))["opportunity"]["customFields"]
        for deal in (first, second)
    }

    # then: each value is its own object, named by deal and field; fieldId names the definition
    assert shown[first] == [
        {
            "id": value_gid(first, source),
            "fieldId": field_gid(source),
            "fieldDatabaseId": source,
            "entityId": opportunity_gid(first),
            "entityDatabaseId": first,
            "label": "Source",
            "fieldValue": "web",
        },
        {
            "id": value_gid(first, heading),
            "fieldId": field_gid(heading),
            "fieldDatabaseId": heading,
            "entityId": opportunity_gid(first),
            "entityDatabaseId": first,
            "label": "Details",
            "fieldValue": None,
        },
    ]
    assert [(f["id"], f["fieldValue"]) for f in shown[second]] == [
        (value_gid(second, source), "fair"),
        (value_gid(second, heading), None),
    ]
    ids = [f["id"] for deal in shown.values() for f in deal]
    assert len(set(ids)) == len(ids) == 4


async def test_a_set_value_answers_with_the_id_a_read_gives(
    gql: GraphQL, user: Person, admin: Person
) -> None:
    source = await custom_field(gql, as_=admin, label="Source")
    deal_id = await opportunity(gql, as_=user)

    set_ = await gql(
        SET_FIELD,
        user,
        input={"id": opportunity_gid(deal_id), "fieldId": field_gid(source), "value": "web"},
    )
    read = (await gql(FIELDS_OF, user, id=deal_id))["opportunity"]["customFields"]

    written = set_["setOpportunityCustomField"]
    assert written["errors"] == []
    assert written["customField"] == {
        "id": value_gid(deal_id, source),
        "fieldId": field_gid(source),
        "fieldDatabaseId": source,
        "entityId": opportunity_gid(deal_id),
        "entityDatabaseId": deal_id,
        "fieldValue": "web",
    }
    assert [f["id"] for f in read] == [written["customField"]["id"]]
