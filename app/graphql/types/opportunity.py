"""Opportunities: their columns, their relations (each declaring what it loads ahead), pages."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from operator import itemgetter

import strawberry
from strawberry import relay

from app.domain import listing, reads
from app.domain.access import can_edit_opportunity
from app.domain.paging import PageRequest
from app.graphql.columns_read import ColumnsRead
from app.graphql.connections import (
    Connection,
    connection,
    refusals_as_graphql_errors,
    wants_total,
)
from app.graphql.context import Info
from app.graphql.enums import BidType
from app.graphql.filters import OpportunityOrder, opportunity_order
from app.graphql.ids import GLOBAL_ID, global_id
from app.graphql.loaders import MaybeAwaitable, Row, map_when_loaded
from app.graphql.types.contact import Contact
from app.graphql.types.custom_fields import CustomField, custom_field_list
from app.graphql.types.employee import (
    Employee,
    access_list_rows,
    employee_list,
    referenced_employee,
)
from app.graphql.types.load_ahead import load_ahead, loads_ahead
from app.graphql.types.reference import (
    Currency,
    Stage,
    currency_by_abbreviation,
    stage_by_id,
)
from app.graphql.types.row_backed import member, row_backed

# Read by accessList, canEdit and canDelete alike: only a private opportunity has one.
ACCESS_LIST = loads_ahead(
    lambda loaders: loaders.access_list_by_opportunity,
    key=lambda row: row["id"] if row["is_private"] else None,
)


def _primary(found: reads.OpportunityContacts) -> Contact | None:
    return Contact.from_row(found.primary) if found.primary is not None else None


def _members(found: reads.OpportunityContacts) -> list[Contact]:
    return [Contact.from_row(row) for row in found.members]


@strawberry.type(description="An opportunity (deal).")
class Opportunity(relay.Node):
    # The database id; GraphQL's `id` is the global id built from it (Node).
    id: relay.NodeID[int]
    # Built with the object: a plain field answers faster than relay.Node's resolver.
    _id: strawberry.ID = strawberry.field(name="id", description=GLOBAL_ID)

    @strawberry.field(description="The id the legacy REST routes use for the deal.")
    def database_id(self) -> int:
        return self.id

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
    version: int = strawberry.field(
        description="Grows by one with every change to the deal, its members, custom-field values "
        "and access list included; send it as expectedVersion to have a change refused (CONFLICT) "
        "if someone else wrote in between."
    )
    updated_at: datetime = strawberry.field(description="When the deal last changed.")
    created_by_id: strawberry.Private[uuid.UUID | None]
    responsible_id: strawberry.Private[uuid.UUID]
    contact_id: strawberry.Private[int | None]
    stage_id: strawberry.Private[int]
    bid_currency_abbr: strawberry.Private[str | None]

    @strawberry.field(description="Who created the deal.", graphql_type=Employee)
    @loads_ahead(
        lambda loaders: loaders.employee_by_id,
        key=lambda row: row["created_by"] or row["responsible_id"],
    )
    def create_by(self, info: Info) -> MaybeAwaitable[Employee]:
        employee_id = self.created_by_id or self.responsible_id
        loaded = info.context.loaders.employee_by_id.now(employee_id)
        return map_when_loaded(loaded, referenced_employee)

    @strawberry.field(description="Who is responsible for the deal.", graphql_type=Employee)
    @loads_ahead(lambda loaders: loaders.employee_by_id, key=lambda row: row["responsible_id"])
    def responsible(self, info: Info) -> MaybeAwaitable[Employee]:
        loaded = info.context.loaders.employee_by_id.now(self.responsible_id)
        return map_when_loaded(loaded, referenced_employee)

    @strawberry.field(
        description="The primary contact, if set and visible to the caller.",
        graphql_type=Contact | None,
    )
    @loads_ahead(
        lambda loaders: loaders.contacts_by_opportunity,
        key=lambda row: row["id"] if row["contact_id"] is not None else None,
    )
    def contact(self, info: Info) -> MaybeAwaitable[Contact | None]:
        if self.contact_id is None:
            return None
        loaded = info.context.loaders.contacts_by_opportunity.now(self.id)
        return map_when_loaded(loaded, _primary)

    @strawberry.field(
        description="Contacts taking part in the deal (the primary contact included).",
        graphql_type=list[Contact],
    )
    @loads_ahead(lambda loaders: loaders.contacts_by_opportunity, key=lambda row: row["id"])
    def members(self, info: Info) -> MaybeAwaitable[list[Contact]]:
        loaded = info.context.loaders.contacts_by_opportunity.now(self.id)
        return map_when_loaded(loaded, _members)

    @strawberry.field(description="Currency of the bid value.", graphql_type=Currency | None)
    @loads_ahead(lambda loaders: loaders.currencies, key=lambda row: row["bid_currency"] or None)
    def bid_currency(self, info: Info) -> MaybeAwaitable[Currency | None]:
        return currency_by_abbreviation(info, self.bid_currency_abbr)

    @strawberry.field(description="The stage the deal is at.", graphql_type=Stage)
    @loads_ahead(lambda loaders: loaders.stages, key=lambda row: row["stage_id"])
    def stage(self, info: Info) -> MaybeAwaitable[Stage | None]:
        return stage_by_id(info, self.stage_id)

    @strawberry.field(
        description="Who may see a private deal; empty for a public one.",
        graphql_type=list[Employee],
    )
    @ACCESS_LIST
    def access_list(self, info: Info) -> MaybeAwaitable[list[Employee]]:
        return map_when_loaded(self._access_rows(info), employee_list)

    @strawberry.field(description="Whether the caller may change the deal.", graphql_type=bool)
    @ACCESS_LIST
    def can_edit(self, info: Info) -> MaybeAwaitable[bool]:
        return self._editable(info)

    @strawberry.field(description="Whether the caller may delete the deal.", graphql_type=bool)
    @ACCESS_LIST
    def can_delete(self, info: Info) -> MaybeAwaitable[bool]:
        return self._editable(info)

    def _access_rows(self, info: Info) -> MaybeAwaitable[Sequence[Row]]:
        loader = info.context.loaders.access_list_by_opportunity
        return access_list_rows(loader, self.id, private=self.is_private)

    def _editable(self, info: Info) -> MaybeAwaitable[bool]:
        caller = info.context.caller
        return map_when_loaded(
            self._access_rows(info),
            lambda access: can_edit_opportunity(
                caller,
                responsible_id=self.responsible_id,
                created_by=self.created_by_id,
                is_private=self.is_private,
                access_ids=[row["id"] for row in access],
            ),
        )

    @strawberry.field(
        description="Custom-field values set on the deal, and every heading.",
        graphql_type=list[CustomField],
    )
    @loads_ahead(lambda loaders: loaders.custom_fields_by_opportunity, key=lambda row: row["id"])
    def custom_fields(self, info: Info) -> MaybeAwaitable[list[CustomField]]:
        loaded = info.context.loaders.custom_fields_by_opportunity.now(self.id)
        return map_when_loaded(loaded, custom_field_list)

    @classmethod
    def from_row(cls, row: Row) -> Opportunity:
        return _build_opportunity(row)


_build_opportunity = row_backed(
    Opportunity,
    {
        "id": itemgetter("id"),
        "title": itemgetter("title"),
        "description": itemgetter("description"),
        "created": itemgetter("created_at"),
        "bid_type": member(BidType, "bid_type"),
        "bid_value": itemgetter("bid_value"),
        "per_period_value": itemgetter("per_period_value"),
        "success_probability": itemgetter("success_probability"),
        "actual_close_date": itemgetter("actual_close_date"),
        "expected_close_date": itemgetter("expected_close_date"),
        "is_private": itemgetter("is_private"),
        "version": itemgetter("version"),
        "updated_at": itemgetter("updated_at"),
        "created_by_id": itemgetter("created_by"),
        "responsible_id": itemgetter("responsible_id"),
        "contact_id": itemgetter("contact_id"),
        "stage_id": itemgetter("stage_id"),
        "bid_currency_abbr": itemgetter("bid_currency"),
    },
    eager={"_id": lambda row: global_id("Opportunity", row["id"])},
)


# The columns each field reads (app.graphql.columns_read), what its loads-ahead key reads
# included: a page of deals is read with the columns its document asks for. A field without
# a declaration reads every column.
_EDITABLE = ("is_private", "responsible_id", "created_by")
OPPORTUNITY_COLUMNS = ColumnsRead(
    "Opportunity",
    {
        "id": (),
        "databaseId": (),
        "title": ("title",),
        "description": ("description",),
        "created": ("created_at",),
        "bidType": ("bid_type",),
        "bidValue": ("bid_value",),
        "perPeriodValue": ("per_period_value",),
        "successProbability": ("success_probability",),
        "actualCloseDate": ("actual_close_date",),
        "expectedCloseDate": ("expected_close_date",),
        "isPrivate": ("is_private",),
        "version": ("version",),
        "updatedAt": ("updated_at",),
        "createBy": ("created_by", "responsible_id"),
        "responsible": ("responsible_id",),
        "contact": ("contact_id",),
        "members": (),
        "bidCurrency": ("bid_currency",),
        "stage": ("stage_id",),
        "accessList": ("is_private",),
        "canEdit": _EDITABLE,
        "canDelete": _EDITABLE,
        "customFields": (),
    },
    always=("id",),
)


async def opportunity_connection(
    info: Info,
    *,
    where: listing.OpportunityFilter,
    order_by: list[OpportunityOrder] | None,
    request: PageRequest,
) -> Connection[Opportunity]:
    """A page of opportunities as a connection, their asked-for relations loaded ahead."""
    with refusals_as_graphql_errors():
        page = await listing.opportunity_page(
            db=info.context.db,
            caller=info.context.caller,
            where=where,
            order=opportunity_order(order_by),
            page=request,
            with_total=wants_total(info),
            columns=info.context.opportunity_columns,
        )
    await load_ahead(info, Opportunity, page.rows, "edges", "node")
    return connection(page, Opportunity.from_row)
