"""text fingerprints: each document's LSH band keys (text_bands) and the pairs of documents whose texts are
near-identical (similar_texts), so that a petition received twice with different bytes is shown as a posible
duplicado; filled for the documents already held, from their current text

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

CHUNK = 500


def upgrade() -> None:
    op.create_table('text_bands',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('band', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('key', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('document_id', 'band')
    )
    op.create_index(op.f('ix_text_bands_key'), 'text_bands', ['key'], unique=False)
    op.create_table('similar_texts',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('similarity', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['other_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('document_id', 'other_id')
    )
    op.create_index(op.f('ix_similar_texts_other_id'), 'similar_texts', ['other_id'], unique=False)
    _fill(op.get_bind())


def _fill(bind) -> None:
    # The fingerprint rules live in classifiers/fingerprint.py; a later change to them applies to new texts only.
    from classifiers.fingerprint import THRESHOLD, fingerprint, similarity

    documents = sa.table('documents', sa.column('id'), sa.column('state'))
    pages = sa.table('pages', sa.column('document_id'), sa.column('number'), sa.column('text'))
    typed = sa.table('transcriptions', sa.column('id'), sa.column('document_id'), sa.column('page_number'),
                     sa.column('text'))
    bands = sa.table('text_bands', sa.column('document_id'), sa.column('band'), sa.column('key'))
    similar = sa.table('similar_texts', sa.column('document_id'), sa.column('other_id'), sa.column('similarity'))

    def texts(ids) -> dict:
        """Each document's pages, each page's newest transcription in place of its OCR text."""
        ids = list(ids)
        newest = {(d, n): t for d, n, t in bind.execute(
            sa.select(typed.c.document_id, typed.c.page_number, typed.c.text)
            .where(typed.c.document_id.in_(ids)).order_by(typed.c.id))}
        found: dict = {}
        for d, n, t in bind.execute(sa.select(pages.c.document_id, pages.c.number, pages.c.text)
                                    .where(pages.c.document_id.in_(ids)).order_by(pages.c.document_id, pages.c.number)):
            t = newest.get((d, n), t)
            found.setdefault(d, [])
            if t:
                found[d].append(t)
        return {d: "\n\n".join(parts) for d, parts in found.items()}

    # The pipeline fingerprints documents still to be classified; merged and byte-identical copies are resolved.
    held = [i for (i,) in bind.execute(sa.select(documents.c.id).where(
        documents.c.state.in_(('review', 'routed', 'concluded'))).order_by(documents.c.id))]
    for start in range(0, len(held), CHUNK):
        chunk = held[start:start + CHUNK]
        prints = {d: fingerprint(t) for d, t in texts(chunk).items()}
        for document_id in chunk:
            found = prints.get(document_id)
            if found is None:
                continue
            keys = found.keys
            # Only documents done before this one hold keys yet: each pair is found once, by its newer member.
            candidates = [d for (d,) in bind.execute(sa.select(bands.c.document_id).distinct()
                                                     .where(bands.c.key.in_(keys)))]
            missing = [d for d in candidates if d not in prints]
            prints.update({d: fingerprint(t) for d, t in texts(missing).items()} if missing else {})
            for other in candidates:
                theirs = prints.get(other)
                if theirs is not None and (score := round(similarity(found, theirs), 4)) >= THRESHOLD:
                    bind.execute(similar.insert(), [
                        {'document_id': document_id, 'other_id': other, 'similarity': score},
                        {'document_id': other, 'other_id': document_id, 'similarity': score}])
            bind.execute(bands.insert(), [{'document_id': document_id, 'band': band, 'key': key}
                                          for band, key in enumerate(keys)])


def downgrade() -> None:
    op.drop_index(op.f('ix_similar_texts_other_id'), table_name='similar_texts')
    op.drop_table('similar_texts')
    op.drop_index(op.f('ix_text_bands_key'), table_name='text_bands')
    op.drop_table('text_bands')
