"""Reviewers' decisions (beside the suggestions they confirm or correct) and typed page transcriptions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import search
from storage.texts import current_texts
from storage.tables import Decision, Document, State, Suggestion, Transcription


# Decisions that confirm the petitioner's data: routing, and a later correction of it (rectificación).
CONFIRMING = ("route", "rectify")


def latest_suggestions(session: Session, document_id: int) -> dict[str, Suggestion]:
    """The newest suggestion per target ("program", "directorate", ...)."""
    rows = session.scalars(select(Suggestion).where(Suggestion.document_id == document_id).order_by(Suggestion.id))
    return {row.target: row for row in rows}


def add(session: Session, document_id: int, user_id: int, kind: str, *, program: str | None = None,
        directorate: str | None = None, fields: dict | None = None, note: str = "") -> Decision:
    """Record a decision with the machine's latest suggestions beside it."""
    suggested = latest_suggestions(session, document_id)
    program_s, directorate_s = suggested.get("program"), suggested.get("directorate")
    row = Decision(document_id=document_id, user_id=user_id, kind=kind, program=program, directorate=directorate,
                   fields=fields or {}, note=note or "",
                   program_suggestion_id=program_s.id if program_s else None,
                   directorate_suggestion_id=directorate_s.id if directorate_s else None,
                   suggested_program=program_s.label if program_s else None,
                   suggested_directorate=directorate_s.label if directorate_s else None)
    session.add(row)
    if kind in CONFIRMING:
        search.index(session, document_id, "decision", row.fields)
    session.flush()
    return row


def confirmed_fields(session: Session, document_id: int) -> dict | None:
    """The petitioner's data as last confirmed (at routing or corrected since), or None if never confirmed."""
    return confirmed_fields_of(session, [document_id]).get(document_id)


def confirmed_fields_of(session: Session, document_ids) -> dict[int, dict]:
    """`confirmed_fields` of many documents (one IN list: callers with thousands pass them in chunks)."""
    latest = (select(func.max(Decision.id)).where(Decision.document_id.in_(list(document_ids)),
                                                  Decision.kind.in_(CONFIRMING))
              .group_by(Decision.document_id))
    return {document_id: dict(fields or {}) for document_id, fields in
            session.execute(select(Decision.document_id, Decision.fields).where(Decision.id.in_(latest)))}


def transcribe(session: Session, document_id: int, page_number: int, text: str, user_id: int) -> Transcription:
    row = Transcription(document_id=document_id, page_number=page_number, text=text, user_id=user_id)
    session.add(row)
    session.flush()
    return row


def transcriptions(session: Session, document_id: int) -> dict[int, Transcription]:
    """The newest transcription of each page of a document."""
    rows = session.scalars(
        select(Transcription).where(Transcription.document_id == document_id).order_by(Transcription.id)
    )
    return {row.page_number: row for row in rows}


def reviewed_rows(session: Session) -> list[dict]:
    """Training rows from reviewers' work: each routed or concluded document's current text with the program and
    directorate of its latest decision. A document returned to review is left out until it is routed again (its
    routing was found wrong), and so is one a reviewer marked as not a petition."""
    latest = (select(func.max(Decision.id)).group_by(Decision.document_id)).scalar_subquery()
    chosen = (select(Decision.document_id, Decision.program, Decision.directorate, Decision.decided_at)
              .join(Document, Document.id == Decision.document_id)
              .where(Decision.id.in_(latest), Decision.kind == "route",
                     Document.state.in_([State.routed, State.concluded])))
    texts = current_texts(session, chosen.with_only_columns(Decision.document_id))
    rows = []
    for document_id, program, directorate, decided_at in session.execute(chosen.order_by(Decision.document_id)):
        text = texts.get(document_id, "")
        if text.strip() and directorate:  # a routing without a program still teaches the directorate
            labels = {"program": program, "directorate": directorate} if program else {"directorate": directorate}
            rows.append({"text": text, **labels, "source": "revision", "document_id": document_id,
                         "decided_at": decided_at.isoformat(timespec="seconds")})
    return rows
