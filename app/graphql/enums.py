"""GraphQL enums; each value's integer is its legacy wire value and its domain value."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

import strawberry

from app.domain.custom_fields import EntityType

E = TypeVar("E", bound=Enum)


def to_domain(kind: type[E], member: Enum) -> E:
    """The domain enum member with the same value as a GraphQL enum member."""
    return kind(member.value)


@strawberry.enum(description="How the bid value of an opportunity is meant.")
class BidType(Enum):
    FIXED_BID = strawberry.enum_value(0, description="One amount for the whole deal.")
    PER_HOUR = strawberry.enum_value(1, description="An amount per hour.")
    PER_DAY = strawberry.enum_value(2, description="An amount per day.")
    PER_WEEK = strawberry.enum_value(3, description="An amount per week.")
    PER_MONTH = strawberry.enum_value(4, description="An amount per month.")
    PER_YEAR = strawberry.enum_value(5, description="An amount per year.")


@strawberry.enum(description="Whether a stage keeps a deal open or closes it.")
class StageType(Enum):
    OPEN = strawberry.enum_value(0, description="The deal is still in progress.")
    CLOSED_AND_WON = strawberry.enum_value(1, description="The deal is closed and won.")
    CLOSED_AND_LOST = strawberry.enum_value(2, description="The deal is closed and lost.")


@strawberry.enum(description="Who may see a contact.")
class ShareType(Enum):
    NONE = strawberry.enum_value(0, description="Private: only the contact's access list.")
    READ_WRITE = strawberry.enum_value(1, description="Everyone may see and edit it.")
    READ = strawberry.enum_value(2, description="Everyone may see it.")


@strawberry.enum(description="How a custom field is edited and shown.")
class CustomFieldType(Enum):
    TEXT_FIELD = strawberry.enum_value(0, description="A single line of text.")
    TEXT_AREA = strawberry.enum_value(1, description="Several lines of text.")
    SELECT_BOX = strawberry.enum_value(2, description="One of the options listed in the mask.")
    CHECK_BOX = strawberry.enum_value(3, description="Yes or no.")
    HEADING = strawberry.enum_value(4, description="A heading that groups the fields after it.")
    DATE = strawberry.enum_value(5, description="A date.")


@strawberry.enum(description="What kind of record a custom field belongs to.")
class CustomFieldEntityType(Enum):
    OPPORTUNITY = strawberry.enum_value("opportunity", description="Opportunities (deals).")
    CONTACT = strawberry.enum_value("contact", description="Contacts.")


def entity_type_name(kind: CustomFieldEntityType) -> EntityType:
    """The domain name of a custom-field owner."""
    return "contact" if kind is CustomFieldEntityType.CONTACT else "opportunity"


@strawberry.enum(description="Why an input was refused.")
class UserErrorCode(Enum):
    REQUIRED = strawberry.enum_value("REQUIRED", description="A required value is missing.")
    INVALID = strawberry.enum_value("INVALID", description="The value is not acceptable.")
    TOO_LONG = strawberry.enum_value("TOO_LONG", description="The value is too long.")
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND", description="The referenced record does not exist."
    )
    FORBIDDEN = strawberry.enum_value(
        "FORBIDDEN",
        description="The caller may not use or change the referenced record.",
    )
    CONFLICT = strawberry.enum_value(
        "CONFLICT", description="The request conflicts with the stored state."
    )
