"""Alembic environment: runs on the connection that storage.database.upgrade hands over."""

from alembic import context

from storage.tables import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # Several machines may start at once; one migrates, the others wait and then find nothing to do.
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
    context.run_migrations()
