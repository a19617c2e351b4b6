"""Why a contact is refused: its kind (person or company), its lengths, its currency."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.models import currency_t
from app.domain.errors import ErrorCode, FieldError

if TYPE_CHECKING:
    from app.domain.contacts import NewContact

NAME_MAX = 255


def new_contact_errors(new: NewContact) -> list[FieldError]:
    """A new contact is a person (both names) or a company (a name), never both."""
    errors: list[FieldError] = []
    first, last, company = (
        (new.first_name or "").strip(),
        (new.last_name or "").strip(),
        (new.company_name or "").strip(),
    )
    if first or last:
        if not first:
            errors.append(FieldError(ErrorCode.REQUIRED, "firstName", "A first name is required."))
        if not last:
            errors.append(FieldError(ErrorCode.REQUIRED, "lastName", "A last name is required."))
        if company:
            errors.append(
                FieldError(
                    ErrorCode.INVALID,
                    "companyName",
                    "Give a person's names or a company name, not both.",
                )
            )
    elif not company:
        errors.append(
            FieldError(
                ErrorCode.REQUIRED,
                "companyName",
                "A company name or a person's names are required.",
            )
        )
    return errors + length_errors(new)


def length_errors(new: NewContact) -> list[FieldError]:
    """Names and title that do not fit their columns."""
    return [
        FieldError(ErrorCode.TOO_LONG, name, f"{name} is too long.")
        for name, value in (
            ("firstName", (new.first_name or "").strip()),
            ("lastName", (new.last_name or "").strip()),
            ("companyName", (new.company_name or "").strip()),
            ("title", new.title or ""),
        )
        if len(value) > NAME_MAX
    ]


def kind_errors(new: NewContact, *, is_company: bool) -> list[FieldError]:
    """An update keeps the kind: a company keeps a company name, a person both names."""
    first, last, company = (
        (new.first_name or "").strip(),
        (new.last_name or "").strip(),
        (new.company_name or "").strip(),
    )
    errors: list[FieldError] = []
    if is_company:
        if first or last:
            errors.append(
                FieldError(
                    ErrorCode.INVALID,
                    "firstName" if first else "lastName",
                    "A company cannot become a person.",
                )
            )
        if not company:
            errors.append(
                FieldError(ErrorCode.REQUIRED, "companyName", "A company name is required.")
            )
        return errors
    if company:
        errors.append(
            FieldError(ErrorCode.INVALID, "companyName", "A person cannot become a company.")
        )
    if not first:
        errors.append(FieldError(ErrorCode.REQUIRED, "firstName", "A first name is required."))
    if not last:
        errors.append(FieldError(ErrorCode.REQUIRED, "lastName", "A last name is required."))
    return errors


async def currency_error(conn: AsyncConnection, abbr: str) -> FieldError | None:
    """Why `abbr` is not a stored currency, or None."""
    known = (await conn.execute(select(exists().where(currency_t.c.abbreviation == abbr)))).scalar()
    if known:
        return None
    return FieldError(ErrorCode.NOT_FOUND, "currencyAbbr", f"Unknown currency {abbr!r}.")
