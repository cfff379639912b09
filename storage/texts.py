"""A document's current text: all its pages, each page's newest transcription in place of its OCR text. Read by the
classifier again, the fingerprints, the full-text index, the ARCO dossier and the training corpus."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.tables import Page, Transcription

PAGE_BREAK = "\n\n"  # between two pages' texts in a document's text


def current_text(session: Session, document_id: int) -> str:
    """All pages' text, each page's newest transcription in place of its OCR text."""
    return current_texts(session, [document_id]).get(document_id, "")


def current_pages(session: Session, document_id: int) -> list[tuple[str, list | None]]:
    """Each page that has text, in order: (its current text, the words recognition read it from, None when a
    person typed it). Joined by PAGE_BREAK, the texts are current_text."""
    return [(text, words) for _, text, words in _current(session, [document_id], with_words=True) if text]


def current_texts(session: Session, document_ids) -> dict[int, str]:
    """current_text of several documents (ids, or a select of them) in two queries, not two per document."""
    texts: dict[int, list[str]] = {}
    for document_id, text, _ in _current(session, document_ids):
        texts.setdefault(document_id, [])
        if text:
            texts[document_id].append(text)
    return {document_id: PAGE_BREAK.join(parts) for document_id, parts in texts.items()}


def _current(session: Session, document_ids, with_words: bool = False):
    """(document, current text, recognised words or None) of each page, by document and page number: the newest
    transcription's text, without words, where a person typed the page."""
    typed = _typed(session, document_ids)
    columns = (Page.document_id, Page.number, Page.text) + ((Page.words,) if with_words else ())
    for row in session.execute(select(*columns).where(Page.document_id.in_(document_ids))
                               .order_by(Page.document_id, Page.number)):
        key = (row.document_id, row.number)
        if key in typed:
            yield row.document_id, typed[key], None
        else:
            yield row.document_id, row.text, row.words if with_words else None


def _typed(session: Session, document_ids) -> dict[tuple[int, int], str]:
    """(document, page) → the newest transcription's text."""
    return {(row.document_id, row.page_number): row.text for row in session.execute(
        select(Transcription.document_id, Transcription.page_number, Transcription.text)
        .where(Transcription.document_id.in_(document_ids)).order_by(Transcription.id))}
