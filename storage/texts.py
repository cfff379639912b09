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
    typed = _typed(session, [document_id])
    pages = []
    for number, ocr_text, words in session.execute(select(Page.number, Page.text, Page.words)
                                                   .where(Page.document_id == document_id).order_by(Page.number)):
        text, recognised = (typed[document_id, number], None) if (document_id, number) in typed else (ocr_text, words)
        if text:
            pages.append((text, recognised))
    return pages


def current_texts(session: Session, document_ids) -> dict[int, str]:
    """current_text of several documents (ids, or a select of them) in two queries, not two per document."""
    typed = _typed(session, document_ids)
    texts: dict[int, list[str]] = {}
    for document_id, number, ocr_text in session.execute(
            select(Page.document_id, Page.number, Page.text).where(Page.document_id.in_(document_ids))
            .order_by(Page.document_id, Page.number)):
        text = typed.get((document_id, number), ocr_text)
        texts.setdefault(document_id, [])
        if text:
            texts[document_id].append(text)
    return {document_id: PAGE_BREAK.join(parts) for document_id, parts in texts.items()}


def _typed(session: Session, document_ids) -> dict[tuple[int, int], str]:
    """(document, page) → the newest transcription's text."""
    return {(row.document_id, row.page_number): row.text for row in session.execute(
        select(Transcription.document_id, Transcription.page_number, Transcription.text)
        .where(Transcription.document_id.in_(document_ids)).order_by(Transcription.id))}
