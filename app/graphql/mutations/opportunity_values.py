"""An opportunity's values as createOpportunity and updateOpportunity take them, and their
mappings to the domain's `NewOpportunity` and `OpportunityPatch`.

The two inputs declare the same values with descriptions of their own (an update changes
only the values it gives; a create's primary contact also becomes a member...), so each
declares them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import UNSET

from app.domain import enums as domain
from app.domain.opportunities import NewOpportunity
from app.domain.opportunity_patch import NAMES, OpportunityPatch
from app.graphql.enums import BidType, to_domain
from app.graphql.ids import employee_key, employee_keys, key, keys, optional_key
from app.graphql.scalars import as_utc

OPPORTUNITY_ID = "The opportunity's global id, or its legacy integer id."
IS_PRIVATE = "Make the deal private; needs a non-empty access list, else the deal is public."
ACCESS_LIST = "Who may see a private deal; the caller is always added, unknown users dropped."


@strawberry.input(description="A value for one custom field.")
class CustomFieldValueInput:
    field_id: strawberry.ID = strawberry.field(description="Id of the custom field definition.")
    value: str = strawberry.field(
        description="The value; trimmed, and skipped when empty. Not checked against the type."
    )


@strawberry.input(description="A new opportunity. Omitted values take the legacy defaults.")
class CreateOpportunityInput:
    title: str = strawberry.field(description="Short name, 1-255 characters.")
    responsible_id: strawberry.ID = strawberry.field(description="The responsible employee.")
    stage_id: strawberry.ID = strawberry.field(description="The stage the deal starts at.")
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
    contact_id: strawberry.ID | None = strawberry.field(
        default=None, description="Primary contact; it also becomes a member."
    )
    members: list[strawberry.ID] | None = strawberry.field(
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
    is_private: bool | None = strawberry.field(
        default=False,
        description="Make the deal private; needs a non-empty access list. Null: false.",
    )
    access_list: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Who may see a private deal; the caller is always added.",
    )
    is_notify: bool | None = strawberry.field(
        default=False,
        description="Notify the access list (but the caller) of their access. Null: false.",
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
    description="What to change in an opportunity: each value given replaces the stored one, "
    "null clears it (to what createOpportunity takes when it is omitted), and a value left "
    "out is kept. title, responsibleId, stageId and bidCurrencyAbbr cannot be cleared "
    "(REQUIRED). With expectedVersion, nothing is written unless it is the stored version."
)
class UpdateOpportunityInput:
    id: strawberry.ID = strawberry.field(description=OPPORTUNITY_ID)
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version the change was made on (Opportunity.version, as read): when "
        "the stored one differs, nothing is written and the answer is a CONFLICT error "
        "carrying the current version, with the opportunity as stored. Null: no check.",
    )
    title: str | None = strawberry.field(default=UNSET, description="Short name, 1-255 characters.")
    responsible_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The responsible employee."
    )
    stage_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The stage the deal is at."
    )
    bid_currency_abbr: str | None = strawberry.field(
        default=UNSET, description="Currency abbreviation, any case (e.g. eur)."
    )
    description: str | None = strawberry.field(default=UNSET, description="Longer text.")
    bid_type: BidType | None = strawberry.field(
        default=UNSET, description="How the bid value is meant; null: FIXED_BID."
    )
    bid_value: Decimal | None = strawberry.field(
        default=UNSET, description="Amount, exact, at most 9 fraction digits; null: 0."
    )
    per_period_value: int | None = strawberry.field(
        default=UNSET, description="Number of periods for a per-period bid; null: 0."
    )
    success_probability: int | None = strawberry.field(
        default=UNSET, description="Chance of winning, clamped to 0-100; null: 0."
    )
    contact_id: strawberry.ID | None = strawberry.field(
        default=UNSET,
        description="Primary contact; null for none. Unlike on create, it does not become a "
        "member.",
    )
    members: list[strawberry.ID] | None = strawberry.field(
        default=UNSET,
        description="Replaces the members (unknown or hidden contacts are skipped); null or "
        "empty leaves none.",
    )
    actual_close_date: datetime | None = strawberry.field(
        default=UNSET, description="When the deal closed; UTC unless an offset is given."
    )
    expected_close_date: datetime | None = strawberry.field(
        default=UNSET, description="When the deal should close; UTC unless an offset is given."
    )
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET,
        description="Custom-field values to change: each listed field takes its value, trimmed, "
        "and an empty value removes it; fields not listed keep theirs, unknown ones are skipped.",
    )
    is_private: bool | None = strawberry.field(
        default=UNSET,
        description=IS_PRIVATE + " Null: public. Applied only for an administrator or the "
        "deal's creator; ignored for anyone else. Left out with accessList given, the deal "
        "keeps its privacy.",
    )
    access_list: list[strawberry.ID] | None = strawberry.field(
        default=UNSET,
        description=ACCESS_LIST + " Left out with isPrivate given, the stored list is kept.",
    )
    is_notify: bool | None = strawberry.field(
        default=False,
        description="Notify the access list (but the caller) of their access, when it is set; "
        "null: false.",
    )


def field_values(values: Iterable[CustomFieldValueInput]) -> list[tuple[int, str]]:
    """(definition id, value) of each custom-field value given."""
    return [(key(f.field_id, "CustomFieldDefinition"), f.value) for f in values]


def new_opportunity(values: CreateOpportunityInput) -> NewOpportunity:
    """The domain form of a new opportunity's values."""
    return NewOpportunity(
        title=values.title,
        description=values.description,
        responsible_id=employee_key(values.responsible_id),
        stage_id=key(values.stage_id, "Stage"),
        bid_currency_abbr=values.bid_currency_abbr,
        bid_type=to_domain(domain.BidType, values.bid_type),
        bid_value=values.bid_value,
        per_period_value=values.per_period_value,
        success_probability=values.success_probability,
        contact_id=optional_key(values.contact_id, "Contact"),
        members=keys(values.members or (), "Contact"),
        actual_close_date=as_utc(values.actual_close_date),
        expected_close_date=as_utc(values.expected_close_date),
        custom_fields=field_values(values.custom_fields or ()),
        # Null stands for the default (a non-null type with a default is "missing" to GraphiQL).
        is_private=bool(values.is_private),
        access_list=employee_keys(values.access_list or ()),
        is_notify=bool(values.is_notify),
    )


# How an update's given values become the domain's; the others are taken as they are.
CONVERTED: dict[str, Callable[[Any], Any]] = {
    "bid_type": lambda value: to_domain(domain.BidType, value),
    "actual_close_date": as_utc,
    "expected_close_date": as_utc,
    "custom_fields": field_values,
    "responsible_id": employee_key,
    "stage_id": lambda value: key(value, "Stage"),
    "contact_id": lambda value: key(value, "Contact"),
    "members": lambda values: keys(values, "Contact"),
    "access_list": employee_keys,
}
PATCHED = [name for name in NAMES if name != "is_notify"]


def opportunity_patch(values: UpdateOpportunityInput) -> OpportunityPatch:
    """The domain form of an update: the values given (None clears), and isNotify."""
    given: dict[str, Any] = {"is_notify": bool(values.is_notify)}
    for name in PATCHED:
        value = getattr(values, name)
        if value is not UNSET:
            convert = CONVERTED.get(name)
            given[name] = convert(value) if convert and value is not None else value
    return OpportunityPatch(given)
