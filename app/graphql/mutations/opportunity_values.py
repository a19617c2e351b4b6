"""An opportunity's values as createOpportunity and updateOpportunity take them, and their one
mapping to the domain's `NewOpportunity`.

The two inputs declare the same values with descriptions of their own (an update replaces
every value; a create's primary contact also becomes a member...), so each declares them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import strawberry

from app.domain import enums as domain
from app.domain.opportunities import NewOpportunity
from app.graphql.enums import BidType, to_domain
from app.graphql.scalars import as_utc

OPPORTUNITY_ID = "The opportunity's id."
IS_PRIVATE = "Make the deal private; needs a non-empty access list, else the deal is public."
ACCESS_LIST = "Who may see a private deal; the caller is always added, unknown users dropped."


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


@strawberry.input(
    description="An opportunity's new values, as the original's PUT: every value is replaced "
    "and omitted ones take the defaults createOpportunity gives them."
)
class UpdateOpportunityInput:
    id: int = strawberry.field(description=OPPORTUNITY_ID)
    title: str = strawberry.field(description="Short name, 1-255 characters.")
    responsible_id: uuid.UUID = strawberry.field(description="The responsible employee.")
    stage_id: int = strawberry.field(description="The stage the deal is at.")
    bid_currency_abbr: str = strawberry.field(
        description="Currency abbreviation, any case (e.g. eur)."
    )
    description: str | None = strawberry.field(
        default=None, description="Longer text; cleared when omitted."
    )
    bid_type: BidType = strawberry.field(
        default=BidType.FIXED_BID, description="How the bid value is meant."
    )
    bid_value: Decimal | None = strawberry.field(
        default=None, description="Amount, exact, at most 9 fraction digits; 0 when omitted."
    )
    per_period_value: int | None = strawberry.field(
        default=None, description="Number of periods for a per-period bid; 0 when omitted."
    )
    success_probability: int | None = strawberry.field(
        default=None,
        description="Chance of winning, clamped to 0-100; 0 when omitted (not the stage's).",
    )
    contact_id: int | None = strawberry.field(
        default=None,
        description="Primary contact; none when omitted. Unlike on create, it does not "
        "become a member.",
    )
    members: list[int] | None = strawberry.field(
        default=None,
        description="Replaces the members when non-empty (unknown or hidden contacts are "
        "skipped); omitted or empty keeps them.",
    )
    actual_close_date: datetime | None = strawberry.field(
        default=None, description="When the deal closed; UTC unless an offset is given."
    )
    expected_close_date: datetime | None = strawberry.field(
        default=None, description="When the deal should close; UTC unless an offset is given."
    )
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=None,
        description="Custom-field values to set; unknown fields and empty values are skipped, "
        "so values cannot be cleared here (setOpportunityCustomField can). Others are kept.",
    )
    is_private: bool = strawberry.field(
        default=False,
        description=IS_PRIVATE + " Applied only for an administrator or the deal's creator; "
        "ignored for anyone else.",
    )
    access_list: list[uuid.UUID] | None = strawberry.field(default=None, description=ACCESS_LIST)
    is_notify: bool = strawberry.field(
        default=False,
        description="Notify the access list (but the caller) of their access, when it is set.",
    )


def new_opportunity(values: CreateOpportunityInput | UpdateOpportunityInput) -> NewOpportunity:
    """The domain form of an opportunity's values, created or replaced."""
    return NewOpportunity(
        title=values.title,
        description=values.description,
        responsible_id=values.responsible_id,
        stage_id=values.stage_id,
        bid_currency_abbr=values.bid_currency_abbr,
        bid_type=to_domain(domain.BidType, values.bid_type),
        bid_value=values.bid_value,
        per_period_value=values.per_period_value,
        success_probability=values.success_probability,
        contact_id=values.contact_id,
        members=values.members or (),
        actual_close_date=as_utc(values.actual_close_date),
        expected_close_date=as_utc(values.expected_close_date),
        custom_fields=[(f.field_id, f.value) for f in values.custom_fields or ()],
        is_private=values.is_private,
        access_list=values.access_list or (),
        is_notify=values.is_notify,
    )
