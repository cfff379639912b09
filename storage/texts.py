"""A document's current text: all its pages, each page's newest transcription in place of its OCR text. Read by the
classifier again, the fingerprints, the full-text index, the ARCO dossier and the training corpus."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.tables import Page, Transcription


def current_text(session: Session, document_id: int) -> str:
    """All pages' text, each page's newest transcription in place of its OCR text."""
    return current_texts(session, [document_id]).get(document_id, "")


def current_texts(session: Session, document_ids) -> dict[int, str]:
    """current_text of several documents (ids, or a select of them) in two queries, not two per document."""
    typed = {(row.document_id, row.page_number): row.text for row in session.execute(
        select(Transcription.document_id, Transcription.page_number, Transcription.text)
        .where(Transcription.document_id.in_(document_ids)).order_by(Transcription.id))}
    texts: dict[int, list[str]] = {}
    for document_id, number, ocr_text in session.execute(
            select(Page.document_id, Page.number, Page.text).where(Page.document_id.in_(document_ids))
            .order_by(Page.document_id, Page.number)):
        text = typed.get((document_id, number), ocr_text)
        texts.setdefault(document_id, [])
        if text:
            texts[document_id].append(text)
    return {document_id: "\n\n".join(parts) for document_id, parts in texts.items()}
