"""The service's global ids, base64 of "<TypeName>:<database id>", built as cheaply as can be."""

from __future__ import annotations

from base64 import b64decode, b64encode
from typing import Any


def global_id(type_name: str, database_id: Any) -> str:
    """The id the service answers for a record of `type_name` (a Relay global id)."""
    return b64encode(f"{type_name}:{database_id}".encode()).decode()


def field_value_id(deal_id: int, field_id: int) -> str:
    """The id the service answers for one deal's value of one custom field."""
    return global_id("CustomField", f"{deal_id}:{field_id}")


def database_id(value: str) -> int:
    """The integer a record's global id holds (PostGraphile answers those)."""
    return int(b64decode(value).decode().partition(":")[2])
