"""Alembic environment: run with the connection the store hands over (see store.migrate)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import knowledge.models  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations through knowledge.store.migrate(), which passes a connection"
    )
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
