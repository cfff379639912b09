"""the append-only logs (events, access_log) cannot be rewritten: on SQLite an INSERT whose id already exists (INSERT
OR REPLACE, REPLACE: its delete fires no DELETE trigger) is refused; on PostgreSQL TRUNCATE is refused (it fires no
DELETE trigger either)

Revision ID: 0014
Revises: 0013
"""
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TABLES = ("events", "access_log")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        if dialect == "sqlite":
            op.execute(
                f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
                f"WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        elif dialect == "postgresql":
            # The function 0001/0004 made for UPDATE and DELETE raises whatever the operation.
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER {table}_no_replace")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
