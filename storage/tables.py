"""SQLAlchemy 2 tables. Migrations in storage/migrations follow these; change both together.

Here the documents and what the pipeline records of them, the catalogue, and the model versions; the tables of review
and routing are in storage/review_tables.py, the base and the clock in storage/base.py. Every table is read as
storage.tables.NAME.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (JSON, BigInteger, Boolean, Enum, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, aware, utcnow
from storage.review_tables import (AccessEntry, ApiToken, Decision, FolioCounter, FollowUp, LoginAttempt,
                                   OfficeClosure, Reminder, Role, Routing, RoutingMail, Transcription, User,
                                   UserSession)

__all__ = ["AccessEntry", "ApiToken", "Base", "Decision", "Directorate", "Document", "Event",
           "Extraction", "FolioCounter", "FollowUp", "Lock", "LoginAttempt", "ModelVersion", "OfficeClosure", "Page",
           "Program", "Reminder", "Role", "Routing", "RoutingMail", "SearchKey", "SearchText", "SimilarText",
           "StageRun", "State", "Suggestion", "TextBand", "Transcription", "User", "UserSession", "aware", "utcnow"]


class State(str, enum.Enum):
    """Life of a document row; the last four are terminal for the intake pipeline."""

    received = "received"
    processing = "processing"
    review = "review"
    routed = "routed"
    concluded = "concluded"
    failed = "failed"
    quarantined = "quarantined"
    duplicate = "duplicate"


class Document(Base):
    __tablename__ = "documents"
    # The review queue: documents in review in arrival order, and counted per channel (migration 0006).
    __table_args__ = (Index("ix_documents_state_received_at", "state", "received_at"),
                      Index("ix_documents_state_channel", "state", "channel"))

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    original_name: Mapped[str] = mapped_column(String())
    source_path: Mapped[str] = mapped_column(String())
    source_mtime_ns: Mapped[int | None] = mapped_column(BigInteger)
    size: Mapped[int | None] = mapped_column(BigInteger)
    media_type: Mapped[str | None] = mapped_column(String(50))
    channel: Mapped[str] = mapped_column(String(30), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(index=True)
    state: Mapped[State] = mapped_column(Enum(State, native_enum=False, length=20), index=True)
    page_count: Mapped[int | None]
    archive_path: Mapped[str | None] = mapped_column(String(500))
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    reason_code: Mapped[str | None] = mapped_column(String(50))
    reason: Mapped[str | None] = mapped_column(Text)
    quarantine_path: Mapped[str | None] = mapped_column(String(2000))
    version: Mapped[int] = mapped_column(Integer, default=1)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[dt.datetime | None]
    next_attempt_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Page(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("document_id", "number"),
                      Index("ix_pages_needs_transcription", "needs_transcription", "document_id"),
                      Index("ix_pages_error_code", "error_code", "document_id"),
                      Index("ix_pages_origin_document_id", "origin_document_id"))  # a batch's parts, pages moved out

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[float | None] = mapped_column(Float)
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    skew: Mapped[float] = mapped_column(Float, default=0.0)
    width: Mapped[int | None]
    height: Mapped[int | None]
    blank: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_transcription: Mapped[bool] = mapped_column(Boolean, default=False)
    seconds: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20), default="ocr", server_default="ocr")  # or "text_layer"
    error_code: Mapped[str | None] = mapped_column(String(50))  # the page could not be read (ocr_timeout, ...)
    error: Mapped[str | None] = mapped_column(Text)
    # [[text, confidence, left, top, width, height], ...] in the cleaned page's pixels: the review app marks
    # low-confidence words on the image.
    words: Mapped[list | None] = mapped_column(JSON)
    # A page that came from another document (split, merge): the document whose archived original holds it, and
    # its page number there. None: this document's own original, page `number`.
    origin_document_id: Mapped[int | None]
    origin_page: Mapped[int | None]


class StageRun(Base):
    __tablename__ = "stage_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    stage: Mapped[str] = mapped_column(String(30))
    attempt: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))  # running, succeeded, failed, interrupted
    error_code: Mapped[str | None] = mapped_column(String(50))
    message: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]


class Suggestion(Base):
    __tablename__ = "suggestions"
    # A document's latest suggestion per target, and the queue's program filter (migration 0006).
    __table_args__ = (Index("ix_suggestions_latest", "document_id", "target", "id"),
                      Index("ix_suggestions_target_label", "target", "label", "document_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    target: Mapped[str] = mapped_column(String(50))
    label: Mapped[str | None] = mapped_column(String(100))
    score: Mapped[float]
    alternatives: Mapped[list] = mapped_column(JSON, default=list)
    model_version: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Extraction(Base):
    """Petitioner data the machine found in a document's text, for the reviewer to confirm."""

    __tablename__ = "extractions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    # {"name": {"value": "...", "score": 0.9, "valid": true, ...}, "curp": {...}, ...}: see classifiers/extraction.py
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    model_version: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SearchKey(Base):
    """One document's petitioner as one source gave it (the machine's reading or the reviewer's confirmed data),
    normalised so that staff find the petition by name, CURP, phone or e-mail (storage/search.py)."""

    __tablename__ = "search_keys"
    __table_args__ = (UniqueConstraint("document_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # "extraction" or "decision"
    name: Mapped[str] = mapped_column(String(300), default="")  # as written
    name_key: Mapped[str] = mapped_column(String(300), default="")  # lower case, no accents, one space between words
    curp: Mapped[str | None] = mapped_column(String(18), index=True)
    phone: Mapped[str | None] = mapped_column(String(15), index=True)  # national digits (10 in Mexico)
    email: Mapped[str | None] = mapped_column(String(300), index=True)
    # One of Sonora's 72 by its own name when the text names one ("HERMOSILLO", "Cd. Obregón" → Cajeme), else as
    # written: the informe de atención counts petitions by it.
    municipality: Mapped[str | None] = mapped_column(String(100))


class SearchText(Base):
    """What the full-text search reads of a document (storage/fulltext.py): its pages' current text (a reviewer's
    transcription in place of the OCR's) and its petitioner's fields, as written, for the excerpt. The index of its
    words is the database's own and is built by migration 0016, not from here: an FTS5 table on SQLite (Spanish
    stems made in Python), a tsvector column with its GIN index on PostgreSQL."""

    __tablename__ = "search_texts"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text, default="")


class TextBand(Base):
    """One MinHash LSH band key of a document's current text (classifiers/fingerprint.py): documents that share a
    key are candidates for being the same petition; storage/fingerprints.py decides on their texts."""

    __tablename__ = "text_bands"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    band: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[int] = mapped_column(BigInteger, index=True)


class SimilarText(Base):
    """Two documents whose current texts are near-identical, stored both ways; whether they are a posible
    duplicado also depends on their petitioners, read when shown (storage/fingerprints.py)."""

    __tablename__ = "similar_texts"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True, index=True)
    similarity: Mapped[float] = mapped_column(Float)  # Jaccard of the texts' character 5-grams, 0.4 to 1


class Event(Base):
    """Append-only log; database triggers refuse UPDATE and DELETE."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    actor: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class Directorate(Base):
    __tablename__ = "directorates"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str | None] = mapped_column(String(300))  # turnos are e-mailed here when SMTP is configured


class Program(Base):
    __tablename__ = "programs"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    directorate: Mapped[str] = mapped_column(ForeignKey("directorates.code"))
    description: Mapped[str] = mapped_column(Text, default="")
    synonyms: Mapped[list] = mapped_column(JSON, default=list)
    deadline_days: Mapped[int | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


# Model versions and retraining (issue 12).


class ModelVersion(Base):
    """A trained classifier kept under HOME/modelos/<version>/ (the shipped one where it ships): its figures, and
    whether it is the one the workers use. At most one row is active; activations are in the event log."""

    __tablename__ = "model_versions"

    version: Mapped[str] = mapped_column(String(120), primary_key=True)
    folder: Mapped[str] = mapped_column(String(1000))
    trained_at: Mapped[str] = mapped_column(String(40))
    data_sha256: Mapped[str] = mapped_column(String(64), default="")
    n: Mapped[int] = mapped_column(Integer, default=0)  # training texts (the largest target's)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)  # per target: label → training texts
    gate: Mapped[dict | None] = mapped_column(JSON)  # the figures that promoted or refused it; None: never gated
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    activated_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Lock(Base):
    """A named lock shared by every process and machine on one database (e.g. "retrain"): held by `owner` until
    `until`, after which anyone may take it (its holder died)."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    until: Mapped[dt.datetime]
