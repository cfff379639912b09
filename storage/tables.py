"""SQLAlchemy 2 tables. Migrations in storage/migrations follow these; change both together."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, Enum, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def aware(moment: dt.datetime) -> dt.datetime:
    """A stored moment with its time zone: SQLite hands back naive datetimes even for timezone-aware columns, and
    everything stored here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True), dt.date: Date, dict: JSON, list: JSON}


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
                      Index("ix_pages_error_code", "error_code", "document_id"))

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


# Review and routing (issue 5): users, their sessions and tokens, decisions, turnos, folios, closures, access log.


class Role(str, enum.Enum):
    """What a user may do; see review/roles.py for the rules."""

    capturista = "capturista"  # drops scans and captures phone / in-person petitions
    revisor = "revisor"  # confirms and routes
    enlace = "enlace"  # a directorate's liaison: sees what was routed to it
    gerente = "gerente"  # reads everything, changes nothing
    admin = "admin"  # users, catalogue, closures


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    directorate: Mapped[str | None] = mapped_column(ForeignKey("directorates.code"))  # for an enlace
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class UserSession(Base):
    """A browser login, kept server-side: only the token's hash is stored, so a stolen database logs nobody in."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    ip: Mapped[str | None] = mapped_column(String(64))


class ApiToken(Base):
    """An API token: only its hash is stored. It expires (a token from before expiry existed has no expires_at and
    lasts api_token_days from its creation), is revoked with `peticiones users revoke`, a password reset or a
    deactivation, and says when it was last used (to the nearest few minutes)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class LoginAttempt(Base):
    """Every login attempt, for throttling (failures per name and per address in a window)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    ip: Mapped[str | None] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)


class Decision(Base):
    """A reviewer's decision beside the machine's suggestion it confirmed or corrected."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))  # "route" or "not_petition"
    program: Mapped[str | None] = mapped_column(String(60))
    directorate: Mapped[str | None] = mapped_column(String(60))
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    # What the machine said, so accuracy is computed from stored rows (the suggestion rows keep the scores).
    program_suggestion_id: Mapped[int | None] = mapped_column(ForeignKey("suggestions.id"))
    directorate_suggestion_id: Mapped[int | None] = mapped_column(ForeignKey("suggestions.id"))
    suggested_program: Mapped[str | None] = mapped_column(String(100))
    suggested_directorate: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Routing(Base):
    """A turno: the folio, the responsible directorate and copies, the deadline and the routing slip."""

    __tablename__ = "routings"
    # `round` grows when a returned turno is routed again; never two routings of one document in one round.
    __table_args__ = (UniqueConstraint("document_id", "round"), UniqueConstraint("year", "number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    folio: Mapped[str] = mapped_column(String(60), unique=True)
    year: Mapped[int]
    number: Mapped[int]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    program: Mapped[str | None] = mapped_column(String(60))
    directorate: Mapped[str] = mapped_column(ForeignKey("directorates.code"), index=True)
    copies: Mapped[list] = mapped_column(JSON, default=list)
    instruction: Mapped[str] = mapped_column(String(200))
    received_on: Mapped[dt.date]
    routed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deadline_days: Mapped[int]
    due_date: Mapped[dt.date] = mapped_column(index=True)
    routed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    slip_path: Mapped[str | None] = mapped_column(String(2000))
    delivered_at: Mapped[dt.datetime | None]
    # A devolución de turno: the row stays as it was routed; the document goes back to review and a new round.
    returned_at: Mapped[dt.datetime | None]
    returned_by: Mapped[int | None]
    return_note: Mapped[str | None] = mapped_column(Text)
    concluded_at: Mapped[dt.datetime | None]


class RoutingMail(Base):
    """The e-mail of a turno to one directorate (the responsible one or a copy), pending until the SMTP server
    accepted it: `sent_at` is set only then, so a retry never sends it twice. `claimed_at` marks a sender at work
    on it, so two processes retrying at once do not both send."""

    __tablename__ = "routing_mails"
    __table_args__ = (UniqueConstraint("routing_id", "directorate"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    routing_id: Mapped[int] = mapped_column(ForeignKey("routings.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    directorate: Mapped[str] = mapped_column(String(60))
    address: Mapped[str | None] = mapped_column(String(300))  # where it went (the catalogue's address at sending)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    message_id: Mapped[str | None] = mapped_column(String(300))
    error_code: Mapped[str | None] = mapped_column(String(50))  # the last failure, while pending


class Reminder(Base):
    """The daily reminder of one directorate's turnos por vencer and vencidos, for one office day: claimed by a
    sender, then sent (once: the day and directorate are unique) or failed (pending with its code, retried that
    day)."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("directorate", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    directorate: Mapped[str] = mapped_column(String(60))
    day: Mapped[dt.date] = mapped_column(index=True)  # the office day it is about
    address: Mapped[str | None] = mapped_column(String(300))  # where it went (the catalogue's address at sending)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[dt.datetime | None]
    turnos: Mapped[int] = mapped_column(Integer, default=0)  # listed in the sent e-mail
    overdue: Mapped[int] = mapped_column(Integer, default=0)  # of them, vencidos
    message_id: Mapped[str | None] = mapped_column(String(300))
    error_code: Mapped[str | None] = mapped_column(String(50))  # the last failure, while unsent


class FollowUp(Base):
    """What a directorate's enlace records on a turno: progress notes and the answer given to the citizen."""

    __tablename__ = "followups"

    id: Mapped[int] = mapped_column(primary_key=True)
    routing_id: Mapped[int] = mapped_column(ForeignKey("routings.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "progress" or "answer"
    text: Mapped[str] = mapped_column(Text)
    answered_on: Mapped[dt.date | None]  # for an answer: the date the citizen was answered
    file_path: Mapped[str | None] = mapped_column(String(2000))  # the answer's PDF, relative to HOME
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class FolioCounter(Base):
    """The last folio number given in a year; incremented under the row's write lock."""

    __tablename__ = "folio_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class OfficeClosure(Base):
    """A day the office is closed beyond the official holidays; deadlines skip it."""

    __tablename__ = "office_closures"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(300), default="")
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Transcription(Base):
    """Text a person typed for a page (handwriting, failed OCR); the OCR text stays as it was."""

    __tablename__ = "transcriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    page_number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AccessEntry(Base):
    """Append-only access log (bitácora de acceso): who viewed, changed or exported what, when, from where.

    Database triggers refuse UPDATE and DELETE, as for `events`.
    """

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    user_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))  # view_document, view_page_image, download_pdf, decision, login...
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    target: Mapped[str] = mapped_column(String(300), default="")  # which record or file, e.g. "página 2"
    ip: Mapped[str | None] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(10), default="web")  # web, api, cli


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
