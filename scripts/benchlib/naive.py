"""The naive version: stock strawberry and the ORM, written the straightforward way.

`strawberry.asgi.GraphQL` with its defaults (no parser or validation cache), an API-key
lookup through a session, and a createOpportunity resolver that loads what it refers to with
`session.get`, adds the deal, its members and custom-field values to an `AsyncSession`,
commits, refreshes and reads the relations back for the selection. Same rows, same JSON as the
service. It runs on the service's engines (one SQLite writer with BEGIN IMMEDIATE, separate
readers) so that it stays correct under concurrent writes: what differs is the code above them.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import strawberry
from sqlmodel import and_, col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from app.db.engine import Database
from app.db.models import (
    ApiKey,
    Contact,
    ContactAccess,
    Currency,
    CustomFieldDefinition,
    Employee,
    Opportunity,
    OpportunityCustomField,
    OpportunityMember,
    Stage,
)
from scripts.benchlib.global_ids import field_value_id, global_id

HEADING = 4


@dataclass
class Viewer:
    """The employee behind the API key."""

    id: uuid.UUID
    is_admin: bool


def _id(type_name: str, database_id: Any) -> strawberry.ID:
    """The service's global id of a record."""
    return strawberry.ID(global_id(type_name, database_id))


@strawberry.type
class StageOut:
    id: strawberry.ID
    title: str


@strawberry.type
class CurrencyOut:
    abbreviation: str


@strawberry.type
class MemberOut:
    id: strawberry.ID
    display_name: str


@strawberry.type
class CustomFieldOut:
    id: strawberry.ID
    label: str
    field_value: str | None


@strawberry.type
class OpportunityOut:
    id: strawberry.ID
    title: str
    bid_value: Decimal
    success_probability: int
    stage: StageOut
    bid_currency: CurrencyOut | None
    members: list[MemberOut]
    custom_fields: list[CustomFieldOut]


@strawberry.type
class UserErrorOut:
    code: str


@strawberry.type
class CreateOpportunityPayload:
    opportunity: OpportunityOut | None
    errors: list[UserErrorOut]


@strawberry.input
class CustomFieldValueInput:
    field_id: int
    value: str


@strawberry.input
class CreateOpportunityInput:
    title: str
    responsible_id: uuid.UUID
    stage_id: int
    bid_currency_abbr: str
    bid_value: Decimal | None = None
    success_probability: int | None = None
    members: list[int] | None = None
    custom_fields: list[CustomFieldValueInput] | None = None


def _name(contact: Contact) -> str:
    if contact.is_company:
        return contact.company_name or ""
    return " ".join(part for part in (contact.first_name, contact.last_name) if part)


@strawberry.type
class Query:
    @strawberry.field
    def ok(self) -> bool:
        return True


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_opportunity(
        self, info: strawberry.Info, input: CreateOpportunityInput
    ) -> CreateOpportunityPayload:
        db: Database = info.context["db"]
        viewer: Viewer = info.context["viewer"]
        async with AsyncSession(db.writer) as session:
            stage = await session.get(Stage, input.stage_id)
            currency = await session.get(Currency, input.bid_currency_abbr.upper())
            responsible = await session.get(Employee, input.responsible_id)
            errors = [
                UserErrorOut(code="NOT_FOUND")
                for found in (stage, currency, responsible)
                if not found
            ]
            if errors or stage is None or currency is None:
                return CreateOpportunityPayload(opportunity=None, errors=errors)
            deal = Opportunity(
                title=input.title,
                responsible_id=input.responsible_id,
                stage_id=stage.id,
                bid_currency=currency.abbreviation,
                bid_value=input.bid_value or Decimal(0),
                success_probability=min(max(input.success_probability or 0, 0), 100),
                created_by=viewer.id,
                updated_by=viewer.id,
            )
            session.add(deal)
            await session.flush()
            assert deal.id is not None
            readable = select(Contact).where(col(Contact.id).in_(input.members or []))
            if not viewer.is_admin:
                shared = select(ContactAccess.contact_id).where(
                    ContactAccess.employee_id == viewer.id
                )
                readable = readable.where(
                    or_(col(Contact.share_type) != 0, col(Contact.id).in_(shared))
                )
            for contact in (await session.exec(readable)).all():
                session.add(OpportunityMember(opportunity_id=deal.id, contact_id=contact.id))
            values = {f.field_id: f.value.strip() for f in input.custom_fields or [] if f.value}
            definitions = select(CustomFieldDefinition).where(
                col(CustomFieldDefinition.id).in_(list(values)),
                CustomFieldDefinition.entity_type == "opportunity",
            )
            for definition in (await session.exec(definitions)).all():
                session.add(
                    OpportunityCustomField(
                        opportunity_id=deal.id,
                        field_id=definition.id,
                        value=values[definition.id],
                    )
                )
            await session.commit()
            await session.refresh(deal)
            stage = await session.get(Stage, deal.stage_id)
            currency = await session.get(Currency, deal.bid_currency)
            members = (
                await session.exec(
                    select(Contact)
                    .join(OpportunityMember)
                    .where(OpportunityMember.opportunity_id == deal.id)
                    .order_by(col(Contact.id))
                )
            ).all()
            # Values set on the deal, and every heading (with no value).
            fields = (
                await session.exec(
                    select(CustomFieldDefinition, OpportunityCustomField)
                    .outerjoin(
                        OpportunityCustomField,
                        and_(
                            col(OpportunityCustomField.field_id) == CustomFieldDefinition.id,
                            col(OpportunityCustomField.opportunity_id) == deal.id,
                        ),
                    )
                    .where(
                        CustomFieldDefinition.entity_type == "opportunity",
                        or_(
                            col(OpportunityCustomField.opportunity_id).is_not(None),
                            col(CustomFieldDefinition.field_type) == HEADING,
                        ),
                    )
                    .order_by(col(CustomFieldDefinition.position), col(CustomFieldDefinition.id))
                )
            ).all()
            assert stage is not None
            assert stage.id is not None
            return CreateOpportunityPayload(
                opportunity=OpportunityOut(
                    id=_id("Opportunity", deal.id),
                    title=deal.title,
                    bid_value=deal.bid_value,
                    success_probability=deal.success_probability,
                    stage=StageOut(
                        id=strawberry.ID(global_id("Stage", stage.id)), title=stage.title
                    ),
                    bid_currency=CurrencyOut(abbreviation=currency.abbreviation)
                    if currency
                    else None,
                    members=[
                        MemberOut(
                            id=strawberry.ID(global_id("Contact", m.id)), display_name=_name(m)
                        )
                        for m in members
                    ],
                    custom_fields=[
                        CustomFieldOut(
                            id=strawberry.ID(field_value_id(deal.id, d.id or 0)),
                            label=d.label,
                            field_value=v.value if v else None,
                        )
                        for d, v in fields
                    ],
                ),
                errors=[],
            )


class NaiveGraphQL(GraphQL[dict[str, Any], None]):
    """Stock strawberry; the context carries the database and the caller."""

    def __init__(self, db: Database) -> None:
        super().__init__(strawberry.Schema(query=Query, mutation=Mutation))
        self.db = db

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        header = (request.headers.get("authorization") or "").removeprefix("Bearer ").strip()
        digest = hashlib.sha256(header.encode()).hexdigest()
        async with AsyncSession(self.db.reader) as session:
            found = (
                await session.exec(
                    select(ApiKey, Employee)
                    .join(Employee)
                    .where(ApiKey.digest == digest, col(ApiKey.revoked_at).is_(None))
                )
            ).first()
        if found is None:
            raise PermissionError("unknown API key")
        _, employee = found
        return {"db": self.db, "viewer": Viewer(id=employee.id, is_admin=employee.is_admin)}


async def healthz(_: Request) -> Response:
    """Up."""
    return Response(b"ok", media_type="text/plain")


def create_app(database_url: str | None = None) -> Starlette:
    """The naive app; the URL comes from BENCH_DATABASE_URL unless given."""
    db = Database(database_url or os.environ["BENCH_DATABASE_URL"])

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await db.dispose()

    app = Starlette(
        routes=[Route("/graphql", NaiveGraphQL(db)), Route("/healthz", healthz)],
        lifespan=lifespan,
    )
    app.state.db = db
    return app
