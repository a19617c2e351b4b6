"""The operations the benchmark sends, as GraphQL documents and request bodies.

Every variant receives the same body for the same operation: the service and the naive version
execute the document; the baseline reads only the variables (its endpoint is the operation).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from typing import Any

import orjson

from app.rest.opportunity import CREATE_OPERATION

CREATE = """
mutation Create($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) {
    opportunity {
      id title bidValue successProbability
      stage { id title }
      bidCurrency { abbreviation }
      members { id displayName }
      customFields { id label fieldValue }
    }
    errors { code }
  }
}
"""

# Every scalar and every relation of a deal, as a detail page asks for it.
READ_ONE = """
query One($id: ID!) {
  opportunity(id: $id) {
    id title description created bidType bidValue perPeriodValue successProbability
    actualCloseDate expectedCloseDate isPrivate canEdit canDelete
    createBy { id displayName title avatarSmall profileUrl }
    responsible { id displayName title avatarSmall profileUrl }
    contact { id displayName isCompany }
    members { id displayName isCompany }
    bidCurrency { abbreviation title symbol cultureName isConvertable isBasic }
    stage { id title description color successProbability stageType sortOrder }
    accessList { id displayName }
    customFields { id entityId label fieldValue fieldType position mask }
  }
}
"""

# A list screen: one page in the default order (stage, then title), nested relations included.
LIST = """
query List($first: Int!) {
  opportunities(first: $first) {
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id title bidValue successProbability
        stage { id title }
        contact { id displayName }
        members { id displayName }
        bidCurrency { abbreviation symbol }
        customFields { id label fieldValue }
      }
    }
  }
}
"""

LIST_PAGE = 50
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "JPY", "CAD")


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def create_input(
    rng: random.Random, responsible: uuid.UUID, contacts: Sequence[int], fields: Sequence[int]
) -> dict[str, Any]:
    """A createOpportunity input with 2 members and a value for each custom field."""
    return {
        "title": f"Bench deal {rng.randrange(1_000_000):06d}",
        "responsibleId": str(responsible),
        "stageId": rng.randint(1, 9),
        "bidCurrencyAbbr": rng.choice(CURRENCIES).lower(),
        "bidValue": f"{rng.randint(100, 500_000)}.{rng.randrange(100):02d}",
        "successProbability": rng.randint(0, 100),
        "members": sorted(rng.sample(list(contacts), 2)),
        "customFields": [
            {"fieldId": field, "value": f"value {rng.randrange(1000)}"} for field in fields
        ],
    }


def create_body(data: dict[str, Any]) -> str:
    """The GraphQL request for a create."""
    return _dumps({"query": CREATE, "variables": {"input": data}})


def create_wire_body(data: dict[str, Any]) -> str:
    """The GraphQL create asking for what the legacy route answers (its persisted operation)."""
    return _dumps({"query": CREATE_OPERATION, "variables": {"input": data}})


def legacy_body(data: dict[str, Any]) -> str:
    """The same create in the legacy REST route's parameters."""
    return _dumps(
        {
            "title": data["title"],
            "responsibleid": data["responsibleId"],
            "stageid": data["stageId"],
            "bidCurrencyAbbr": data["bidCurrencyAbbr"],
            "bidValue": data["bidValue"],
            "successProbability": data["successProbability"],
            "members": data["members"],
            "customFieldList": [
                {"key": f["fieldId"], "value": f["value"]} for f in data["customFields"]
            ],
        }
    )


def read_body(opportunity_id: int) -> str:
    """The GraphQL request for one deal."""
    return _dumps({"query": READ_ONE, "variables": {"id": opportunity_id}})


def list_body() -> str:
    """The GraphQL request for the first page."""
    return _dumps({"query": LIST, "variables": {"first": LIST_PAGE}})
