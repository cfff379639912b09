"""Full-text search: a document found by what it says. Each document's pages' current text (a reviewer's
transcription in place of the OCR's) and its petitioner's fields are kept in `search_texts`, and the database indexes
their words, built by migration 0016:

- SQLite: the FTS5 table `search_words` (its rowid is the document's id) holds the Spanish stems of
  storage/search_words.py, written here beside the text; matches are ranked by bm25.
- PostgreSQL: `search_texts.words`, a tsvector the database generates from the text with the 'spanish'
  configuration after `search_fold` (unaccent and lower case), under a GIN index; ranked by ts_rank.

The index follows every write of a document's text or fields, refreshed once by the last write of the task or
action that changed them: in the pipeline, the classify stage's write (what OCR, the separation of a batch and the
classification wrote, found together), or the runner's when a stage fails (quarantined, failed or to be retried); a
transcription, routing, rectification, split or merge in its own transaction; a re-classification only when the
petitioner's searched fields it found differ from the ones before (the text's writer refreshed the rest).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import column, delete, func, insert, literal_column, select, table
from sqlalchemy.orm import Session

from storage.decisions import confirmed_fields_of
from storage.search_words import folded_words, index_words, terms
from storage.texts import current_texts
from storage.tables import Extraction, SearchText

FTS_TABLE = "search_words"  # SQLite only
FIELDS = ("name", "address", "locality", "municipality")  # what a petitioner's data says in words
MAX_CHARS = 100_000  # PostgreSQL refuses a tsvector over 1 MB; a petition is a few thousand characters
CHUNK = 500
_fts = table(FTS_TABLE, column("rowid"), column("words"))


def document_text(text: str, fields: Iterable[dict]) -> str:
    """What is searched of a document: its text, then each distinct value of its petitioner's fields on a line."""
    values: list[str] = []
    for found in fields:
        for value in searched_values(found):
            if value not in values:
                values.append(value)
    return "\n".join(part for part in ((text or "").strip(), *values) if part)[:MAX_CHARS]


def searched_values(found: dict | None) -> list[str]:
    """The petitioner's fields (extracted or confirmed) as they are searched: each value given, spaces collapsed."""
    values = []
    for name in FIELDS:
        value = (found or {}).get(name)
        value = " ".join(str((value.get("value") if isinstance(value, dict) else value) or "").split())
        if value:
            values.append(value)
    return values


def refresh(session: Session, document_ids: Iterable[int]) -> None:
    """Put these documents' current text and fields in the index in place of what it held (caller's transaction)."""
    ids = sorted(set(document_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        texts = current_texts(session, chunk)
        latest = (select(func.max(Extraction.id)).where(Extraction.document_id.in_(chunk))
                  .group_by(Extraction.document_id))
        extracted = dict(session.execute(select(Extraction.document_id, Extraction.fields)
                                         .where(Extraction.id.in_(latest))).all())
        confirmed = confirmed_fields_of(session, chunk)
        write(session, [{"document_id": i,
                         "text": document_text(texts.get(i, ""), (extracted.get(i), confirmed.get(i)))} for i in chunk])


def write(db, rows: list[dict]) -> None:
    """Replace these documents' rows ({"document_id", "text"}) in `search_texts` and the index; `db` is a session or
    a connection (the migration and the benchmark fill through one)."""
    ids = [row["document_id"] for row in rows]
    sqlite = _dialect(db) == "sqlite"
    db.execute(delete(SearchText).where(SearchText.document_id.in_(ids)))
    if sqlite:
        db.execute(delete(_fts).where(_fts.c.rowid.in_(ids)))
    kept = [row for row in rows if row["text"]]
    if kept:
        db.execute(insert(SearchText), kept)
        if sqlite:
            db.execute(insert(_fts), [{"rowid": row["document_id"], "words": index_words(row["text"])} for row in kept])


def matching(dialect: str, text: str):
    """A select of (document_id, rank) of the documents whose text has every word typed (in any form: plural,
    accents, capitals), best first by ascending rank; None when the text has no word to look for."""
    wanted = terms(text)
    if not wanted:
        return None
    if dialect == "postgresql":
        # The typed words folded as the index folds them; plainto_tsquery reads any text as words, never as syntax.
        folded = func.search_fold(" ".join(folded_words(text)))
        query = func.plainto_tsquery(literal_column("'spanish'::regconfig"), folded)
        words = literal_column("search_texts.words")
        return (select(SearchText.document_id.label("document_id"), (-func.ts_rank(words, query)).label("rank"))
                .where(words.op("@@")(query)))
    # Each stem quoted: letters and digits only, so nothing typed is read as FTS5 syntax.
    expression = " ".join(f'"{stem}"' for stem in wanted)
    return (select(_fts.c.rowid.label("document_id"), literal_column(f"bm25({FTS_TABLE})").label("rank"))
            .where(_fts.c.words.op("MATCH")(expression)))


def texts_of(session: Session, document_ids) -> dict[int, str]:
    """The searched text of each of these documents (for excerpts)."""
    return dict(session.execute(select(SearchText.document_id, SearchText.text)
                                .where(SearchText.document_id.in_(list(document_ids)))).all())


def _dialect(db) -> str:
    return db.get_bind().dialect.name if isinstance(db, Session) else db.dialect.name


def declared_by_model(name: str | None, kind: str, parents: dict) -> bool:
    """Alembic's include_name: False for the index's own parts, which the migration builds and the model cannot
    declare (an FTS5 virtual table and its shadow tables; a generated tsvector column and its GIN index), so that
    comparing the model with the database does not take them for strays."""
    if kind == "table":
        return not (name == FTS_TABLE or (name or "").startswith(f"{FTS_TABLE}_"))
    if kind == "column":
        return not (parents.get("table_name") == "search_texts" and name == "words")
    return not (kind == "index" and name == "ix_search_texts_words")
