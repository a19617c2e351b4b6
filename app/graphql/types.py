"""GraphQL object types; plain columns are attributes, relations go through the loaders."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from app.domain import listing, reads
from app.domain.access import can_edit_contact, can_edit_opportunity
from app.domain.contacts import display_name
from app.domain.enums import ShareType as DomainShareType
from app.domain.paging import PageRequest
from app.graphql.connections import (
    AFTER,
    BEFORE,
    FIRST,
    LAST,
    Connection,
    connection,
    page_request,
    refusals_as_graphql_errors,
    wants_total,
)
from app.graphql.context import Info
from app.graphql.enums import (
    BidType,
    CustomFieldEntityType,
    CustomFieldType,
    ShareType,
    StageType,
)
from app.graphql.filters import OpportunityOrder, opportunity_order
from app.graphql.loaders import Soon, then
from app.graphql.prefetch import load_deal_relations

Row = Mapping[Any, Any]
DEFAULT_AVATAR = "/skins/default/images/default_user_photo_size_32-32.png"
PHOTO_URL = (
    "/Products/CRM/HttpHandlers/filehandler.ashx"
    "?action=contactphotoulr&cid={id}&isc={company}&ps={size}"
)


def _employee(row: Row | None) -> Employee:
    assert row is not None, "deals refer to employees by foreign key"
    return Employee.from_row(row)


def _maybe_employee(row: Row | None) -> Employee | None:
    return Employee.from_row(row) if row is not None else None


def _employees(rows: Sequence[Row]) -> list[Employee]:
    return [Employee.from_row(row) for row in rows]


@strawberry.type(
    description="A portal user: responsible for deals, their creator, or on an access list."
)
class Employee:
    id: uuid.UUID = strawberry.field(description="The user's id.")
    display_name: str = strawberry.field(description="Name shown for the user.")
    title: str | None = strawberry.field(description="Job title, if any.")
    is_admin: bool = strawberry.field(description="Whether the user administers the CRM.")
    avatar_small: str = strawberry.field(
        description="Path of the user's small avatar image.", default=DEFAULT_AVATAR
    )

    @strawberry.field(description="Absolute URL of the user's profile page.")
    def profile_url(self, info: Info) -> str:
        return f"{info.context.settings.public_url}/Products/People/Profile.aspx?user={self.id}"

    @classmethod
    def from_row(cls, row: Row) -> Employee:
        return cls(
            id=row["id"],
            display_name=row["display_name"],
            title=row["title"],
            is_admin=row["is_admin"],
        )


@strawberry.type(description="A currency deals can be valued in.")
class Currency:
    abbreviation: str = strawberry.field(description="ISO-style code, e.g. EUR; the currency's id.")
    title: str = strawberry.field(description="English name.")
    symbol: str = strawberry.field(description="Symbol, e.g. €.")
    culture_name: str = strawberry.field(description="Two-letter region code.")
    is_convertable: bool = strawberry.field(description="Whether exchange rates are known for it.")
    is_basic: bool = strawberry.field(description="Whether it is one of the basic currencies.")

    @classmethod
    def from_row(cls, row: Row) -> Currency:
        return cls(
            abbreviation=row["abbreviation"],
            title=row["title"],
            symbol=row["symbol"],
            culture_name=row["culture_name"],
            is_convertable=row["is_convertable"],
            is_basic=row["is_basic"],
        )


def _currency(info: Info, abbr: str | None) -> Soon[Currency | None]:
    if not abbr:
        return None
    return then(
        info.context.loaders.currencies.lookup(abbr),
        lambda row: Currency.from_row(row) if row is not None else None,
    )


@strawberry.type(description="A stage (milestone) of the sales pipeline.")
class Stage:
    id: int = strawberry.field(description="The stage's id.")
    title: str = strawberry.field(description="Name of the stage.")
    description: str = strawberry.field(description="What the stage means; empty when not set.")
    color: str = strawberry.field(description="Colour used to draw the stage, e.g. #b58fd6.")
    success_probability: int = strawberry.field(
        description="Chance of winning at this stage, 0-100."
    )
    stage_type: StageType = strawberry.field(description="Whether the stage is open, won or lost.")
    sort_order: int = strawberry.field(description="Position in the pipeline, from 0.")

    @strawberry.field(
        description="How many opportunities the caller may see at this stage.", graphql_type=int
    )
    def opportunity_count(self, info: Info) -> Soon[int]:
        return then(info.context.loaders.opportunity_count_by_stage.load(self.id), int)

    @classmethod
    def from_row(cls, row: Row) -> Stage:
        return cls(
            id=row["id"],
            title=row["title"],
            description=row["description"] or "",
            color=row["color"],
            success_probability=row["success_probability"],
            stage_type=StageType(row["stage_type"]),
            sort_order=row["sort_order"],
        )


def _stage(row: Row | None) -> Stage:
    assert row is not None, "the stage of a deal always exists (foreign key)"
    return Stage.from_row(row)


@strawberry.type(description="A person or a company.")
class Contact:
    id: int = strawberry.field(description="The contact's id.")
    is_company: bool = strawberry.field(description="True for a company, false for a person.")
    first_name: str | None = strawberry.field(description="A person's first name.")
    last_name: str | None = strawberry.field(description="A person's last name.")
    company_name: str | None = strawberry.field(description="A company's name.")
    title: str | None = strawberry.field(description="A person's job title.")
    share_type: ShareType = strawberry.field(description="Who may see the contact.")
    created: datetime = strawberry.field(description="When the contact was created.")
    # Computed from the columns when the object is built: plain fields cost GraphQL less
    # than resolvers.
    display_name: str = strawberry.field(
        description="'First Last' for a person, the name of a company."
    )
    small_foto_url: str = strawberry.field(description="Path of the small photo.")
    medium_foto_url: str = strawberry.field(description="Path of the medium photo.")
    is_private: bool = strawberry.field(
        description="True when only the access list may see the contact."
    )
    is_shared: bool = strawberry.field(description="True when everyone may see the contact.")
    created_by_id: strawberry.Private[uuid.UUID | None]
    currency_abbr: strawberry.Private[str | None]

    @strawberry.field(
        description="Who may see a private contact; empty for a shared one.",
        graphql_type=list[Employee],
    )
    def access_list(self, info: Info) -> Soon[list[Employee]]:
        if self.share_type is not ShareType.NONE:
            return []
        return then(info.context.loaders.access_list_by_contact.load(self.id), _employees)

    @strawberry.field(description="The contact's currency, if set.", graphql_type=Currency | None)
    def currency(self, info: Info) -> Soon[Currency | None]:
        return _currency(info, self.currency_abbr)

    @strawberry.field(description="Who created the contact.", graphql_type=Employee | None)
    def create_by(self, info: Info) -> Soon[Employee | None]:
        if self.created_by_id is None:
            return None
        return then(info.context.loaders.employee_by_id.load(self.created_by_id), _maybe_employee)

    @strawberry.field(description="Whether the caller may change the contact.", graphql_type=bool)
    def can_edit(self, info: Info) -> Soon[bool]:
        return self._editable(info)

    @strawberry.field(description="Whether the caller may delete the contact.", graphql_type=bool)
    def can_delete(self, info: Info) -> Soon[bool]:
        return self._editable(info)

    def _editable(self, info: Info) -> Soon[bool]:
        caller = info.context.caller

        def editable(access: Sequence[Row]) -> bool:
            return can_edit_contact(
                caller,
                share_type=int(self.share_type.value),
                created_by=self.created_by_id,
                access_ids=[row["id"] for row in access],
            )

        if self.share_type is not ShareType.NONE:
            return editable([])
        return then(info.context.loaders.access_list_by_contact.load(self.id), editable)

    @strawberry.field(
        description="Opportunities with this contact as primary contact or member (visible ones)."
    )
    async def opportunities(
        self,
        info: Info,
        order_by: Annotated[
            list[OpportunityOrder] | None, strawberry.argument(description="Ordering terms.")
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        last: Annotated[int | None, strawberry.argument(description=LAST)] = None,
        before: Annotated[str | None, strawberry.argument(description=BEFORE)] = None,
    ) -> Connection[Opportunity]:
        return await opportunity_connection(
            info,
            where=listing.OpportunityFilter(contact_id=self.id, contact_also_member=True),
            order_by=order_by,
            request=page_request(info, first=first, after=after, last=last, before=before),
        )

    @classmethod
    def from_row(cls, row: Row) -> Contact:
        share_type = ShareType(DomainShareType(row["share_type"]).value)
        return cls(
            id=row["id"],
            is_company=row["is_company"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            company_name=row["company_name"],
            title=row["title"],
            share_type=share_type,
            created=row["created_at"],
            display_name=display_name(row),
            small_foto_url=PHOTO_URL.format(id=row["id"], company=row["is_company"], size=1),
            medium_foto_url=PHOTO_URL.format(id=row["id"], company=row["is_company"], size=2),
            is_private=share_type is ShareType.NONE,
            is_shared=share_type is not ShareType.NONE,
            created_by_id=row["created_by"],
            currency_abbr=row["currency_abbr"],
        )


@strawberry.type(description="The value of one custom field on one opportunity.")
class CustomField:
    id: int = strawberry.field(description="The field definition's id.")
    entity_id: int = strawberry.field(description="The opportunity's id.")
    label: str = strawberry.field(description="The field's label.")
    field_value: str | None = strawberry.field(description="The value; null for headings.")
    field_type: CustomFieldType = strawberry.field(description="How the field is edited.")
    position: int = strawberry.field(description="Order among the fields.")
    mask: str = strawberry.field(description="Options or format, depending on the field type.")

    @classmethod
    def from_row(cls, row: Row) -> CustomField:
        return cls(
            id=row["id"],
            entity_id=row["opportunity_id"],
            label=row["label"],
            field_value=row["value"],
            field_type=CustomFieldType(row["field_type"]),
            position=row["position"],
            mask=row["mask"],
        )


@strawberry.type(description="A custom field that opportunities (or contacts) can carry.")
class CustomFieldDefinition:
    id: int = strawberry.field(description="The definition's id.")
    entity_type: CustomFieldEntityType = strawberry.field(description="What the field belongs to.")
    label: str = strawberry.field(description="The field's label.")
    field_type: CustomFieldType = strawberry.field(description="How the field is edited.")
    position: int = strawberry.field(description="Order among the fields.")
    mask: str = strawberry.field(description="Options or format, depending on the field type.")
    known_value_count: strawberry.Private[int | None]

    @strawberry.field(
        description="How many opportunities the caller may see have a value for this field."
    )
    async def value_count(self, info: Info) -> int:
        if self.known_value_count is not None:
            return self.known_value_count
        async with info.context.db.read() as conn:
            counts = await reads.field_value_counts(conn, info.context.caller, [self.id])
        return counts.get(self.id, 0)

    @classmethod
    def from_row(cls, row: Row, *, value_count: int | None = None) -> CustomFieldDefinition:
        return cls(
            id=row["id"],
            entity_type=CustomFieldEntityType(row["entity_type"]),
            label=row["label"],
            field_type=CustomFieldType(row["field_type"]),
            position=row["position"],
            mask=row["mask"],
            known_value_count=value_count,
        )


def _primary(found: reads.DealContacts) -> Contact | None:
    return Contact.from_row(found.primary) if found.primary is not None else None


def _members(found: reads.DealContacts) -> list[Contact]:
    return [Contact.from_row(row) for row in found.members]


def _fields(rows: Sequence[Row]) -> list[CustomField]:
    return [CustomField.from_row(row) for row in rows]


@strawberry.type(description="An opportunity (deal).")
class Opportunity:
    id: int = strawberry.field(description="The opportunity's id.")
    title: str = strawberry.field(description="Short name of the deal.")
    description: str | None = strawberry.field(description="Longer text about the deal.")
    created: datetime = strawberry.field(description="When the deal was created.")
    bid_type: BidType = strawberry.field(description="How the bid value is meant.")
    bid_value: Decimal | None = strawberry.field(
        description="Amount of the deal, exact, up to 9 fraction digits."
    )
    per_period_value: int | None = strawberry.field(
        description="Number of periods for a per-period bid."
    )
    success_probability: int = strawberry.field(description="Chance of winning, 0-100.")
    actual_close_date: datetime | None = strawberry.field(description="When the deal was closed.")
    expected_close_date: datetime | None = strawberry.field(
        description="When the deal is expected to close."
    )
    is_private: bool = strawberry.field(description="True when only the access list may see it.")
    created_by_id: strawberry.Private[uuid.UUID | None]
    responsible_id: strawberry.Private[uuid.UUID]
    contact_id: strawberry.Private[int | None]
    stage_id: strawberry.Private[int]
    bid_currency_abbr: strawberry.Private[str | None]

    @strawberry.field(description="Who created the deal.", graphql_type=Employee)
    def create_by(self, info: Info) -> Soon[Employee]:
        employee_id = self.created_by_id or self.responsible_id
        return then(info.context.loaders.employee_by_id.load(employee_id), _employee)

    @strawberry.field(description="Who is responsible for the deal.", graphql_type=Employee)
    def responsible(self, info: Info) -> Soon[Employee]:
        return then(info.context.loaders.employee_by_id.load(self.responsible_id), _employee)

    @strawberry.field(
        description="The primary contact, if set and visible to the caller.",
        graphql_type=Contact | None,
    )
    def contact(self, info: Info) -> Soon[Contact | None]:
        if self.contact_id is None:
            return None
        return then(info.context.loaders.contacts_by_opportunity.load(self.id), _primary)

    @strawberry.field(
        description="Contacts taking part in the deal (the primary contact included).",
        graphql_type=list[Contact],
    )
    def members(self, info: Info) -> Soon[list[Contact]]:
        return then(info.context.loaders.contacts_by_opportunity.load(self.id), _members)

    @strawberry.field(description="Currency of the bid value.", graphql_type=Currency | None)
    def bid_currency(self, info: Info) -> Soon[Currency | None]:
        return _currency(info, self.bid_currency_abbr)

    @strawberry.field(description="The stage the deal is at.", graphql_type=Stage)
    def stage(self, info: Info) -> Soon[Stage]:
        return then(info.context.loaders.stages.lookup(self.stage_id), _stage)

    @strawberry.field(
        description="Who may see a private deal; empty for a public one.",
        graphql_type=list[Employee],
    )
    def access_list(self, info: Info) -> Soon[list[Employee]]:
        if not self.is_private:
            return []
        return then(info.context.loaders.access_list_by_opportunity.load(self.id), _employees)

    @strawberry.field(description="Whether the caller may change the deal.", graphql_type=bool)
    def can_edit(self, info: Info) -> Soon[bool]:
        return self._editable(info)

    @strawberry.field(description="Whether the caller may delete the deal.", graphql_type=bool)
    def can_delete(self, info: Info) -> Soon[bool]:
        return self._editable(info)

    def _editable(self, info: Info) -> Soon[bool]:
        caller = info.context.caller

        def editable(access: Sequence[Row]) -> bool:
            return can_edit_opportunity(
                caller,
                responsible_id=self.responsible_id,
                created_by=self.created_by_id,
                is_private=self.is_private,
                access_ids=[row["id"] for row in access],
            )

        if not self.is_private:
            return editable([])
        return then(info.context.loaders.access_list_by_opportunity.load(self.id), editable)

    @strawberry.field(
        description="Custom-field values set on the deal, and every heading.",
        graphql_type=list[CustomField],
    )
    def custom_fields(self, info: Info) -> Soon[list[CustomField]]:
        return then(info.context.loaders.custom_fields_by_opportunity.load(self.id), _fields)

    @classmethod
    def from_row(cls, row: Row) -> Opportunity:
        return cls(
            id=row["id"],
            title=row["title"],
            description=row["description"],
            created=row["created_at"],
            bid_type=BidType(row["bid_type"]),
            bid_value=row["bid_value"],
            per_period_value=row["per_period_value"],
            success_probability=row["success_probability"],
            actual_close_date=row["actual_close_date"],
            expected_close_date=row["expected_close_date"],
            is_private=row["is_private"],
            created_by_id=row["created_by"],
            responsible_id=row["responsible_id"],
            contact_id=row["contact_id"],
            stage_id=row["stage_id"],
            bid_currency_abbr=row["bid_currency"],
        )


async def opportunity_connection(
    info: Info,
    *,
    where: listing.OpportunityFilter,
    order_by: list[OpportunityOrder] | None,
    request: PageRequest,
) -> Connection[Opportunity]:
    """A page of opportunities as a connection; deals on the page prime the by-id loader."""
    with refusals_as_graphql_errors():
        page = await listing.opportunity_page(
            db=info.context.db,
            caller=info.context.caller,
            where=where,
            order=opportunity_order(order_by),
            page=request,
            with_total=wants_total(info),
        )
    await load_deal_relations(info, page.rows, "edges", "node")
    return connection(page, Opportunity.from_row)
