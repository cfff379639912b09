"""Alembic environment: runs on the connection that storage.database.upgrade hands over."""

from alembic import context

from storage.fulltext import declared_by_model
from storage.tables import Base

connection = context.config.attributes["connection"]
# The full-text index is the database's own (an FTS5 table, a generated tsvector): autogenerate leaves it alone.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                  include_name=declared_by_model)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # Several machines may start at once; one migrates, the others wait and then find nothing to do.
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
    context.run_migrations()
