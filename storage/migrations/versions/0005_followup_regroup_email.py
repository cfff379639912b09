"""follow-up and regrouping: where a page came from (split, merge), returned and concluded turnos, the enlace's
progress notes and answers, a directorate's e-mail address

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain columns (no table rebuild on SQLite): the references are checked by the code that writes them.
    op.add_column('pages', sa.Column('origin_document_id', sa.Integer(), nullable=True))
    op.add_column('pages', sa.Column('origin_page', sa.Integer(), nullable=True))
    op.add_column('routings', sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('routings', sa.Column('returned_by', sa.Integer(), nullable=True))
    op.add_column('routings', sa.Column('return_note', sa.Text(), nullable=True))
    op.add_column('routings', sa.Column('concluded_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('directorates', sa.Column('email', sa.String(length=300), nullable=True))
    op.create_table('followups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('routing_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('file_path', sa.String(length=2000), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['routing_id'], ['routings.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_followups_document_id'), 'followups', ['document_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_followups_document_id'), table_name='followups')
    op.drop_table('followups')
    with op.batch_alter_table('directorates') as batch:
        batch.drop_column('email')
    with op.batch_alter_table('routings') as batch:
        for name in ('concluded_at', 'return_note', 'returned_by', 'returned_at'):
            batch.drop_column(name)
    with op.batch_alter_table('pages') as batch:
        batch.drop_column('origin_page')
        batch.drop_column('origin_document_id')
