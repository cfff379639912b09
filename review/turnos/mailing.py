"""The e-mails of a turno to its directorates: which are pending, what each says, what it carries, and what
became of it. Sent through review/notify/mail.py.

Each recipient directorate has its own row (storage.mailings), planned with the file delivery and sent after the
commit, never inside a database transaction. A row is claimed before sending and marked sent as soon as the server
accepts the message, so a retry (review.turnos.routing.deliver_pending) sends only what is still pending. A
failure leaves the row pending with a stable code and a `mail_failed` event; the attachments never reach a log.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from pipeline.context import Context
from pipeline.errors import PeticionesError
from review.notify.errors import MailFailed, MailRefused
from pipeline.paths import searchable_pdf, slip_file
from review.notify import mail
from review.turnos.slip import SlipData, long_date, render, slip_data
from storage import catalogue, events, mailings
from storage.tables import Directorate, Routing, RoutingMail, utcnow
from storage.events import EventKind

log = logging.getLogger(__name__)

PRIVACY_NOTE = ("Aviso: los archivos adjuntos contienen datos personales del peticionario. Úselos sólo para "
                "atender esta petición, no los reenvíe fuera de la dependencia y resguárdelos conforme a la ley de "
                "protección de datos personales.")


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes


@dataclass(frozen=True)
class Outgoing:
    """One pending e-mail, ready to send: its row, its routing's slip data and the recipient's address."""

    mail_id: int
    routing_id: int
    document_id: int
    directorate: str
    directorate_name: str
    address: str
    responsible: bool
    data: SlipData


def subject(data: SlipData) -> str:
    topic = data.program or data.subject or "petición ciudadana"
    return mail.one_line(f"Turno {data.folio}: {topic}")[:250]


def body(data: SlipData, directorate_name: str, responsible: bool) -> str:
    """The short Spanish text of the e-mail; the details are on the attached slip."""
    role = "para su atención" if responsible else "con copia para su conocimiento"
    lines = [f"{directorate_name}:", "", f"Se turna la petición ciudadana con folio {data.folio}, {role}.", "",
             f"Folio: {data.folio}",
             f"Peticionario: {data.petitioner or 'sin nombre registrado'}",
             f"Asunto: {data.subject or data.program or 'sin asunto registrado'}"]
    if data.program:
        lines.append(f"Programa: {data.program}")
    lines += [f"Instrucción: {data.instruction}",
              f"Fecha límite: {long_date(data.due_date)} ({data.deadline_days} días hábiles)",
              f"Dirección responsable: {data.directorate}"]
    if data.copies:
        lines.append(f"Con copia para: {', '.join(data.copies)}")
    lines += ["", "Se adjuntan el documento digitalizado (PDF con texto) y el volante de turno.", "", PRIVACY_NOTE,
              "", data.office]
    return "\n".join(lines) + "\n"


def compose(outgoing: Outgoing, from_address: str, attachments: list[Attachment]) -> EmailMessage:
    """The message for one directorate: subject with the folio, the short text, the PDFs attached."""
    message = mail.message_to(subject(outgoing.data), from_address, outgoing.address,
                       body(outgoing.data, outgoing.directorate_name, outgoing.responsible))
    for attachment in attachments:
        message.add_attachment(attachment.data, maintype="application", subtype="pdf", filename=attachment.filename)
    return message


def send_routing(ctx: Context, routing_id: int) -> int:
    """Send the pending e-mails of one routing (right after its delivery); returns how many the server accepted."""
    if not mail.enabled(ctx.settings):
        return 0
    with ctx.sessions() as session:
        ids = mailings.pending(session, routing_id)
    return _send(ctx, ids)


def send_pending(ctx: Context) -> int:
    """Send every pending e-mail (a retry: the server was down, refused, timed out); returns how many were sent."""
    if not mail.enabled(ctx.settings):
        return 0
    with ctx.sessions() as session:
        ids = mailings.pending(session)
    return _send(ctx, ids)


def _send(ctx: Context, mail_ids: list[int]) -> int:
    """Claim these rows, then send them over one SMTP connection; a connection-level failure (down, timeout, TLS,
    login) leaves every remaining one pending without waiting for the timeout again."""
    settings = ctx.settings
    if not mail_ids:
        return 0
    stale_before = utcnow() - mail.claim_lease(settings)
    with ctx.sessions.begin() as session:
        claimed = [i for i in mail_ids if mailings.claim(session, i, stale_before)]
    if not claimed:
        return 0
    outgoing = _prepare(ctx, claimed)
    if not outgoing:
        return 0
    from_address = mail.sender(settings)
    sent = 0
    try:
        smtp = mail.connect(settings)
    except MailFailed as error:
        for item in outgoing:
            _failed(ctx, item, error)
        return 0
    try:
        attachments: dict[int, list[Attachment]] = {}
        for position, item in enumerate(outgoing):
            try:
                if item.routing_id not in attachments:
                    attachments[item.routing_id] = _attachments(ctx, item.routing_id)
            except (OSError, PeticionesError) as error:  # the files, not the server: the others may still go
                _failed(ctx, item, error if isinstance(error, PeticionesError) else MailFailed(f"adjuntos: {error}"))
                continue
            try:
                message = compose(item, from_address, attachments[item.routing_id])
                smtp.send_message(message, from_addr=from_address, to_addrs=[item.address])
            except (MailFailed, smtplib.SMTPException, OSError) as raw:
                error = mail.typed(raw)
                _failed(ctx, item, error)
                if not isinstance(error, MailRefused):
                    for rest in outgoing[position + 1:]:
                        _failed(ctx, rest, error)
                    break
                continue
            _sent(ctx, item, message["Message-ID"], [a.filename for a in attachments[item.routing_id]])
            sent += 1
    finally:
        mail.close(smtp)
    return sent


def _prepare(ctx: Context, mail_ids: list[int]) -> list[Outgoing]:
    """Claimed rows with what their message needs; a row whose directorate has lost its address is dropped."""
    result = []
    with ctx.sessions.begin() as session:
        known = catalogue.load(session)
        for mail_id in mail_ids:
            row = session.get(RoutingMail, mail_id)
            routing = session.get(Routing, row.routing_id)
            directorate = session.get(Directorate, row.directorate)
            address = (directorate.email or "").strip() if directorate else ""
            if not address:
                events.record(session, EventKind.mail_skipped, "review", row.document_id, folio=routing.folio,
                              directorate=row.directorate, reason="sin correo en el catálogo")
                mailings.drop(session, mail_id)
                continue
            result.append(Outgoing(mail_id, routing.id, row.document_id, row.directorate, directorate.name, address,
                                   row.directorate == routing.directorate, slip_data(ctx, session, routing, known)))
    return result


def _attachments(ctx: Context, routing_id: int) -> list[Attachment]:
    """The searchable PDF (when the document has one) and the slip, as delivered to salida/."""
    with ctx.sessions() as session:
        routing = session.get(Routing, routing_id)
        slip_path = slip_file(ctx, routing)
        slip = slip_path.read_bytes() if slip_path.is_file() else render(slip_data(ctx, session, routing),
                                                                          ctx.settings.slip_font)
        folio, document_id = routing.folio, routing.document_id
    safe = folio.replace("/", "-")
    files = []
    document_pdf: Path = searchable_pdf(ctx, document_id)
    if document_pdf.is_file():
        files.append(Attachment(f"{safe}.pdf", document_pdf.read_bytes()))
    files.append(Attachment(f"{safe}-volante.pdf", slip))
    return files


def _sent(ctx: Context, item: Outgoing, message_id: str, filenames: list[str]) -> None:
    with ctx.sessions.begin() as session:
        mailings.mark_sent(session, item.mail_id, item.address, message_id)
        events.record(session, EventKind.mail_sent, "review", item.document_id, folio=item.data.folio,
                      directorate=item.directorate, to=item.address, responsible=item.responsible,
                      message_id=message_id, attachments=filenames)
    log.info("turno %s enviado por correo a %s (%s)", item.data.folio, item.directorate, item.address)


def _failed(ctx: Context, item: Outgoing, error: PeticionesError) -> None:
    with ctx.sessions.begin() as session:
        mailings.mark_failed(session, item.mail_id, error.code)
        events.record(session, EventKind.mail_failed, "review", item.document_id, folio=item.data.folio,
                      directorate=item.directorate, to=item.address, error_code=error.code,
                      error=str(error)[:300])
    log.warning("correo del turno %s a %s (%s) no enviado: %s", item.data.folio, item.directorate, item.address,
                error.code)
