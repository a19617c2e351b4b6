"""SQLModel tables: the single source of the schema, the migrations and the Core statements."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import cast

from sqlalchemy import BigInteger, Index, SmallInteger, Table, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.db.types import Money, UTCDateTime

# What a deal search matches its words against (app.domain.search, migration 0005).
SEARCHED_TEXT = "(' ' || title || ' ' || coalesce(description, ''))"


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


# An id, once used, is never handed out again, also after the newest row is deleted (SQLite
# AUTOINCREMENT, migration 0012; PostgreSQL's sequences never go back).
NEVER_REUSED = {"sqlite_autoincrement": True}


class Audited(SQLModel):
    """Who created and last changed a row, and when."""

    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="employee.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_by: uuid.UUID | None = Field(default=None, foreign_key="employee.id")


class Versioned(Audited):
    """An Audited row clients edit: `version` grows by one with every write to it (0011)."""

    version: int = Field(default=1, nullable=False, sa_column_kwargs={"server_default": "1"})


class Employee(Audited, table=True):
    """A portal user: the responsible person, creator or access-list entry of a deal."""

    __table_args__ = (UniqueConstraint("user_name", name="uq_employee_user_name"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    display_name: str = Field(max_length=255)
    title: str | None = Field(default=None, max_length=255)
    is_admin: bool = False
    user_name: str | None = Field(
        default=None, max_length=255, description="Sign-in name of legacy clients."
    )
    password_hash: str | None = Field(default=None, max_length=255, description="argon2id.")


class ApiKey(SQLModel, table=True):
    """An API key; only its SHA-256 digest is stored (keys are 256-bit random, not passwords)."""

    __table_args__ = NEVER_REUSED

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    employee_id: uuid.UUID = Field(foreign_key="employee.id", index=True, ondelete="CASCADE")
    digest: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=12, description="First characters, to tell keys apart.")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="Sign-in tokens expire; API keys do not."
    )


class Currency(Audited, table=True):
    """A currency of the seeded list (spec 5.1), keyed by its abbreviation."""

    abbreviation: str = Field(primary_key=True, max_length=8)
    title: str = Field(max_length=100)
    symbol: str = Field(max_length=20)
    culture_name: str = Field(max_length=8)
    is_convertable: bool = False
    is_basic: bool = False


class Stage(Versioned, table=True):
    """A deal milestone ("stage") of the sales pipeline."""

    __table_args__ = NEVER_REUSED

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=255)
    description: str | None = Field(default=None, sa_type=Text)
    color: str = Field(max_length=50)
    success_probability: int = Field(default=0, sa_type=SmallInteger)
    stage_type: int = Field(default=0, sa_type=SmallInteger)
    sort_order: int = Field(default=0, index=True)


class Contact(Versioned, table=True):
    """A person or a company that opportunities refer to."""

    __table_args__ = (
        # The legacy contact filter's default order, newest first, read from the index (0012).
        Index("ix_contact_created_id", "created_at", "id"),
        NEVER_REUSED,
    )

    id: int | None = Field(default=None, primary_key=True)
    is_company: bool = False
    first_name: str | None = Field(default=None, max_length=255)
    last_name: str | None = Field(default=None, max_length=255)
    company_name: str | None = Field(default=None, max_length=255)
    title: str | None = Field(default=None, max_length=255)
    share_type: int = Field(default=0, sa_type=SmallInteger)
    currency_abbr: str | None = Field(default=None, foreign_key="currency.abbreviation")


class ContactAccess(SQLModel, table=True):
    """An employee allowed to see a private contact."""

    __tablename__ = "contact_access"

    contact_id: int = Field(foreign_key="contact.id", primary_key=True, ondelete="CASCADE")
    employee_id: uuid.UUID = Field(foreign_key="employee.id", primary_key=True, ondelete="CASCADE")


class CustomFieldDefinition(Versioned, table=True):
    """A user-defined field for opportunities (or contacts)."""

    __table_args__ = NEVER_REUSED

    __tablename__ = "custom_field_definition"

    id: int | None = Field(default=None, primary_key=True)
    entity_type: str = Field(default="opportunity", max_length=20, index=True)
    label: str = Field(max_length=255)
    field_type: int = Field(default=0, sa_type=SmallInteger)
    position: int = 0
    mask: str = Field(default="", sa_type=Text)


# Migration 0013's keys after the stage (PostgreSQL's spelling of the earliest date).
STAGE_ORDER_KEYS = (
    text("coalesce(contact_id, 0)"),
    text("coalesce(actual_close_date, '-infinity'::timestamptz) DESC"),
    text("coalesce(expected_close_date, '-infinity'::timestamptz)"),
    text("lower(title)"),
    "id",
)


class Opportunity(Versioned, table=True):
    """A deal."""

    __table_args__ = (
        Index("ix_opportunity_stage_id", "stage_id"),
        # Every supported order is an index range, id last as the tie-break (migration 0004).
        # With privacy and both close dates (0006, 0010): an offset inside a stage and a
        # close-date window read the index alone. SQLite holds them as trailing columns.
        Index(
            "ix_opportunity_stage_title",
            "stage_id",
            text("lower(title)"),
            "id",
            postgresql_include=["is_private", "title", "expected_close_date", "actual_close_date"],
        ),
        # A responsible's deals in stage order: each stage of one employee a range (0010).
        Index(
            "ix_opportunity_responsible_stage_title",
            "responsible_id",
            "stage_id",
            text("lower(title)"),
            "id",
            "is_private",
        ),
        # The original's order inside a stage: contact, actual close date latest first,
        # expected close date, title (0013), for every deal and for one responsible's.
        Index(
            "ix_opportunity_stage_contact_dates_title",
            "stage_id",
            *STAGE_ORDER_KEYS,
            postgresql_include=[
                "is_private",
                "title",
                "contact_id",
                "expected_close_date",
                "actual_close_date",
            ],
        ),
        Index(
            "ix_opportunity_responsible_stage_contact_dates_title",
            "responsible_id",
            "stage_id",
            *STAGE_ORDER_KEYS,
            "is_private",
        ),
        Index("ix_opportunity_stage_id_id", "stage_id", "id"),
        Index("ix_opportunity_responsible_id_id", "responsible_id", "id"),
        Index("ix_opportunity_title_id", text("lower(title)"), "id"),
        Index("ix_opportunity_created_id", "created_at", "id"),
        # SQLite sorts money, kept as text, by CAST(bid_value AS REAL): see the migration.
        Index("ix_opportunity_bid_value_id", text("bid_value"), "id"),
        # The close-date order, stage by stage (0008; SQLite's earliest date is year 1 as text);
        # PostgreSQL's hold the date too, for index-only counts of a close-date window (0010).
        Index(
            "ix_opportunity_stage_expected_close",
            "stage_id",
            text("coalesce(expected_close_date, '-infinity'::timestamptz)"),
            "id",
            postgresql_include=["expected_close_date"],
        ),
        Index(
            "ix_opportunity_stage_actual_close",
            "stage_id",
            text("coalesce(actual_close_date, '-infinity'::timestamptz)"),
            "id",
            postgresql_include=["actual_close_date"],
        ),
        # PostgreSQL's word-start search (migration 0005; SQLite keeps an FTS5 table instead).
        Index(
            "ix_opportunity_search_words",
            # The operator class inline: alembic then leaves the expression uncompared, as it
            # cannot match its own rendering of it against PostgreSQL's reflected one.
            text(f"{SEARCHED_TEXT} gin_trgm_ops"),
            postgresql_using="gin",
        ),
        NEVER_REUSED,
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=255)
    description: str | None = Field(default=None, sa_type=Text)
    responsible_id: uuid.UUID = Field(foreign_key="employee.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    stage_id: int = Field(foreign_key="stage.id")
    bid_currency: str = Field(foreign_key="currency.abbreviation", max_length=8)
    bid_type: int = Field(default=0, sa_type=SmallInteger)
    bid_value: Decimal = Field(default=Decimal(0), sa_type=Money, nullable=False)
    per_period_value: int = 0
    success_probability: int = Field(default=0, sa_type=SmallInteger)
    actual_close_date: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expected_close_date: datetime | None = Field(default=None, sa_type=UTCDateTime)
    is_private: bool = False


class OpportunityMember(SQLModel, table=True):
    """A contact taking part in a deal (the primary contact is one of them)."""

    __tablename__ = "opportunity_member"

    opportunity_id: int = Field(foreign_key="opportunity.id", primary_key=True, ondelete="CASCADE")
    contact_id: int = Field(foreign_key="contact.id", primary_key=True, index=True)


class OpportunityAccess(SQLModel, table=True):
    """An employee allowed to see a private deal."""

    __tablename__ = "opportunity_access"
    # A caller's private deals are counted from this index alone.
    __table_args__ = (
        Index("ix_opportunity_access_employee_opportunity", "employee_id", "opportunity_id"),
    )

    opportunity_id: int = Field(foreign_key="opportunity.id", primary_key=True, ondelete="CASCADE")
    employee_id: uuid.UUID = Field(foreign_key="employee.id", primary_key=True, index=True)


class OpportunityCustomField(SQLModel, table=True):
    """The value of one custom field on one deal."""

    __tablename__ = "opportunity_custom_field"

    opportunity_id: int = Field(foreign_key="opportunity.id", primary_key=True, ondelete="CASCADE")
    field_id: int = Field(
        foreign_key="custom_field_definition.id", primary_key=True, ondelete="CASCADE"
    )
    value: str = Field(sa_type=Text)


class Notification(SQLModel, table=True):
    """A message queued for an employee (today: access to a private deal was granted)."""

    __table_args__ = NEVER_REUSED

    id: int | None = Field(default=None, primary_key=True)
    recipient_id: uuid.UUID = Field(foreign_key="employee.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=50)
    opportunity_id: int | None = Field(
        default=None, foreign_key="opportunity.id", ondelete="CASCADE", index=True
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="employee.id")
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class IdempotencyKey(SQLModel, table=True):
    """A create already done under an Idempotency-Key, so that a retry returns it again."""

    __tablename__ = "idempotency_key"
    __table_args__ = (
        UniqueConstraint("api_key_id", "key", name="uq_idempotency_key_api_key_key"),
        NEVER_REUSED,
    )

    id: int | None = Field(default=None, primary_key=True)
    api_key_id: int = Field(foreign_key="api_key.id", ondelete="CASCADE")
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    opportunity_id: int | None = Field(
        default=None, foreign_key="opportunity.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)


class CrmSettings(SQLModel, table=True):
    """The portal's CRM settings (the original's CRMSettings): one row, id 1 (migration 0013)."""

    __tablename__ = "crm_settings"

    id: int = Field(default=1, primary_key=True)
    # CRMSettings.GetDefault: the currency of the portal's language, else USD.
    default_currency: str = Field(default="USD", foreign_key="currency.abbreviation", max_length=8)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_by: uuid.UUID | None = Field(default=None, foreign_key="employee.id")


class SystemFlag(SQLModel, table=True):
    """Facts the service records about itself, such as 'default stages were seeded'."""

    __tablename__ = "system_flag"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ReferenceStamp(SQLModel, table=True):
    """A counter that triggers bump on every change to stages or employees (migration 0015).

    The key check reads it with the key, so each worker knows at no extra round trip whether its
    copy of those small tables still holds, and re-reads them only after a change.
    """

    __tablename__ = "reference_stamp"

    id: int = Field(default=1, primary_key=True)
    value: int = Field(default=0, sa_type=BigInteger, nullable=False)


# The counter tables (app.db.counter_tables) join it when imported, as env.py does.
metadata = SQLModel.metadata


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel class, for statements that skip the ORM."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


employee_t = table_of(Employee)
api_key_t = table_of(ApiKey)
currency_t = table_of(Currency)
stage_t = table_of(Stage)
contact_t = table_of(Contact)
contact_access_t = table_of(ContactAccess)
custom_field_t = table_of(CustomFieldDefinition)
opportunity_t = table_of(Opportunity)
member_t = table_of(OpportunityMember)
access_t = table_of(OpportunityAccess)
field_value_t = table_of(OpportunityCustomField)
notification_t = table_of(Notification)
system_flag_t = table_of(SystemFlag)
crm_settings_t = table_of(CrmSettings)
idempotency_t = table_of(IdempotencyKey)
reference_stamp_t = table_of(ReferenceStamp)
