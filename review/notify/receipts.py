"""The acuse de recibo by reply: each petition that came by e-mail is answered once, from the office's address, with
its reception folio (PETICIONES_IMAP_REPLY, with e-mail on). A reply the mail server refuses is tried again at the
next round, up to ATTEMPTS times; each try is in the document's history."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from pipeline import classification
from pipeline.context import Context
from review.notify import mail
from review.notify.errors import MailFailed
from review.turnos import calendar
from review.turnos.slip import long_date
from storage import documents, events
from storage.events import EventKind
from storage.tables import Document, Event, State

log = logging.getLogger(__name__)

ATTEMPTS = 3
READ = (State.review, State.routed, State.concluded)  # recorded and read: its folio stands


def pending(ctx: Context) -> list[int]:
    """E-mail petitions that have been read and not yet answered with their folio (nor given up on)."""
    with ctx.sessions() as session:
        tried = (select(func.count()).select_from(Event)
                 .where(Event.document_id == Document.id, Event.kind == EventKind.receipt_mail_failed)
                 .scalar_subquery())
        replied = select(Event.id).where(Event.document_id == Document.id, Event.kind == EventKind.receipt_mailed)
        return list(session.scalars(
            select(Document.id).where(Document.channel == "correo", Document.archive_path.like("%.eml"),
                                      Document.state.in_(READ), ~replied.exists(), tried < ATTEMPTS)
            .order_by(Document.id)))


def reply_all(ctx: Context) -> int:
    """Send every pending acuse; returns how many went."""
    sent = 0
    for document_id in pending(ctx):
        sent += reply(ctx, document_id)
    return sent


def reply(ctx: Context, document_id: int) -> bool:
    with ctx.sessions() as session:
        document = session.get(Document, document_id)
        to = classification.sender_of(ctx, document)
        folio = documents.reception_folio(document)
        received = calendar.local_date(document.received_at, ctx.settings.timezone)
    if not to:
        _record(ctx, document_id, EventKind.receipt_mail_failed, error_code="no_sender", folio=folio)
        return False
    body = (f"Recibimos su petición el {long_date(received)} por correo electrónico.\n\n"
            f"Su folio de recepción es {folio}. Con él puede preguntar por su petición en la oficina de Atención "
            f"Ciudadana, en persona o por teléfono.\n\nEste mensaje se envía automáticamente; no es necesario "
            f"responderlo.\n\n{ctx.settings.office_name}\n")
    try:
        message_id = mail.send_plain(ctx.settings, mail.Plain(to, f"Acuse de recibo de su petición · {folio}", body))
    except MailFailed as error:
        log.warning("acuse por correo del documento %s no enviado (%s)", document_id, error.code)
        _record(ctx, document_id, EventKind.receipt_mail_failed, error_code=error.code, folio=folio)
        return False
    _record(ctx, document_id, EventKind.receipt_mailed, to=to, folio=folio, message_id=message_id)
    return True


def _record(ctx: Context, document_id: int, kind: EventKind, **detail) -> None:
    with ctx.sessions.begin() as session:
        events.record(session, kind, "acuses", document_id, **detail)
