"""pages: word boxes with confidences, where the text came from, and why a page could not be read

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pages') as batch:
        batch.add_column(sa.Column('source', sa.String(length=20), nullable=False, server_default='ocr'))
        batch.add_column(sa.Column('error_code', sa.String(length=50), nullable=True))
        batch.add_column(sa.Column('error', sa.Text(), nullable=True))
        batch.add_column(sa.Column('words', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pages') as batch:
        batch.drop_column('words')
        batch.drop_column('error')
        batch.drop_column('error_code')
        batch.drop_column('source')
