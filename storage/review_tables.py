"""Review and routing (issue 5): users, their sessions and tokens, decisions, turnos, folios, closures, access log.
Read as storage.tables.NAME, like every table."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow


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
