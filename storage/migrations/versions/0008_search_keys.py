"""search keys: each document's petitioner (name, CURP, phone, e-mail) from its latest extraction and its latest
routing decision, normalised, so that staff find a petition by its petitioner or folio; filled for the documents
already held

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    op.create_table('search_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('name_key', sa.String(length=300), nullable=False),
    sa.Column('curp', sa.String(length=18), nullable=True),
    sa.Column('phone', sa.String(length=15), nullable=True),
    sa.Column('email', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'source')
    )
    op.create_index(op.f('ix_search_keys_document_id'), 'search_keys', ['document_id'], unique=False)
    op.create_index(op.f('ix_search_keys_curp'), 'search_keys', ['curp'], unique=False)
    op.create_index(op.f('ix_search_keys_phone'), 'search_keys', ['phone'], unique=False)
    op.create_index(op.f('ix_search_keys_email'), 'search_keys', ['email'], unique=False)
    _fill(op.get_bind())


def _fill(bind) -> None:
    # The key rules live in storage/search.py; a later change to them applies to new rows only.
    from storage.search import keys

    extractions = sa.table('extractions', sa.column('id'), sa.column('document_id'), sa.column('fields', sa.JSON))
    decisions = sa.table('decisions', sa.column('id'), sa.column('document_id'), sa.column('kind'),
                         sa.column('fields', sa.JSON))
    search_keys = sa.table('search_keys', sa.column('document_id'), sa.column('source'), sa.column('name'),
                           sa.column('name_key'), sa.column('curp'), sa.column('phone'), sa.column('email'))
    for source, query in (
        ('extraction', sa.select(extractions.c.document_id, extractions.c.fields).order_by(extractions.c.id)),
        ('decision', sa.select(decisions.c.document_id, decisions.c.fields).where(decisions.c.kind == 'route')
         .order_by(decisions.c.id)),
    ):
        latest = {document_id: fields for document_id, fields in bind.execute(query)}  # the last row per document wins
        rows = [{'document_id': document_id, 'source': source,
                 **{k: v for k, v in keys(fields or {}).items() if k in search_keys.c}}  # later keys: later revisions
                for document_id, fields in latest.items()]
        for start in range(0, len(rows), BATCH):
            bind.execute(search_keys.insert(), rows[start:start + BATCH])


def downgrade() -> None:
    op.drop_index(op.f('ix_search_keys_email'), table_name='search_keys')
    op.drop_index(op.f('ix_search_keys_phone'), table_name='search_keys')
    op.drop_index(op.f('ix_search_keys_curp'), table_name='search_keys')
    op.drop_index(op.f('ix_search_keys_document_id'), table_name='search_keys')
    op.drop_table('search_keys')
