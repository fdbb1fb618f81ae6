"""Alembic environment: runs migrations on the connection opn-desk hands it."""

from __future__ import annotations

from alembic import context

from opn_desk.models.base import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("opn-desk migrations run through opn_desk.models.db.migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
