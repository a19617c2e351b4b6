"""Expected failures: each names the input field it is about, so a form can show it."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

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
    # Set on a CONFLICT with an expected version: the version that is stored.
    current_version: int | None = None


class DomainError(Exception):
    """The request was refused for the listed reasons; nothing was written."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors

    @classmethod
    def one(cls, code: ErrorCode, field: str | None, message: str) -> DomainError:
        """A refusal for a single reason."""
        return cls([FieldError(code, field, message)])


class VersionConflict(DomainError):
    """The row is no longer at the version the caller expected; `current` is it as stored."""

    def __init__(self, current: Mapping[Any, Any], expected: int) -> None:
        version = int(current["version"])
        message = (
            f"Changed since version {expected}: it is at version {version}. "
            "Read it again and apply your change to what is stored."
        )
        super().__init__([FieldError(ErrorCode.CONFLICT, "expectedVersion", message, version)])
        self.current = current


def check_version(row: Mapping[Any, Any], expected: int | None) -> None:
    """Refuse with VersionConflict when `expected` is given and is not the row's version.

    Called on a row read under the change's lock, so nobody writes it between the check and
    the change (PostgreSQL: FOR UPDATE; SQLite: the one writer).
    """
    if expected is not None and row["version"] != expected:
        raise VersionConflict(row, expected)


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
    """Why `ids` is not a usable new order of stored records: repeated or unknown ids.

    An empty list changes nothing, as the original's reorder of no ids.
    """
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
