"""Counters kept by triggers, so that counts under the privacy rule read a few rows at any size.

They are no model's business to write: migrations 0004, 0006, 0007, 0009 and 0017 create them
with the triggers that keep them. Declared here so that the metadata (and test_storage's
comparison with the migrations) knows them. A count is the sum of its rows: on PostgreSQL the
busiest counters are spread over slot rows (0017), so concurrent writes do not queue on one row.
"""

from __future__ import annotations

import uuid

from sqlalchemy import SmallInteger
from sqlmodel import Field, SQLModel

from app.db.models import table_of


class OpportunityStageCount(SQLModel, table=True):
    """How many deals, public or private, are at a stage: the sum of its slots (0004, 0017)."""

    __tablename__ = "opportunity_stage_count"

    stage_id: int = Field(foreign_key="stage.id", primary_key=True, ondelete="CASCADE")
    is_private: bool = Field(primary_key=True)
    slot: int = Field(default=0, primary_key=True, sa_type=SmallInteger)
    total: int


class OpportunityPrivateCount(SQLModel, table=True):
    """How many private deals at a stage list an employee for access: kept by triggers (0006)."""

    __tablename__ = "opportunity_private_count"

    employee_id: uuid.UUID = Field(foreign_key="employee.id", primary_key=True, ondelete="CASCADE")
    stage_id: int = Field(foreign_key="stage.id", primary_key=True, ondelete="CASCADE")
    total: int


class FieldValueCount(SQLModel, table=True):
    """How many values a field holds, on all deals and private ones: summed slots (0009, 0017)."""

    __tablename__ = "field_value_count"

    field_id: int = Field(
        foreign_key="custom_field_definition.id", primary_key=True, ondelete="CASCADE"
    )
    slot: int = Field(default=0, primary_key=True, sa_type=SmallInteger)
    total: int
    private_total: int


class FieldValuePrivateCount(SQLModel, table=True):
    """How many values of a field private deals listing an employee hold (migration 0009)."""

    __tablename__ = "field_value_private_count"

    employee_id: uuid.UUID = Field(foreign_key="employee.id", primary_key=True, ondelete="CASCADE")
    field_id: int = Field(
        foreign_key="custom_field_definition.id", primary_key=True, ondelete="CASCADE"
    )
    total: int


stage_count_t = table_of(OpportunityStageCount)
private_count_t = table_of(OpportunityPrivateCount)
field_value_count_t = table_of(FieldValueCount)
field_value_private_count_t = table_of(FieldValuePrivateCount)
