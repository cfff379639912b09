"""Full-text search: `search_texts` (each document's current text and petitioner fields) and the database's own
index of their words (storage/fulltext.py), filled for the documents already held. SQLite: the FTS5 table
`search_words` of Spanish stems. PostgreSQL: the tsvector column `search_texts.words`, generated with the 'spanish'
configuration from `search_fold(text)`, under a GIN index; `search_fold` is unaccent and lower case (the unaccent
extension is created when the database allows it; otherwise the Spanish accents are folded by translate()).

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

BATCH = 500
ACCENTED, PLAIN = 'ÁÉÍÓÚÜÑáéíóúüñ', 'AEIOUUNaeiouun'


def upgrade() -> None:
    op.create_table('search_texts',
    sa.Column('document_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('document_id')
    )
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        _postgresql_index(bind)
    else:
        # unicode61 on text that is already folded and stemmed (storage/search_words.py): it only splits words.
        bind.exec_driver_sql("CREATE VIRTUAL TABLE search_words USING fts5(words, tokenize='unicode61')")
    _fill(bind)


def _postgresql_index(bind) -> None:
    try:
        with bind.begin_nested():
            bind.exec_driver_sql('CREATE EXTENSION IF NOT EXISTS unaccent')
    except DBAPIError:  # not installed, or this user may not create it: the fold below does without
        pass
    schema = bind.scalar(sa.text("SELECT extnamespace::regnamespace::text FROM pg_extension "
                                 "WHERE extname = 'unaccent'"))
    # Schema-qualified: a restore (pg_restore) runs with an empty search_path.
    body = (f"SELECT lower({schema}.unaccent('{schema}.unaccent'::regdictionary, $1))" if schema else
            f"SELECT lower(translate($1, '{ACCENTED}', '{PLAIN}'))")
    bind.exec_driver_sql(f"CREATE OR REPLACE FUNCTION search_fold(text) RETURNS text LANGUAGE sql IMMUTABLE "
                         f"STRICT PARALLEL SAFE AS $$ {body} $$")
    bind.exec_driver_sql("ALTER TABLE search_texts ADD COLUMN words tsvector GENERATED ALWAYS AS "
                         "(to_tsvector('spanish'::regconfig, coalesce(search_fold(text), ''))) STORED")
    bind.exec_driver_sql('CREATE INDEX ix_search_texts_words ON search_texts USING gin (words)')


def _fill(bind) -> None:
    # The text rules live in storage/fulltext.py and storage/search_words.py; a later change applies to new rows.
    from storage.fulltext import document_text, write

    documents = sa.table('documents', sa.column('id'))
    pages = sa.table('pages', sa.column('document_id'), sa.column('number'), sa.column('text'))
    typed = sa.table('transcriptions', sa.column('id'), sa.column('document_id'), sa.column('page_number'),
                     sa.column('text'))
    extractions = sa.table('extractions', sa.column('id'), sa.column('document_id'), sa.column('fields', sa.JSON))
    decisions = sa.table('decisions', sa.column('id'), sa.column('document_id'), sa.column('kind'),
                         sa.column('fields', sa.JSON))
    ids = list(bind.scalars(sa.select(documents.c.id).order_by(documents.c.id)))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        newest = {(d, n): t for d, n, t in bind.execute(
            sa.select(typed.c.document_id, typed.c.page_number, typed.c.text)
            .where(typed.c.document_id.in_(chunk)).order_by(typed.c.id))}
        texts: dict[int, list[str]] = {}
        for d, n, t in bind.execute(sa.select(pages.c.document_id, pages.c.number, pages.c.text)
                                    .where(pages.c.document_id.in_(chunk))
                                    .order_by(pages.c.document_id, pages.c.number)):
            if newest.get((d, n), t):
                texts.setdefault(d, []).append(newest.get((d, n), t))
        fields = {d: [] for d in chunk}
        for table, where in ((extractions, sa.true()), (decisions, decisions.c.kind.in_(('route', 'rectify')))):
            latest = {d: f for d, f in bind.execute(sa.select(table.c.document_id, table.c.fields)
                                                    .where(table.c.document_id.in_(chunk), where).order_by(table.c.id))}
            for d, f in latest.items():
                fields[d].append(f or {})
        write(bind, [{'document_id': d, 'text': document_text("\n\n".join(texts.get(d, [])), fields[d])}
                     for d in chunk])


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        bind.exec_driver_sql('DROP INDEX ix_search_texts_words')
        bind.exec_driver_sql('ALTER TABLE search_texts DROP COLUMN words')
        bind.exec_driver_sql('DROP FUNCTION search_fold(text)')
    else:
        bind.exec_driver_sql('DROP TABLE search_words')
    op.drop_table('search_texts')
