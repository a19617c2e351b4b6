"""Global ids as clients see them, built here independently of the service's code."""

from __future__ import annotations

from base64 import b64decode, b64encode
from typing import Any


def global_id(type_name: str, number: Any) -> str:
    """The Relay global id of a record: base64 of "<TypeName>:<databaseId>"."""
    return b64encode(f"{type_name}:{number}".encode()).decode()


def opportunity_gid(number: Any) -> str:
    """An opportunity's global id."""
    return global_id("Opportunity", number)


def contact_gid(number: Any) -> str:
    """A contact's global id."""
    return global_id("Contact", number)


def stage_gid(number: Any) -> str:
    """A stage's global id."""
    return global_id("Stage", number)


def field_gid(number: Any) -> str:
    """A custom-field definition's global id."""
    return global_id("CustomFieldDefinition", number)


def employee_gid(number: Any) -> str:
    """An employee's global id."""
    return global_id("Employee", number)


def value_gid(deal: Any, field: Any) -> str:
    """The opaque id of one deal's value of one custom field."""
    return global_id("CustomField", f"{deal}:{field}")


def decoded(value: str) -> tuple[str, str]:
    """(type name, database id text) of a global id."""
    type_name, _, database_id = b64decode(value).decode().partition(":")
    return type_name, database_id


def database_id(value: str) -> int:
    """The integer database id a global id holds."""
    return int(decoded(value)[1])


def field_of_value(value: str, deal: str) -> str:
    """The field part of a custom-field value's id, checked to name the deal (a global id)."""
    type_name, pair = decoded(value)
    deal_part, _, field = pair.partition(":")
    assert (type_name, deal_part) == ("CustomField", str(database_id(deal))), (value, deal)
    return field


def legacy_id(value: str) -> int | str:
    """The legacy id a global id holds, as the legacy wire shows it: an integer or a UUID."""
    number = decoded(value)[1]
    return int(number) if number.isdecimal() else number
