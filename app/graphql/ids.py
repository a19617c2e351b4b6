"""Global ids (Relay Global Object Identification) and the one decoder of ids clients send.

A global id is strawberry's: base64 of "<TypeName>:<database id>" (GitHub's convention, with the
legacy integer or UUID kept as `databaseId`). Every argument naming a record takes its global
id or its legacy id (an Int literal or a decimal string; a UUID for employees), so legacy
documents and the legacy routes keep sending integers. A legacy integer is passed on as it is
(the domain gives 0 and negative ids their legacy meanings, "none" or "required"). Anything else
(garbage, a global id of another type, an integer out of range) names no record: it decodes to
`NO_RECORD` (`NO_EMPLOYEE`), a positive key no row has, so every path answers it exactly as it
answers a missing record.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import uuid
from collections.abc import Iterable
from typing import Literal

import strawberry

# The types with global ids whose database id is an integer.
IntNode = Literal["Opportunity", "Contact", "Stage", "CustomFieldDefinition"]
INT_NODES: tuple[IntNode, ...] = ("Opportunity", "Contact", "Stage", "CustomFieldDefinition")
EMPLOYEE = "Employee"
# The integers an id argument takes (the columns are 32-bit on PostgreSQL).
MIN_ID, MAX_ID = -(2**31), 2**31 - 1
# What an id that names nothing decodes to. Positive, so the domain looks it up (0 would mean
# "none"); the last id a 32-bit key can take, which a table reaches only when it is full.
# Employees' ids are random version-4 UUIDs: this one is none, and is not the nil UUID (which
# the legacy routes send for "no user").
NO_RECORD = MAX_ID
NO_EMPLOYEE = uuid.UUID(int=1)
_DECIMAL = re.compile(r"-?[0-9]{1,10}")
# A type name and its id, as a global id's text holds them.
_GLOBAL = re.compile(r"([A-Za-z][A-Za-z0-9]*):(.+)", re.DOTALL)
GLOBAL_ID = "The object's global id (Relay Global Object Identification): node(id:) reads it back."


def _encoded(type_name: str, database_id: object) -> strawberry.ID:
    # base64.b64encode without its Python wrapper; strawberry.ID is a NewType (no call needed).
    return _b64(f"{type_name}:{database_id}".encode(), newline=False).decode()  # type: ignore[return-value]


_b64 = binascii.b2a_base64


# A page names the same stages, fields, contacts and people again and again: their ids are
# encoded once (bounded; typed, so that 1 and True stay apart).
@functools.lru_cache(maxsize=16_384, typed=True)
def global_id(type_name: str, database_id: object) -> strawberry.ID:
    """The global id of a record: base64("<TypeName>:<database id>")."""
    return _encoded(type_name, database_id)


def custom_field_id(opportunity_id: int, field_id: int) -> strawberry.ID:
    """The opaque id of one deal's value of one field: unique for the pair, global-id-like."""
    # Not cached: each pair is named about once a page, and would push the shared ids out.
    # _encoded written out: one call fewer for each of a page's hundred values.
    encoded = f"CustomField:{opportunity_id}:{field_id}".encode()
    return _b64(encoded, newline=False).decode()  # type: ignore[return-value]


def parse_global(value: str) -> tuple[str, str] | None:
    """(type name, database id text) of a well-formed global id, else None."""
    try:
        text = base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError):
        return None
    found = _GLOBAL.fullmatch(text)
    return (found[1], found[2]) if found else None


def _legacy_int(value: object) -> int | None:
    """An Int literal or a decimal string within 32 bits, as it is; else None."""
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and MIN_ID <= value <= MAX_ID:
        return value
    return None


def decode_int(value: object, type_name: IntNode) -> int | None:
    """The database id `value` names for `type_name`: its global id, or the legacy integer."""
    legacy = _legacy_int(value)
    if legacy is not None or not isinstance(value, str):
        return legacy
    parsed = parse_global(value)
    if parsed is None or parsed[0] != type_name or not parsed[1].isdecimal():
        return None
    number = _legacy_int(parsed[1])
    # A global id names a record: its id is positive.
    return number if number is not None and number > 0 else None


def decode_employee(value: object) -> uuid.UUID | None:
    """The employee id `value` names: an Employee global id, or the legacy UUID."""
    if not isinstance(value, str):
        return None
    parsed = parse_global(value)
    text = parsed[1] if parsed is not None and parsed[0] == EMPLOYEE else value
    if parsed is not None and parsed[0] != EMPLOYEE:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def key(value: object, type_name: IntNode) -> int:
    """The database id `value` names, or `NO_RECORD`: for arguments that name one record."""
    found = decode_int(value, type_name)
    return NO_RECORD if found is None else found


def optional_key(value: object | None, type_name: IntNode) -> int | None:
    """`key`, with null kept null (an optional argument left empty)."""
    return None if value is None else key(value, type_name)


def keys(values: Iterable[object], type_name: IntNode) -> list[int]:
    """`key` of each value, in order."""
    return [key(value, type_name) for value in values]


def employee_key(value: object) -> uuid.UUID:
    """The employee id `value` names, or `NO_EMPLOYEE`."""
    found = decode_employee(value)
    return NO_EMPLOYEE if found is None else found


def employee_keys(values: Iterable[object]) -> list[uuid.UUID]:
    """`employee_key` of each value, in order."""
    return [employee_key(value) for value in values]
