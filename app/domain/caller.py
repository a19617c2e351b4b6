"""Who is asking."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated employee on whose behalf a request runs."""

    id: uuid.UUID
    display_name: str
    is_admin: bool
    key_id: int | None = None  # the API key used; idempotency keys are scoped to it
    # The caller's employee row as read when the key was checked: a request's loaders start
    # with it, so "created by me" costs no second read.
    employee: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    # The reference stamp read with the key (migration 0015); None when signed in otherwise.
    reference_stamp: int | None = field(default=None, compare=False, repr=False)
