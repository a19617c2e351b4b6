"""Alembic environment: runs on the connection handed over by app.db.migrate."""

from __future__ import annotations

from alembic import context

from app.db import (
    counter_tables,  # noqa: F401 - the counter tables join the metadata
    event_log,  # noqa: F401 - so does the event log
)
from app.db.migrate import compared_name
from app.db.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the service always hands a connection over
    raise RuntimeError("run migrations through `python -m app migrate`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=compared_name,
)
with context.begin_transaction():
    context.run_migrations()
