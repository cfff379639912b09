"""The append-only event log (bitácora)."""

from __future__ import annotations

import enum

from sqlalchemy.orm import Session

from storage.tables import Event


class EventKind(enum.StrEnum):
    """What an event row records; stored as its value. The history's Spanish sentences: review/labels.py."""

    # A document's arrival, by the state its row starts in (storage.documents.add).
    document_received = enum.auto()
    document_processing = enum.auto()
    document_review = enum.auto()
    document_routed = enum.auto()
    document_concluded = enum.auto()
    document_failed = enum.auto()
    document_quarantined = enum.auto()
    document_duplicate = enum.auto()
    # The pipeline.
    claimed = enum.auto()
    state_changed = enum.auto()
    suggested = enum.auto()
    reclassified = enum.auto()
    # Review and routing.
    transcribed = enum.auto()
    split = enum.auto()
    split_from = enum.auto()
    merged = enum.auto()
    merged_in = enum.auto()
    batch_split = enum.auto()  # a batch scan split at its separator sheets (pipeline/batches.py)
    batch_part = enum.auto()  # a petition made from one of them
    routed = enum.auto()
    not_petition = enum.auto()
    petitioner_corrected = enum.auto()
    delivered = enum.auto()
    delivery_failed = enum.auto()
    mail_sent = enum.auto()
    mail_failed = enum.auto()
    mail_skipped = enum.auto()
    receipt_mailed = enum.auto()  # an e-mail petition answered with its reception folio (review/notify/receipts.py)
    receipt_mail_failed = enum.auto()
    progress_note = enum.auto()
    answered = enum.auto()
    returned = enum.auto()
    reminder_sent = enum.auto()
    reminder_failed = enum.auto()
    # Users, the catalogue, the model.
    login = enum.auto()
    logout = enum.auto()
    catalogue_changed = enum.auto()
    catalogue_imported = enum.auto()
    catalogue_exported = enum.auto()
    model_retrain = enum.auto()
    model_activated = enum.auto()


def record(session: Session, kind: EventKind | str, actor: str, document_id: int | None = None, **detail) -> None:
    """Append one event in the caller's transaction; `kind` is one of EventKind."""
    session.add(Event(kind=EventKind(kind).value, actor=actor, document_id=document_id, detail=detail))
