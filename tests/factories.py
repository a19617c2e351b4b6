"""Small helpers that set up what opportunities refer to, through the public API."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQL, Person
from tests.graphql_documents import CREATE_CONTACT, CREATE_FIELD


async def contact(gql: GraphQL, as_: Person, **fields: Any) -> int:
    """Create a contact (a company named 'Acme' unless told otherwise) and return its id."""
    data = await gql(CREATE_CONTACT, as_, input=fields or {"companyName": "Acme"})
    payload = data["createContact"]
    assert payload["errors"] == []
    return int(payload["contact"]["id"])


async def field(gql: GraphQL, as_: Person, label: str, **fields: Any) -> int:
    """Create a custom field definition and return its id."""
    data = await gql(CREATE_FIELD, as_, input={"label": label, **fields})
    payload = data["createCustomFieldDefinition"]
    assert payload["errors"] == []
    return int(payload["customFieldDefinition"]["id"])
