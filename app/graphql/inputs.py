"""Mutation inputs and payloads."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import strawberry

from app.domain.errors import DomainError
from app.graphql.enums import (
    BidType,
    CustomFieldEntityType,
    CustomFieldType,
    ShareType,
    UserErrorCode,
)
from app.graphql.scalars import as_utc
from app.graphql.types import Contact, CustomFieldDefinition, Opportunity

__all__ = ["as_utc"]


ERRORS_DESCRIPTION = "Why it was refused; empty on success."


@strawberry.type(description="Why part of an input was refused.")
class UserError:
    code: UserErrorCode = strawberry.field(description="Machine-readable reason.")
    field: str | None = strawberry.field(
        description="The input field it is about (camelCase), or null for the whole input."
    )
    message: str = strawberry.field(description="Human-readable explanation.")


def user_errors(error: DomainError) -> list[UserError]:
    """The payload form of a domain refusal."""
    return [
        UserError(code=UserErrorCode(e.code.value), field=e.field, message=e.message)
        for e in error.errors
    ]


@strawberry.input(description="A value for one custom field.")
class CustomFieldValueInput:
    field_id: int = strawberry.field(description="Id of the custom field definition.")
    value: str = strawberry.field(
        description="The value; trimmed, and skipped when empty. Not checked against the type."
    )


@strawberry.input(description="A new opportunity. Omitted values take the legacy defaults.")
class CreateOpportunityInput:
    title: str = strawberry.field(description="Short name, 1-255 characters.")
    responsible_id: uuid.UUID = strawberry.field(description="The responsible employee.")
    stage_id: int = strawberry.field(description="The stage the deal starts at.")
    bid_currency_abbr: str = strawberry.field(
        description="Currency abbreviation, any case (e.g. eur)."
    )
    description: str | None = strawberry.field(default=None, description="Longer text.")
    bid_type: BidType = strawberry.field(
        default=BidType.FIXED_BID, description="How the bid value is meant."
    )
    bid_value: Decimal | None = strawberry.field(
        default=None,
        description="Amount, exact, at most 9 fraction digits; 0 when omitted.",
    )
    per_period_value: int | None = strawberry.field(
        default=None,
        description="Number of periods for a per-period bid; 0 when omitted.",
    )
    success_probability: int | None = strawberry.field(
        default=None,
        description="Chance of winning, clamped to 0-100; 0 when omitted (not the stage's).",
    )
    contact_id: int | None = strawberry.field(
        default=None, description="Primary contact; it also becomes a member."
    )
    members: list[int] | None = strawberry.field(
        default=None,
        description="Contacts taking part; unknown or hidden ones are skipped.",
    )
    actual_close_date: datetime | None = strawberry.field(
        default=None, description="When the deal closed; UTC unless an offset is given."
    )
    expected_close_date: datetime | None = strawberry.field(
        default=None,
        description="When the deal should close; UTC unless an offset is given.",
    )
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=None,
        description="Custom-field values; unknown fields and empty values are skipped.",
    )
    is_private: bool = strawberry.field(
        default=False,
        description="Make the deal private; needs a non-empty access list.",
    )
    access_list: list[uuid.UUID] | None = strawberry.field(
        default=None,
        description="Who may see a private deal; the caller is always added.",
    )
    is_notify: bool = strawberry.field(
        default=False,
        description="Notify the access list (but the caller) of their access.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description=(
            "Makes the create safe to retry: a repeat with the same key and input returns the "
            "first result; another input under the key is a CONFLICT. Defaults to the request's "
            "Idempotency-Key header. Scoped to your API key; expires after a day by default."
        ),
    )


@strawberry.type(description="The result of createOpportunity.")
class CreateOpportunityPayload:
    opportunity: Opportunity | None = strawberry.field(
        description="The created deal; null when refused."
    )
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.input(description="A new contact: a person (first and last name) or a company.")
class CreateContactInput:
    first_name: str | None = strawberry.field(default=None, description="A person's first name.")
    last_name: str | None = strawberry.field(default=None, description="A person's last name.")
    company_name: str | None = strawberry.field(default=None, description="A company's name.")
    title: str | None = strawberry.field(default=None, description="A person's job title.")
    share_type: ShareType = strawberry.field(
        default=ShareType.READ_WRITE, description="Who may see the contact."
    )
    access_list: list[uuid.UUID] | None = strawberry.field(
        default=None,
        description="Who may see a private contact; the caller is always added.",
    )
    currency_abbr: str | None = strawberry.field(
        default=None, description="The contact's currency."
    )


@strawberry.type(description="The result of createContact.")
class CreateContactPayload:
    contact: Contact | None = strawberry.field(
        description="The created contact; null when refused."
    )
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.input(description="A new custom field definition.")
class CreateCustomFieldDefinitionInput:
    label: str = strawberry.field(description="The field's label, 1-255 characters.")
    field_type: CustomFieldType = strawberry.field(
        default=CustomFieldType.TEXT_FIELD, description="How the field is edited."
    )
    position: int = strawberry.field(default=0, description="Order; 0 puts it after the last.")
    mask: str = strawberry.field(default="", description="Options or format for the field type.")
    entity_type: CustomFieldEntityType = strawberry.field(
        default=CustomFieldEntityType.OPPORTUNITY,
        description="What the field belongs to.",
    )


@strawberry.type(description="The result of createCustomFieldDefinition.")
class CreateCustomFieldDefinitionPayload:
    custom_field_definition: CustomFieldDefinition | None = strawberry.field(
        description="The created definition; null when refused."
    )
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")
