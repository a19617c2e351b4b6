"""Employees: the portal users deals and contacts refer to."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import strawberry
from strawberry import relay

from app.graphql.context import Info
from app.graphql.ids import GLOBAL_ID, global_id
from app.graphql.loaders import MaybeAwaitable, Row
from app.graphql.value_loader import ValueLoader

DEFAULT_AVATAR = "/skins/default/images/default_user_photo_size_32-32.png"


@strawberry.type(
    description="A portal user: responsible for deals, their creator, or on an access list."
)
class Employee(relay.Node):
    # The database id; GraphQL's `id` is the global id built from it (Node).
    id: relay.NodeID[uuid.UUID]
    # Built with the object: a plain field answers faster than relay.Node's resolver.
    _id: strawberry.ID = strawberry.field(name="id", description=GLOBAL_ID)

    @strawberry.field(description="The id the legacy REST routes use for the user.")
    def database_id(self) -> uuid.UUID:
        return self.id

    display_name: str = strawberry.field(description="Name shown for the user.")
    title: str | None = strawberry.field(description="Job title, if any.")
    is_admin: bool = strawberry.field(description="Whether the user administers the CRM.")
    user_name: str | None = strawberry.field(
        description="The name the user signs in with, if any.", default=None
    )
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
            _id=global_id("Employee", row["id"]),
            display_name=row["display_name"],
            title=row["title"],
            is_admin=row["is_admin"],
            user_name=row.get("user_name"),
        )


def referenced_employee(row: Row | None) -> Employee:
    """The employee a foreign key names: the row always exists."""
    assert row is not None, "deals refer to employees by foreign key"
    return Employee.from_row(row)


def employee_or_none(row: Row | None) -> Employee | None:
    """The employee of a row that may be missing."""
    return Employee.from_row(row) if row is not None else None


def employee_list(rows: Sequence[Row]) -> list[Employee]:
    """Employees of rows, in their order."""
    return [Employee.from_row(row) for row in rows]


def access_list_rows(
    loader: ValueLoader[int, list[Row]], record_id: int, *, private: bool
) -> MaybeAwaitable[Sequence[Row]]:
    """Who may see a record: nobody listed for a shared one, else its access list."""
    return loader.now(record_id) if private else []
