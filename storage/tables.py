"""SQLAlchemy 2 tables. Migrations in storage/migrations follow these; change both together."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Enum, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True), dict: JSON, list: JSON}


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


PIPELINE_DONE = frozenset({State.review, State.routed, State.concluded, State.failed, State.quarantined, State.duplicate})


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    original_name: Mapped[str] = mapped_column(String(500))
    source_path: Mapped[str] = mapped_column(String(2000))
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
    __table_args__ = (UniqueConstraint("document_id", "number"),)

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


class Program(Base):
    __tablename__ = "programs"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    directorate: Mapped[str] = mapped_column(ForeignKey("directorates.code"))
    description: Mapped[str] = mapped_column(Text, default="")
    synonyms: Mapped[list] = mapped_column(JSON, default=list)
    deadline_days: Mapped[int | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
