"""List arguments: filters and orderings, and their domain forms."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from app.domain import contact_listing, listing
from app.domain.enums import StageType as DomainStageType
from app.graphql.connections import OrderDirection
from app.graphql.enums import StageType, to_domain
from app.graphql.ids import employee_key, optional_key
from app.graphql.scalars import as_utc


@strawberry.input(description="Which opportunities to list; every condition given must hold.")
class OpportunityFilter:
    responsible_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only deals this employee is responsible for (global id or legacy UUID).",
    )
    stage_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only deals at this stage (global id or legacy integer)."
    )
    stage_type: StageType | None = strawberry.field(
        default=None, description="Only deals at an open, won or lost stage."
    )
    contact_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only deals whose primary contact is this one (global id or legacy integer).",
    )
    contact_also_member: bool | None = strawberry.field(
        default=False,
        description="With contactId: also deals where the contact is a member; null: false.",
    )
    close_date_from: datetime | None = strawberry.field(
        default=None,
        description="Close date on or after this (expected date at open stages, actual otherwise).",
    )
    close_date_to: datetime | None = strawberry.field(
        default=None, description="Close date on or before this."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Words that must each start a word of the title or the description.",
    )

    def to_domain(self) -> listing.OpportunityFilter:
        """The domain form."""
        return listing.OpportunityFilter(
            responsible_id=(
                None if self.responsible_id is None else employee_key(self.responsible_id)
            ),
            stage_id=optional_key(self.stage_id, "Stage"),
            stage_type=to_domain(DomainStageType, self.stage_type) if self.stage_type else None,
            contact_id=optional_key(self.contact_id, "Contact"),
            contact_also_member=bool(self.contact_also_member),
            close_date_from=as_utc(self.close_date_from),
            close_date_to=as_utc(self.close_date_to),
            search=self.search,
        )


@strawberry.enum(description="What opportunities can be ordered by.")
class OpportunityOrderField(Enum):
    TITLE = strawberry.enum_value("title", description="The title.")
    RESPONSIBLE = strawberry.enum_value("responsible", description="The responsible's name.")
    STAGE = strawberry.enum_value("stage", description="The stage's place in the pipeline.")
    BID_VALUE = strawberry.enum_value("bid_value", description="The bid value.")
    CLOSE_DATE = strawberry.enum_value(
        "close_date", description="Expected close date at open stages, actual otherwise."
    )
    CREATED = strawberry.enum_value("created", description="When the deal was created.")
    ID = strawberry.enum_value("id", description="The id.")
    CONTACT = strawberry.enum_value(
        "contact", description="The primary contact's id (none first, as 0)."
    )
    ACTUAL_CLOSE_DATE = strawberry.enum_value(
        "actual_close_date", description="The actual close date (unset counts as the earliest)."
    )
    EXPECTED_CLOSE_DATE = strawberry.enum_value(
        "expected_close_date",
        description="The expected close date (unset counts as the earliest).",
    )


@strawberry.input(description="One ordering term; ties are broken by the next term, then by id.")
class OpportunityOrder:
    field: OpportunityOrderField = strawberry.field(description="What to order by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Which way."
    )


@strawberry.input(description="Which contacts to list.")
class ContactFilter:
    search: str | None = strawberry.field(
        default=None, description="Words that must each start a word of the name."
    )
    is_company: bool | None = strawberry.field(
        default=None, description="Only companies (true) or only persons (false)."
    )
    is_shared: bool | None = strawberry.field(
        default=None,
        description="Only contacts everyone may see (true) or only private ones (false).",
    )
    created_from: datetime | None = strawberry.field(
        default=None, description="Only contacts created at or after this time."
    )
    created_to: datetime | None = strawberry.field(
        default=None, description="Only contacts created at or before this time."
    )

    def to_domain(self) -> contact_listing.ContactFilter:
        """The domain form."""
        return contact_listing.ContactFilter(
            search=self.search,
            is_company=self.is_company,
            is_shared=self.is_shared,
            created_from=self.created_from,
            created_to=self.created_to,
        )


@strawberry.enum(description="What contacts can be ordered by.")
class ContactOrderField(Enum):
    DISPLAY_NAME = strawberry.enum_value("display_name", description="The displayed name.")
    CREATED = strawberry.enum_value("created", description="When the contact was created.")
    ID = strawberry.enum_value("id", description="The id.")


@strawberry.input(description="One ordering term for contacts.")
class ContactOrder:
    field: ContactOrderField = strawberry.field(description="What to order by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Which way."
    )


def opportunity_order(
    terms: list[OpportunityOrder] | None,
) -> list[tuple[listing.OpportunitySort, bool]]:
    """The domain form of an orderBy list."""
    return [
        (to_domain(listing.OpportunitySort, t.field), t.direction is OrderDirection.DESC)
        for t in terms or ()
    ]


def contact_order(
    terms: list[ContactOrder] | None,
) -> list[tuple[contact_listing.ContactSort, bool]]:
    """The domain form of a contact orderBy list."""
    return [
        (to_domain(contact_listing.ContactSort, t.field), t.direction is OrderDirection.DESC)
        for t in terms or ()
    ]
