"""Contacts: people and companies, with who may see them and their opportunities."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from app.domain import listing
from app.domain.access import can_edit_contact
from app.domain.contacts import display_name
from app.domain.enums import ShareType as DomainShareType
from app.graphql.columns_read import ColumnsRead
from app.graphql.connections import AFTER, BEFORE, FIRST, LAST, Connection, page_request
from app.graphql.context import Info
from app.graphql.enums import ShareType
from app.graphql.filters import OpportunityOrder
from app.graphql.ids import GLOBAL_ID, global_id
from app.graphql.loaders import MaybeAwaitable, Row, map_when_loaded
from app.graphql.types.employee import (
    Employee,
    access_list_rows,
    employee_list,
    employee_or_none,
)
from app.graphql.types.reference import Currency, currency_by_abbreviation
from app.graphql.types.row_backed import member, row_backed

if TYPE_CHECKING:
    from app.graphql.types.opportunity import Opportunity

PHOTO_URL = (
    "/Products/CRM/HttpHandlers/filehandler.ashx"
    "?action=contactphotoulr&cid={id}&isc={company}&ps={size}"
)


@strawberry.type(description="A person or a company.")
class Contact(relay.Node):
    # The database id; GraphQL's `id` is the global id built from it (Node).
    id: relay.NodeID[int]
    # Built with the object: a plain field answers faster than relay.Node's resolver.
    _id: strawberry.ID = strawberry.field(name="id", description=GLOBAL_ID)

    @strawberry.field(description="The id the legacy REST routes use for the contact.")
    def database_id(self) -> int:
        return self.id

    is_company: bool = strawberry.field(description="True for a company, false for a person.")
    first_name: str | None = strawberry.field(description="A person's first name.")
    last_name: str | None = strawberry.field(description="A person's last name.")
    company_name: str | None = strawberry.field(description="A company's name.")
    title: str | None = strawberry.field(description="A person's job title.")
    share_type: ShareType = strawberry.field(description="Who may see the contact.")
    created: datetime = strawberry.field(description="When the contact was created.")
    # Computed from the columns when first read (app.graphql.types.row_backed): plain fields
    # cost GraphQL less than resolvers.
    display_name: str = strawberry.field(
        description="'First Last' for a person, the name of a company."
    )
    small_foto_url: str = strawberry.field(description="Path of the small photo.")
    medium_foto_url: str = strawberry.field(description="Path of the medium photo.")
    is_private: bool = strawberry.field(
        description="True when only the access list may see the contact."
    )
    is_shared: bool = strawberry.field(description="True when everyone may see the contact.")
    version: int = strawberry.field(
        description="Grows by one with every change to the contact, its access list included; send "
        "it as expectedVersion to have a change refused (CONFLICT) if someone else wrote in "
        "between."
    )
    updated_at: datetime = strawberry.field(description="When the contact last changed.")
    created_by_id: strawberry.Private[uuid.UUID | None]
    currency_abbr: strawberry.Private[str | None]

    @strawberry.field(
        description="Who may see a private contact; empty for a shared one.",
        graphql_type=list[Employee],
    )
    def access_list(self, info: Info) -> MaybeAwaitable[list[Employee]]:
        return map_when_loaded(self._access_rows(info), employee_list)

    @strawberry.field(description="The contact's currency, if set.", graphql_type=Currency | None)
    def currency(self, info: Info) -> MaybeAwaitable[Currency | None]:
        return currency_by_abbreviation(info, self.currency_abbr)

    @strawberry.field(description="Who created the contact.", graphql_type=Employee | None)
    def create_by(self, info: Info) -> MaybeAwaitable[Employee | None]:
        if self.created_by_id is None:
            return None
        loaded = info.context.loaders.employee_by_id.now(self.created_by_id)
        return map_when_loaded(loaded, employee_or_none)

    @strawberry.field(description="Whether the caller may change the contact.", graphql_type=bool)
    def can_edit(self, info: Info) -> MaybeAwaitable[bool]:
        return self._editable(info)

    @strawberry.field(description="Whether the caller may delete the contact.", graphql_type=bool)
    def can_delete(self, info: Info) -> MaybeAwaitable[bool]:
        return self._editable(info)

    def _access_rows(self, info: Info) -> MaybeAwaitable[Sequence[Row]]:
        loader = info.context.loaders.access_list_by_contact
        return access_list_rows(loader, self.id, private=self.is_private)

    def _editable(self, info: Info) -> MaybeAwaitable[bool]:
        caller = info.context.caller
        share_type = int(self.share_type.value)
        return map_when_loaded(
            self._access_rows(info),
            lambda access: can_edit_contact(
                caller,
                share_type=share_type,
                created_by=self.created_by_id,
                access_ids=[row["id"] for row in access],
            ),
        )

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
    ) -> Connection[Annotated[Opportunity, strawberry.lazy("app.graphql.types.opportunity")]]:
        # Opportunity refers back to Contact: its module is read when this field first runs.
        from app.graphql.types.opportunity import opportunity_connection

        return await opportunity_connection(
            info,
            where=listing.OpportunityFilter(contact_id=self.id, contact_also_member=True),
            order_by=order_by,
            request=page_request(info, first=first, after=after, last=last, before=before),
        )

    @classmethod
    def from_row(cls, row: Row) -> Contact:
        return _build_contact(row)


# Read by three fields of every contact (share type, private, shared).
_share_type = member(lambda raw: ShareType(DomainShareType(raw).value), "share_type")


def _photo(size: int) -> Callable[[Row], str]:
    return lambda row: PHOTO_URL.format(id=row["id"], company=row["is_company"], size=size)


_build_contact = row_backed(
    Contact,
    {
        "id": itemgetter("id"),
        "is_company": itemgetter("is_company"),
        "first_name": itemgetter("first_name"),
        "last_name": itemgetter("last_name"),
        "company_name": itemgetter("company_name"),
        "title": itemgetter("title"),
        "share_type": _share_type,
        "created": itemgetter("created_at"),
        "display_name": display_name,
        "small_foto_url": _photo(1),
        "medium_foto_url": _photo(2),
        "is_private": lambda row: _share_type(row) is ShareType.NONE,
        "is_shared": lambda row: _share_type(row) is not ShareType.NONE,
        "version": itemgetter("version"),
        "updated_at": itemgetter("updated_at"),
        "created_by_id": itemgetter("created_by"),
        "currency_abbr": itemgetter("currency_abbr"),
    },
    eager={"_id": lambda row: global_id("Contact", row["id"])},
)

_NAME = ("is_company", "first_name", "last_name", "company_name")
# The columns each field reads (app.graphql.columns_read): a deal's contacts are read with the
# columns its document asks for. Fields whose resolvers read more (permissions, access lists,
# related deals) are left out: asking for one reads every column.
CONTACT_COLUMNS = ColumnsRead(
    "Contact",
    {
        "id": ("id",),
        "databaseId": ("id",),
        "isCompany": ("is_company",),
        "firstName": ("first_name",),
        "lastName": ("last_name",),
        "companyName": ("company_name",),
        "title": ("title",),
        "displayName": _NAME,
        "smallFotoUrl": ("id", "is_company"),
        "mediumFotoUrl": ("id", "is_company"),
        "shareType": ("share_type",),
        "isPrivate": ("share_type",),
        "isShared": ("share_type",),
        "created": ("created_at",),
        "version": ("version",),
        "updatedAt": ("updated_at",),
        "currency": ("currency_abbr",),
        "createBy": ("created_by",),
    },
    always=("id",),
)
