"""extractions: petitioner data found in the text (name, CURP, phone, municipality...), stored as suggestions

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'extractions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('model_version', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('extractions') as batch:
        batch.create_index(batch.f('ix_extractions_document_id'), ['document_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('extractions') as batch:
        batch.drop_index(batch.f('ix_extractions_document_id'))
    op.drop_table('extractions')
