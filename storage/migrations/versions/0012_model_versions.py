"""model versions (trained classifiers, the active one, their gate figures) and named locks across processes

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('model_versions',
    sa.Column('version', sa.String(length=120), nullable=False),
    sa.Column('folder', sa.String(length=1000), nullable=False),
    sa.Column('trained_at', sa.String(length=40), nullable=False),
    sa.Column('data_sha256', sa.String(length=64), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('gate', sa.JSON(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('version')
    )
    op.create_index(op.f('ix_model_versions_active'), 'model_versions', ['active'], unique=False)
    op.create_table('locks',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('locks')
    op.drop_index(op.f('ix_model_versions_active'), table_name='model_versions')
    op.drop_table('model_versions')
