"""Who is asking."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated employee on whose behalf a request runs."""

    id: uuid.UUID
    display_name: str
    is_admin: bool
    key_id: int | None = None  # the API key used; idempotency keys are scoped to it
