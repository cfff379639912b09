"""The classifier versions the office has: where each is kept, its figures and gate, and which one is active."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage import events
from storage.tables import ModelVersion, utcnow
from storage.events import EventKind


def register(session: Session, *, version: str, folder: str, trained_at: str, data_sha256: str, n: int,
             counts: dict, gate: dict | None = None, first: bool = False) -> ModelVersion:
    """Record a trained model, inactive; a version already recorded is returned as it is. The `first` version of a
    new database (the shipped model) is recorded active, with no event: nobody chose it."""
    row = session.get(ModelVersion, version)
    if row is None:
        row = ModelVersion(version=version, folder=folder, trained_at=trained_at, data_sha256=data_sha256, n=n,
                           counts=counts, gate=gate, active=first, activated_at=utcnow() if first else None)
        session.add(row)
        session.flush()
    return row


def active(session: Session) -> ModelVersion | None:
    """The version workers classify with, or None before any is recorded."""
    return session.scalar(select(ModelVersion).where(ModelVersion.active).limit(1))


def any_recorded(session: Session) -> bool:
    """Whether any version is recorded yet (a new database has none)."""
    return session.scalar(select(ModelVersion.version).limit(1)) is not None


def get(session: Session, version: str) -> ModelVersion | None:
    return session.get(ModelVersion, version)


def listed(session: Session) -> list[ModelVersion]:
    """Every version, newest first."""
    return list(session.scalars(select(ModelVersion).order_by(ModelVersion.created_at.desc(),
                                                              ModelVersion.version.desc())))


def activate(session: Session, version: str, actor: str, reason: str) -> ModelVersion:
    """Make `version` the active one (the caller has checked that its folder loads); logged as an event."""
    row = session.get(ModelVersion, version)
    if row is None:
        raise KeyError(version)
    before = active(session)
    session.execute(update(ModelVersion).where(ModelVersion.active).values(active=False))
    row.active, row.activated_at = True, utcnow()
    events.record(session, EventKind.model_activated, actor, None, version=version,
                  previous=before.version if before else None, reason=reason)
    session.flush()
    return row
