"""E-mail of a turno to its directorates: the one module that speaks SMTP (smtplib, email.message).

Each recipient directorate has its own row (storage.mailings), planned with the file delivery and sent after the
commit, never inside a database transaction. A row is claimed before sending and marked sent as soon as the server
accepts the message, so a retry (review.routing.deliver_pending) sends only what is still pending. A failure
leaves the row pending with a stable code and a `mail_failed` event; the attachments never reach a log.
`send_plain` sends other plain-text notices (review.reminders) over the same connection, TLS, login and error codes.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from pipeline.context import Context
from pipeline.errors import (MailAuthFailed, MailFailed, MailRefused, MailTimeout, MailTlsFailed, MailUnreachable,
                             PeticionesError)
from pipeline.settings import Settings
from review.turnos.slip import SlipData, long_date
from storage import catalogue, events, mailings
from storage.tables import Directorate, Routing, RoutingMail, utcnow

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


def enabled(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def sender(settings: Settings) -> str:
    """The From address: PETICIONES_SMTP_FROM, else the SMTP user when it is an address, else peticiones@host."""
    if settings.smtp_from:
        return settings.smtp_from
    if settings.smtp_user and "@" in settings.smtp_user:
        return settings.smtp_user
    return f"peticiones@{socket.gethostname()}"


def claim_lease(settings: Settings) -> dt.timedelta:
    """How long a claim keeps other senders off a row: far beyond one conversation (each step may take the whole
    timeout), so only a sender that died mid-way leaves a claim that expires."""
    return dt.timedelta(seconds=max(300.0, 10 * settings.smtp_timeout))


def subject(data: SlipData) -> str:
    topic = data.program or data.subject or "petición ciudadana"
    return _one_line(f"Turno {data.folio}: {topic}")[:250]


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
    message = _message(subject(outgoing.data), from_address, outgoing.address,
                       body(outgoing.data, outgoing.directorate_name, outgoing.responsible))
    for attachment in attachments:
        message.add_attachment(attachment.data, maintype="application", subtype="pdf", filename=attachment.filename)
    return message


def _message(subject_line: str, from_address: str, to: str, text: str) -> EmailMessage:
    message = EmailMessage()
    try:
        message["Subject"] = subject_line
        message["From"] = from_address
        message["To"] = to
    except ValueError as error:  # a line break or an unparsable address in the catalogue
        raise MailRefused(f"dirección inválida: {error}") from error
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=from_address.rpartition("@")[2] or None)
    # quoted-printable: accents pass relays that do not offer 8BITMIME
    message.set_content(text, cte="quoted-printable")
    return message


@dataclass(frozen=True)
class Plain:
    """A plain-text message to one address, without attachments."""

    to: str
    subject: str
    body: str


def send_plain(settings: Settings, item: Plain) -> str:
    """Send one plain-text message over its own SMTP conversation; its Message-ID once the server accepted it, or
    the typed MailFailed."""
    from_address = sender(settings)
    smtp = _connect(settings)
    try:
        message = _message(_one_line(item.subject)[:250], from_address, item.to, item.body)
        smtp.send_message(message, from_addr=from_address, to_addrs=[item.to])
    except (smtplib.SMTPException, OSError) as raw:
        raise _typed(raw) from raw
    finally:
        _close(smtp)
    return message["Message-ID"]


def send_routing(ctx: Context, routing_id: int) -> int:
    """Send the pending e-mails of one routing (right after its delivery); returns how many the server accepted."""
    if not enabled(ctx.settings):
        return 0
    with ctx.sessions() as session:
        ids = mailings.pending(session, routing_id)
    return _send(ctx, ids)


def send_pending(ctx: Context) -> int:
    """Send every pending e-mail (a retry: the server was down, refused, timed out); returns how many were sent."""
    if not enabled(ctx.settings):
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
    stale_before = utcnow() - claim_lease(settings)
    with ctx.sessions.begin() as session:
        claimed = [i for i in mail_ids if mailings.claim(session, i, stale_before)]
    if not claimed:
        return 0
    outgoing = _prepare(ctx, claimed)
    if not outgoing:
        return 0
    from_address = sender(settings)
    sent = 0
    try:
        smtp = _connect(settings)
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
                error = _typed(raw)
                _failed(ctx, item, error)
                if not isinstance(error, MailRefused):
                    for rest in outgoing[position + 1:]:
                        _failed(ctx, rest, error)
                    break
                continue
            _sent(ctx, item, message["Message-ID"], [a.filename for a in attachments[item.routing_id]])
            sent += 1
    finally:
        _close(smtp)
    return sent


def _prepare(ctx: Context, mail_ids: list[int]) -> list[Outgoing]:
    """Claimed rows with what their message needs; a row whose directorate has lost its address is dropped."""
    from review.turnos.routing import slip_data

    result = []
    with ctx.sessions.begin() as session:
        known = catalogue.load(session)
        for mail_id in mail_ids:
            row = session.get(RoutingMail, mail_id)
            routing = session.get(Routing, row.routing_id)
            directorate = session.get(Directorate, row.directorate)
            address = (directorate.email or "").strip() if directorate else ""
            if not address:
                events.record(session, "mail_skipped", "review", row.document_id, folio=routing.folio,
                              directorate=row.directorate, reason="sin correo en el catálogo")
                mailings.drop(session, mail_id)
                continue
            result.append(Outgoing(mail_id, routing.id, row.document_id, row.directorate, directorate.name, address,
                                   row.directorate == routing.directorate, slip_data(ctx, session, routing, known)))
    return result


def _attachments(ctx: Context, routing_id: int) -> list[Attachment]:
    """The searchable PDF (when the document has one) and the slip, as delivered to salida/."""
    from pipeline.stages import searchable_pdf
    from review.turnos.routing import slip_data, slip_file
    from review.turnos.slip import render

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


def _connect(settings: Settings) -> smtplib.SMTP:
    """An SMTP conversation ready to send: connected, STARTTLS when asked (required, never skipped), logged in."""
    smtp = smtplib.SMTP(timeout=settings.smtp_timeout)
    try:
        try:
            smtp.connect(settings.smtp_host, settings.smtp_port)
            smtp.ehlo_or_helo_if_needed()
        except (smtplib.SMTPException, OSError) as error:
            raise _typed(error) from error
        if settings.smtp_starttls:
            try:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            except (smtplib.SMTPNotSupportedError, ssl.SSLError) as error:
                raise MailTlsFailed(str(error)) from error
            except (smtplib.SMTPException, OSError) as error:
                raise _typed(error) from error
        if settings.smtp_user:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            try:
                smtp.login(settings.smtp_user, password)
            except (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError) as error:
                raise MailAuthFailed(str(error)) from error
            except (smtplib.SMTPException, OSError) as error:
                raise _typed(error) from error
        return smtp
    except BaseException:
        smtp.close()
        raise


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _typed(error: BaseException) -> MailFailed:
    """The stable code of an SMTP failure, from its class (never its text)."""
    if isinstance(error, MailFailed):
        return error
    detail = str(error)[:300]
    # smtplib turns a timeout while reading a reply into SMTPServerDisconnected; the timeout is its context.
    if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
        return MailTimeout(detail)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return MailAuthFailed(detail)
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return MailUnreachable(detail)
    if isinstance(error, smtplib.SMTPResponseException) and error.smtp_code == 421:
        return MailUnreachable(detail)  # "service not available, closing": the server, not this message
    if isinstance(error, (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
                          smtplib.SMTPResponseException)):
        return MailRefused(detail)
    if isinstance(error, OSError):
        return MailUnreachable(detail)
    return MailFailed(detail)


def _sent(ctx: Context, item: Outgoing, message_id: str, filenames: list[str]) -> None:
    with ctx.sessions.begin() as session:
        mailings.mark_sent(session, item.mail_id, item.address, message_id)
        events.record(session, "mail_sent", "review", item.document_id, folio=item.data.folio,
                      directorate=item.directorate, to=item.address, responsible=item.responsible,
                      message_id=message_id, attachments=filenames)
    log.info("turno %s enviado por correo a %s (%s)", item.data.folio, item.directorate, item.address)


def _failed(ctx: Context, item: Outgoing, error: PeticionesError) -> None:
    with ctx.sessions.begin() as session:
        mailings.mark_failed(session, item.mail_id, error.code)
        events.record(session, "mail_failed", "review", item.document_id, folio=item.data.folio,
                      directorate=item.directorate, to=item.address, error_code=error.code,
                      error=str(error)[:300])
    log.warning("correo del turno %s a %s (%s) no enviado: %s", item.data.folio, item.directorate, item.address,
                error.code)


def _one_line(text: str) -> str:
    return " ".join(text.split())
