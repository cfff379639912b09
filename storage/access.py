"""The access log (bitácora de acceso): who viewed, changed or exported which record, when and from where.

Append-only: the database refuses UPDATE and DELETE on it, and nothing here offers either.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.tables import AccessEntry


def record(session: Session, user_id: int | None, user_name: str, action: str, document_id: int | None = None,
           target: str = "", ip: str | None = None, via: str = "web") -> None:
    """Append one entry in the caller's transaction."""
    session.add(AccessEntry(user_id=user_id, user_name=user_name[:100], action=action, document_id=document_id,
                            target=target[:300], ip=ip, via=via))


def entries(session: Session, *, document_id: int | None = None, user_name: str | None = None,
            limit: int = 200) -> list[AccessEntry]:
    """The newest entries first, optionally for one document or one user."""
    query = select(AccessEntry).order_by(AccessEntry.id.desc()).limit(limit)
    if document_id is not None:
        query = query.where(AccessEntry.document_id == document_id)
    if user_name is not None:
        query = query.where(AccessEntry.user_name == user_name)
    return list(session.scalars(query))
