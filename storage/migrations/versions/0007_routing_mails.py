"""a turno's e-mail to each directorate (responsible and copies), recorded per recipient so that a retry after a
failure never sends twice what the SMTP server already accepted

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('routing_mails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('routing_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('directorate', sa.String(length=60), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message_id', sa.String(length=300), nullable=True),
    sa.Column('error_code', sa.String(length=50), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['routing_id'], ['routings.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('routing_id', 'directorate')
    )
    op.create_index(op.f('ix_routing_mails_routing_id'), 'routing_mails', ['routing_id'], unique=False)
    op.create_index(op.f('ix_routing_mails_document_id'), 'routing_mails', ['document_id'], unique=False)
    op.create_index(op.f('ix_routing_mails_sent_at'), 'routing_mails', ['sent_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_routing_mails_sent_at'), table_name='routing_mails')
    op.drop_index(op.f('ix_routing_mails_document_id'), table_name='routing_mails')
    op.drop_index(op.f('ix_routing_mails_routing_id'), table_name='routing_mails')
    op.drop_table('routing_mails')
