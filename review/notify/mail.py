"""E-mail: the one module that speaks SMTP (smtplib, email.message). A transport: it is handed finished messages
(the turno's, review/turnos/mailing.py; the reminders', review/notify/reminders.py) and sends them over a
connection with TLS, login and the stable codes of its failures.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from review.notify.errors import MailAuthFailed, MailFailed, MailRefused, MailTimeout, MailTlsFailed, MailUnreachable
from pipeline.settings import Settings
from storage.tables import utcnow

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


def message_to(subject_line: str, from_address: str, to: str, text: str) -> EmailMessage:
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
    smtp = connect(settings)
    try:
        message = message_to(one_line(item.subject)[:250], from_address, item.to, item.body)
        smtp.send_message(message, from_addr=from_address, to_addrs=[item.to])
    except (smtplib.SMTPException, OSError) as raw:
        raise typed(raw) from raw
    finally:
        close(smtp)
    return message["Message-ID"]


def connect(settings: Settings) -> smtplib.SMTP:
    """An SMTP conversation ready to send: connected, STARTTLS when asked (required, never skipped), logged in."""
    smtp = smtplib.SMTP(timeout=settings.smtp_timeout)
    try:
        try:
            smtp.connect(settings.smtp_host, settings.smtp_port)
            smtp.ehlo_or_helo_if_needed()
        except (smtplib.SMTPException, OSError) as error:
            raise typed(error) from error
        if settings.smtp_starttls:
            try:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            except (smtplib.SMTPNotSupportedError, ssl.SSLError) as error:
                raise MailTlsFailed(str(error)) from error
            except (smtplib.SMTPException, OSError) as error:
                raise typed(error) from error
        if settings.smtp_user:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            try:
                smtp.login(settings.smtp_user, password)
            except (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError) as error:
                raise MailAuthFailed(str(error)) from error
            except (smtplib.SMTPException, OSError) as error:
                raise typed(error) from error
        return smtp
    except BaseException:
        smtp.close()
        raise


def close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def typed(error: BaseException) -> MailFailed:
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


def one_line(text: str) -> str:
    return " ".join(text.split())
