"""Adding employees, and issuing and revoking the API keys they sign in with."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from app.domain import employees, keys
from app.graphql.context import Info
from app.graphql.ids import employee_key
from app.graphql.mutations.refusals import Refusals, UserError, errors_field
from app.graphql.types import Employee


@strawberry.input(description="A new employee.")
class CreateEmployeeInput:
    display_name: str = strawberry.field(description="Name shown for the user, 1-255 characters.")
    title: str | None = strawberry.field(
        default=None, description="Job title, at most 255 characters."
    )
    is_admin: bool | None = strawberry.field(
        default=False, description="Whether the user administers the CRM; null: false."
    )


@strawberry.input(description="Whose new API key to issue.")
class IssueApiKeyInput:
    employee_id: strawberry.ID = strawberry.field(description="The employee the key signs in as.")


@strawberry.input(description="The API key to revoke.")
class RevokeApiKeyInput:
    key_id: int = strawberry.field(description="The key's id, as returned when it was issued.")


@strawberry.type(description="The result of createEmployee.")
class CreateEmployeePayload:
    employee: Employee | None = strawberry.field(description="The new employee; null when refused.")
    api_key: str | None = strawberry.field(
        description="The employee's first API key. Shown this once: only a digest is stored."
    )
    key_id: int | None = strawberry.field(description="The id to revoke that key by.")
    errors: list[UserError] = errors_field()


@strawberry.type(description="The result of issueApiKey.")
class IssueApiKeyPayload:
    api_key: str | None = strawberry.field(
        description="The new API key. Shown this once: only a digest is stored."
    )
    key_id: int | None = strawberry.field(description="The id to revoke the key by.")
    errors: list[UserError] = errors_field()


@strawberry.type(description="The result of revokeApiKey.")
class RevokeApiKeyPayload:
    key_id: int | None = strawberry.field(description="The revoked key's id; null when refused.")
    revoked_at: datetime | None = strawberry.field(
        description="Since when the key no longer signs in; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.type
class EmployeeMutation:
    """Employees and their API keys."""

    @strawberry.mutation(
        description="Add an employee with a first API key, shown once (administrators only).",
        extensions=[Refusals()],
    )
    async def create_employee(
        self,
        info: Info,
        input_: Annotated[
            CreateEmployeeInput,
            strawberry.argument(name="input", description="The new employee."),
        ],
    ) -> CreateEmployeePayload:
        row, issued = await employees.add_employee(
            db=info.context.db,
            caller=info.context.caller,
            display_name=input_.display_name,
            title=input_.title,
            is_admin=bool(input_.is_admin),
        )
        return CreateEmployeePayload(
            employee=Employee.from_row(row), api_key=issued.key, key_id=issued.id
        )

    @strawberry.mutation(
        description="Issue a new API key, shown once: administrators for anyone, everyone "
        "else for themselves.",
        # No field shows keys, so nothing the loaders cached goes stale.
        extensions=[Refusals(fresh_loaders=False)],
    )
    async def issue_api_key(
        self,
        info: Info,
        input_: Annotated[
            IssueApiKeyInput,
            strawberry.argument(name="input", description="Whose key to issue."),
        ],
    ) -> IssueApiKeyPayload:
        issued = await keys.issue_key(
            db=info.context.db,
            caller=info.context.caller,
            employee_id=employee_key(input_.employee_id),
        )
        return IssueApiKeyPayload(api_key=issued.key, key_id=issued.id)

    @strawberry.mutation(
        description="Revoke an API key so it no longer signs in: administrators any key, "
        "everyone else their own. Revoking a revoked key changes nothing.",
        # No field shows keys, so nothing the loaders cached goes stale.
        extensions=[Refusals(fresh_loaders=False)],
    )
    async def revoke_api_key(
        self,
        info: Info,
        input_: Annotated[
            RevokeApiKeyInput, strawberry.argument(name="input", description="The key.")
        ],
    ) -> RevokeApiKeyPayload:
        row = await keys.revoke_key(
            db=info.context.db, caller=info.context.caller, key_id=input_.key_id
        )
        return RevokeApiKeyPayload(key_id=row["id"], revoked_at=row["revoked_at"])
