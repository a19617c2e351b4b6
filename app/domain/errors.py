"""Expected failures: each names the input field it is about, so a form can show it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from app.domain.caller import Caller

T = TypeVar("T")


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


def found_or_refused(row: T | None, message: str) -> T:
    """`row`, or a NOT_FOUND refusal of the input's `id` when there is none."""
    if row is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "id", message)
    return row


def require_admin(caller: Caller, message: str) -> None:
    """Refuse with FORBIDDEN unless the caller administers the CRM."""
    if not caller.is_admin:
        raise DomainError.one(ErrorCode.FORBIDDEN, None, message)


def order_errors(ids: Sequence[int], known: Collection[int], *, what: str) -> list[FieldError]:
    """Why `ids` is not a usable new order of stored records: empty, repeated or unknown ids."""
    if not ids:
        return [FieldError(ErrorCode.REQUIRED, "ids", f"List the {what} in their new order.")]
    errors: list[FieldError] = []
    if len(set(ids)) != len(ids):
        errors.append(FieldError(ErrorCode.INVALID, "ids", f"Each of the {what} may appear once."))
    if unknown := sorted(set(ids) - set(known)):
        listed = ", ".join(str(i) for i in unknown)
        errors.append(FieldError(ErrorCode.NOT_FOUND, "ids", f"Unknown {what}: {listed}."))
    return errors


def text_errors(field: str, value: str, *, max_length: int, label: str) -> list[FieldError]:
    """REQUIRED when `value` is blank, TOO_LONG when it has more than `max_length` characters."""
    if not value.strip():
        return [FieldError(ErrorCode.REQUIRED, field, f"{label} is required.")]
    if len(value) > max_length:
        return [
            FieldError(
                ErrorCode.TOO_LONG, field, f"{label} is longer than {max_length} characters."
            )
        ]
    return []


# Messages the legacy API is known for (spec 1.5); the REST adapter relies on them.
MSG_OUT_OF_RANGE = "Value does not fall within the expected range."
MSG_STAGE_NOT_FOUND = "Deal milestone is not found"
MSG_ACCESS_DENIED = "Access Denied"
