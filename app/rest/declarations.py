"""The pieces legacy route declarations are built from: persisted mutations and id checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.domain.errors import MSG_OUT_OF_RANGE
from app.rest import shapes
from app.rest.legacy import (
    BARE_400,
    DENIED_403,
    NOT_FOUND_404,
    OWN_400,
    LegacyError,
    Refusals,
    WireContext,
)

# What a route answers with, made of the operation's data.
Respond = Callable[[dict[str, Any], WireContext], Any]
# The reference tables' routes (stages, custom fields): administrators only (403 "Access
# Denied"), a missing value is a bare ArgumentException, what is not there is 404.
ADMIN_REFUSALS = Refusals(
    {
        "FORBIDDEN": DENIED_403,
        "REQUIRED": BARE_400,
        "INVALID": OWN_400,
        "TOO_LONG": OWN_400,
        "NOT_FOUND": NOT_FOUND_404,
    }
)


def mutation(name: str, field: str, input_type: str, result: str, selection: str) -> str:
    """A persisted mutation of one input, answering with its errors and `result { selection }`."""
    return shapes.operation(f"""
mutation {name}($input: {input_type}!) {{
  {field}(input: $input) {{
    errors {{ code field message }}
    {result} {{ {selection} }}
  }}
}}
""")


def positive(p: dict[str, Any], *names: str) -> None:
    """The original refuses an id <= 0 with a bare ArgumentException before anything else."""
    if any((p[name] or 0) <= 0 for name in names):
        raise LegacyError(400, MSG_OUT_OF_RANGE)


def with_id(p: dict[str, Any], **values: Any) -> dict[str, Any]:
    """The input for the thing whose `id` is in the path, which must be positive."""
    positive(p, "id")
    return {"input": {"id": p["id"], **values}}
