"""A file's name and path as received are kept whole: documents.original_name (was VARCHAR(500)) and
documents.source_path (was VARCHAR(2000)) have no length limit. A 254-byte Latin-1 name, escaped, is ~1,000
characters and a path may be 4,096 bytes: PostgreSQL refused such rows and the file was retried for ever, never
reported. SQLite never enforced the lengths: nothing to do there.

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

COLUMNS = (('original_name', 500), ('source_path', 2000))


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for column, length in COLUMNS:
        op.alter_column('documents', column, type_=sa.String(), existing_type=sa.String(length),
                        existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for column, length in COLUMNS:
        op.alter_column('documents', column, type_=sa.String(length), existing_type=sa.String(),
                        existing_nullable=False)
