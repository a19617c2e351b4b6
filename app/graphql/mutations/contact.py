"""Creating, replacing and deleting contacts."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.domain import contacts
from app.domain import enums as domain
from app.graphql.context import Info
from app.graphql.enums import ShareType, to_domain
from app.graphql.ids import employee_keys, global_id, key
from app.graphql.mutations.refusals import Refusals, UserError, errors_field
from app.graphql.types import Contact


@strawberry.input(description="A new contact: a person (first and last name) or a company.")
class CreateContactInput:
    first_name: str | None = strawberry.field(default=None, description="A person's first name.")
    last_name: str | None = strawberry.field(default=None, description="A person's last name.")
    company_name: str | None = strawberry.field(default=None, description="A company's name.")
    title: str | None = strawberry.field(default=None, description="A person's job title.")
    share_type: ShareType = strawberry.field(
        default=ShareType.READ_WRITE, description="Who may see the contact."
    )
    access_list: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Who may see a private contact; the caller is always added.",
    )
    currency_abbr: str | None = strawberry.field(
        default=None, description="The contact's currency."
    )


@strawberry.input(
    description="A contact's new values; every field is replaced, as createContact sets them. "
    "A person keeps first and last name, a company its company name."
)
class UpdateContactInput:
    id: strawberry.ID = strawberry.field(description="The contact's id.")
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version the change was made on (Contact.version, as read): when the "
        "stored one differs, nothing is written and the answer is a CONFLICT error carrying "
        "the current version, with the contact as stored. Null: no check.",
    )
    first_name: str | None = strawberry.field(default=None, description="A person's first name.")
    last_name: str | None = strawberry.field(default=None, description="A person's last name.")
    company_name: str | None = strawberry.field(default=None, description="A company's name.")
    title: str | None = strawberry.field(default=None, description="A person's job title.")
    share_type: ShareType = strawberry.field(
        default=ShareType.READ_WRITE, description="Who may see the contact."
    )
    access_list: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Who may see a private contact; replaces the stored list. Its creator and "
        "the caller are always kept; unknown users are dropped.",
    )
    currency_abbr: str | None = strawberry.field(
        default=None, description="The contact's currency, any case."
    )


@strawberry.input(description="The contact to delete.")
class DeleteContactInput:
    id: strawberry.ID = strawberry.field(description="The contact's id.")


@strawberry.type(description="The result of createContact.")
class CreateContactPayload:
    contact: Contact | None = strawberry.field(
        description="The created contact; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="The result of updateContact.")
class UpdateContactPayload:
    contact: Contact | None = strawberry.field(
        description="The contact as stored; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="The result of deleteContact.")
class DeleteContactPayload:
    deleted_contact_id: strawberry.ID | None = strawberry.field(
        description="The global id the deleted contact had; null when refused."
    )
    errors: list[UserError] = errors_field()


def new_contact(values: CreateContactInput | UpdateContactInput) -> contacts.NewContact:
    """The domain form of a contact's values, created or replaced."""
    return contacts.NewContact(
        first_name=values.first_name,
        last_name=values.last_name,
        company_name=values.company_name,
        title=values.title,
        share_type=to_domain(domain.ShareType, values.share_type),
        access_list=employee_keys(values.access_list or ()),
        currency_abbr=values.currency_abbr,
    )


@strawberry.type
class ContactCreation:
    """createContact, among the first mutations of the published schema."""

    @strawberry.mutation(
        description="Create a contact: a person or a company.",
        # A create changes no row the loaders cached.
        extensions=[Refusals(fresh_loaders=False)],
    )
    async def create_contact(
        self,
        info: Info,
        input_: Annotated[
            CreateContactInput,
            strawberry.argument(name="input", description="The new contact."),
        ],
    ) -> CreateContactPayload:
        row = await contacts.create_contact(
            db=info.context.db, caller=info.context.caller, new=new_contact(input_)
        )
        return CreateContactPayload(contact=Contact.from_row(row))


@strawberry.type
class ContactMutation:
    """Replacing and deleting contacts."""

    @strawberry.mutation(
        description="Replace a contact's values, with createContact's checks. Needs the right "
        "to edit it: NOT_FOUND when the caller cannot see it, FORBIDDEN when only read; "
        "then CONFLICT, with the contact as stored, when expectedVersion is not its version.",
        extensions=[Refusals(current=("contact", Contact.from_row))],
    )
    async def update_contact(
        self,
        info: Info,
        input_: Annotated[
            UpdateContactInput,
            strawberry.argument(name="input", description="The contact and its new values."),
        ],
    ) -> UpdateContactPayload:
        row = await contacts.update_contact(
            db=info.context.db,
            caller=info.context.caller,
            contact_id=key(input_.id, "Contact"),
            new=new_contact(input_),
            expected_version=input_.expected_version,
        )
        return UpdateContactPayload(contact=Contact.from_row(row))

    @strawberry.mutation(
        description="Delete a contact, with updateContact's permission rule. It leaves every "
        "opportunity it took part in; those it was the primary contact of keep none.",
        extensions=[Refusals()],
    )
    async def delete_contact(
        self,
        info: Info,
        input_: Annotated[
            DeleteContactInput, strawberry.argument(name="input", description="The contact.")
        ],
    ) -> DeleteContactPayload:
        deleted = await contacts.delete_contact(
            db=info.context.db, caller=info.context.caller, contact_id=key(input_.id, "Contact")
        )
        return DeleteContactPayload(deleted_contact_id=global_id("Contact", deleted))
