"""the petitioner's municipality beside the other search keys (one of the 72 by its own name when the text names
one), for the informe de atención; filled for the documents already held

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table('search_keys') as batch:
        batch.add_column(sa.Column('municipality', sa.String(length=100), nullable=True))
    _fill(op.get_bind())


def _fill(bind) -> None:
    # The rule lives in storage/search.py; a later change to it applies to new rows only.
    from storage.search import keys

    search_keys = sa.table('search_keys', sa.column('document_id'), sa.column('source'), sa.column('municipality'))
    update = (search_keys.update().where(search_keys.c.document_id == sa.bindparam('document'),
                                         search_keys.c.source == sa.bindparam('kind'))
              .values(municipality=sa.bindparam('place')))
    for source, table, extra in (('extraction', 'extractions', None), ('decision', 'decisions', 'route')):
        rows = sa.table(table, sa.column('id'), sa.column('document_id'), sa.column('fields', sa.JSON),
                        *([sa.column('kind')] if extra else []))
        query = sa.select(rows.c.document_id, rows.c.fields).order_by(rows.c.id)
        if extra:
            query = query.where(rows.c.kind.in_(('route', 'rectify')))
        latest = {document_id: fields for document_id, fields in bind.execute(query)}  # the last row wins
        rows = [{'document': document_id, 'kind': source, 'place': place} for document_id, fields in latest.items()
                if (place := keys(fields or {})['municipality'])]
        for start in range(0, len(rows), BATCH):  # one executemany per batch, not a round trip per document
            bind.execute(update, rows[start:start + BATCH])


def downgrade() -> None:
    with op.batch_alter_table('search_keys') as batch:
        batch.drop_column('municipality')
