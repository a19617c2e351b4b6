"""the original's stage order inside a stage: contact, actual close date (latest first),
expected close date, title; the CRM settings (default currency)

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-09 12:00:00.000000

The legacy filter's default order is DealDao's for DealSortedByType.Stage: stage, then contact,
actual close date descending, expected close date, title. Each stage's deals are then an index
range of (stage, contact or 0, actual date or the earliest DESC, expected date or the earliest,
lower(title), id), read stage by stage as the stage-title order is (app.domain.stage_walk), and
a responsible's deals of one stage a range of the same keys after the responsible. The unset
values are written as the service writes them into its queries (opportunity_sorts): 0 for no
contact, the earliest date as 0008 holds it. The index also holds privacy (and on PostgreSQL
the columns a page's conditions name) so that an offset inside a stage skips on entries alone.

crm_settings holds the portal's CRM settings (the original's CRMSettings) in one row, id 1:
the default currency (PUT settings/currency), USD as the original's default for a portal whose
language matches no currency.

The seeded stages' descriptions become the original's (CRMDealResource), where an administrator
has not changed them since they were seeded.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_DATE = {
    "sqlite": "'0001-01-01 00:00:00.000000'",
    "postgresql": "'-infinity'::timestamptz",
}
# Seeded stages still described as the service first seeded them: (that text, the original's).
SEEDED_DESCRIPTIONS = (
    (
        "First conversation with a potential buyer to learn what they might need.",
        "A contact with the potential buyer is needed to understand the future sales prospective",
    ),
    (
        "Checking the lead against the basic criteria of a good customer.",
        "The salesperson tries to identify whether the customer can be his/her potential buyer",
    ),
    (
        "The lead fits and may have a need we can meet.",
        "The potential buyer is identified as a person or entity that has the interest and authority to purchase a product or service",
    ),
    (
        "Finding out the buyer's requirements, budget and decision process.",
        "The salesperson takes a series of question and answer sessions in order to identify the requirements of the prospect",
    ),
    (
        "The buyer has a confirmed need, a budget and the authority to buy.",
        "The potential buyer has expressed his interest in the salesperson's goods or services",
    ),
    (
        "An offer has been sent to the buyer.",
        "The potential buyer has received a written offering from the salesperson",
    ),
    (
        "Terms and price are being agreed.",
        "The potential buyer has already discussed your offering in details",
    ),
    ("Won: the deal is closed successfully.", "A deal. The opportunity is closed successfully"),
    (
        "Lost: the deal is closed without a sale.",
        "A failure. The opportunity is closed due to the lack of perspective",
    ),
)
STAGE_ORDER = "ix_opportunity_stage_contact_dates_title"
RESPONSIBLE_STAGE_ORDER = "ix_opportunity_responsible_stage_contact_dates_title"


def _keys(no_date: str) -> str:
    return (
        f"coalesce(contact_id, 0), coalesce(actual_close_date, {no_date}) DESC,"
        f" coalesce(expected_close_date, {no_date}), lower(title), id"
    )


def upgrade() -> None:
    op.create_table(
        "crm_settings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column(
            "default_currency",
            sa.String(length=8),
            sa.ForeignKey("currency.abbreviation"),
            nullable=False,
        ),
        sa.Column("updated_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Uuid(), sa.ForeignKey("employee.id"), nullable=True),
    )
    # Its row is written with the currencies it names, by the service (app.db.seed).
    dialect = op.get_bind().dialect.name
    keys = _keys(NO_DATE[dialect])
    if dialect == "postgresql":
        held = " INCLUDE (is_private, title, contact_id, expected_close_date, actual_close_date)"
        trailing = ""
    else:
        held = ""
        trailing = ", is_private, expected_close_date, actual_close_date"
    op.execute(f"CREATE INDEX {STAGE_ORDER} ON opportunity (stage_id, {keys}{trailing}){held}")
    op.execute(
        f"CREATE INDEX {RESPONSIBLE_STAGE_ORDER} ON opportunity"
        f" (responsible_id, stage_id, {keys}, is_private)"
    )
    _describe(SEEDED_DESCRIPTIONS)


def _describe(pairs: Sequence[tuple[str, str]]) -> None:
    stage = sa.table("stage", sa.column("description", sa.Text()))
    for before, after in pairs:
        op.execute(stage.update().where(stage.c.description == before).values(description=after))


def downgrade() -> None:
    _describe([(after, before) for before, after in SEEDED_DESCRIPTIONS])
    op.drop_table("crm_settings")
    op.drop_index(RESPONSIBLE_STAGE_ORDER, table_name="opportunity")
    op.drop_index(STAGE_ORDER, table_name="opportunity")
