"""The append-only event log (bitácora)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.tables import Event


def record(session: Session, kind: str, actor: str, document_id: int | None = None, **detail) -> None:
    """Append one event in the caller's transaction."""
    session.add(Event(kind=kind, actor=actor, document_id=document_id, detail=detail))
