"""Suggestions, extracted fields and the text's fingerprint (posibles duplicados) recomputed from a document's
current text: after a person types a page, or after pages move between documents (split, merge).

The classifier runs outside any write transaction (it takes a moment); the result is stored only if the text it
was computed from is still the document's text, so a slower run never overwrites a fresher one.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.extraction import RULES_VERSION
from pipeline import classification
from pipeline.context import Context
from storage import catalogue, documents, events, fulltext, texts
from storage import routing as turnos
from storage.tables import Document, Page, State, Transcription
from storage.events import EventKind


def _text_mark(session: Session, document_id: int) -> tuple:
    """What the text is made of: which page rows, and the newest transcription of the document."""
    pages = tuple(session.scalars(select(Page.id).where(Page.document_id == document_id).order_by(Page.number)))
    typed = session.scalar(select(Transcription.id).where(Transcription.document_id == document_id)
                           .order_by(Transcription.id.desc()).limit(1))
    return pages, typed


def reclassify(ctx: Context, document_id: int, actor: str, cause: str, **detail) -> bool:
    """Store new suggestions, extraction and fingerprint for a document in review from its current text, bump its
    version (a reviewer who saw the old suggestions is told it changed) and log a `reclassified` event. False when the
    document left review or its text changed meanwhile (whoever changed it reclassifies again)."""
    with ctx.sessions() as session:
        pages = texts.current_pages(session, document_id)
        mark = _text_mark(session, document_id)
        inactive = catalogue.inactive_labels(session)  # as the classify stage: never suggest a deactivated label
        latest = documents.latest_extraction(session, document_id)
        sender = classification.sender_of(ctx, session.get(Document, document_id), latest.fields if latest else None)
    reading = classification.read(ctx, pages, inactive, sender)
    suggestions, fields = reading.suggestions, reading.fields
    with ctx.sessions.begin() as session:
        document = turnos.lock_document(session, document_id)
        if document is None or document.state != State.review or _text_mark(session, document_id) != mark:
            return False
        before = documents.latest_extraction(session, document_id)
        similar = classification.store(session, document_id, reading, actor)
        if fulltext.searched_values(before.fields if before else None) != fulltext.searched_values(fields):
            fulltext.refresh(session, [document_id])  # the new text was indexed by whoever wrote it
        document.version += 1
        events.record(session, EventKind.reclassified, actor, document_id, cause=cause,
                      suggestions={s.target: {"label": s.label, "score": round(s.score, 4)} for s in suggestions},
                      model_version=suggestions[0].model_version if suggestions else None,
                      fields=sorted(fields), rules_version=RULES_VERSION, similar_texts=similar, **detail)
    return True
