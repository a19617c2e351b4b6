"""Expected failures: each names the input field it is about, so a form can show it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    """Why an input was refused."""

    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    CONFLICT = "CONFLICT"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One refused input: a code, the input field (None for the whole input) and a message."""

    code: ErrorCode
    field: str | None
    message: str


class DomainError(Exception):
    """The request was refused for the listed reasons; nothing was written."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors

    @classmethod
    def one(cls, code: ErrorCode, field: str | None, message: str) -> DomainError:
        """A refusal for a single reason."""
        return cls([FieldError(code, field, message)])


# Messages the legacy API is known for (spec 1.5); the REST adapter relies on them.
MSG_OUT_OF_RANGE = "Value does not fall within the expected range."
MSG_STAGE_NOT_FOUND = "Deal milestone is not found"
MSG_ACCESS_DENIED = "Access Denied"
