"""An e-mail (.eml, RFC 5322) as a petition: who sent it, when, about what, its body as text and the attachments
that hold pages (PDF, images). Whatever cannot be a petition's page is refused with its reason (watch_folders.errors),
never dropped silently: the whole message then goes to quarantine, where staff can open it.

Parsing only (the standard library's `email`); making the message one PDF is the pipeline's (pipeline/stages.py).
"""

from __future__ import annotations

import email
import email.parser
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

from watch_folders.errors import AttachmentRefused, EmptyMail, MailTooLarge, MalformedMail, UnknownCharset

EXTENSION = ".eml"
MAX_BYTES = 60 * 1024 * 1024  # a whole message; mail servers rarely pass more than 25-50 MB
MAX_ATTACHMENTS = 20
MAX_ATTACHMENT_BYTES = 40 * 1024 * 1024
MAX_BODY_CHARS = 100_000  # a letter is a few thousand; past this the body is not a petition's text
PAGES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif"}
_EXTENSION_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
                    ".tif": "image/tiff", ".tiff": "image/tiff"}
# What no office opens from a citizen's mail: archives hide their content from every check, programs run.
_REFUSED = re.compile(r"\.(zip|rar|7z|tar|gz|tgz|bz2|xz|exe|msi|bat|cmd|com|scr|js|vbs|jar|ps1|sh|dll|apk|iso)$",
                      re.IGNORECASE)
_REFUSED_TYPES = ("application/zip", "application/x-", "application/java-archive", "application/vnd.microsoft.portable-executable")


@dataclass(frozen=True)
class Attachment:
    name: str
    media_type: str  # one of PAGES
    data: bytes


@dataclass(frozen=True)
class Mail:
    sender: str  # the From address, lower case ("" when there is none)
    sender_name: str
    subject: str
    sent: str  # the Date header as written ("" when absent)
    message_id: str
    body: str  # plain text (HTML made text)
    attachments: tuple[Attachment, ...]


def is_mail(path: Path) -> bool:
    return path.suffix.lower() == EXTENSION


def read(path: Path) -> Mail:
    """The message at `path`, or a RejectedInput saying why it cannot be a petition."""
    if path.stat().st_size > MAX_BYTES:
        raise MailTooLarge(f"{path.stat().st_size} bytes")
    raw = path.read_bytes()
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as error:  # the parser is lenient; what still fails is past reading
        raise MalformedMail(f"{type(error).__name__}: {error}") from error
    if not isinstance(message, EmailMessage) or not _looks_like_mail(message):
        raise MalformedMail("sin encabezados de correo (From, Date, Subject, MIME)")
    try:
        body = _body(message)
        attachments = tuple(_attachments(message))
        sender_name, sender = _sender(message)
        subject = " ".join(str(message.get("Subject", "") or "").split())
    except (LookupError, UnicodeError) as error:
        raise UnknownCharset(str(error)) from error
    defects = [d for part in message.walk() for d in part.defects if "Boundary" in type(d).__name__]
    if defects and not body and not attachments:
        raise MalformedMail(type(defects[0]).__name__)
    if not body.strip() and not attachments:
        raise EmptyMail("sin cuerpo ni adjuntos")
    return Mail(sender, sender_name, subject, str(message.get("Date", "") or ""),
                str(message.get("Message-ID", "") or "").strip(), body, attachments)


def sender_of(path: Path) -> str:
    """The From address of the message at `path` (its headers only), lower case; "" when it has none."""
    with open(path, "rb") as handle:
        headers = email.parser.BytesHeaderParser(policy=email.policy.default).parse(handle)
    return _sender(headers)[1] if isinstance(headers, EmailMessage) else ""


def heading(mail: Mail) -> str:
    """The lines that open the message's first page: who wrote, when, about what (extraction reads the address)."""
    sender = f"{mail.sender_name} <{mail.sender}>" if mail.sender_name else mail.sender
    lines = [f"Correo electrónico recibido de: {sender or '(sin remitente)'}"]
    if mail.sent:
        try:
            lines.append(f"Fecha: {parsedate_to_datetime(mail.sent):%Y-%m-%d %H:%M}")
        except (TypeError, ValueError):
            lines.append(f"Fecha: {mail.sent}")
    if mail.subject:
        lines.append(f"Asunto: {mail.subject}")
    if mail.attachments:
        lines.append("Adjuntos: " + ", ".join(a.name for a in mail.attachments))
    return "\n".join(lines)


def _looks_like_mail(message: EmailMessage) -> bool:
    return any(message.get(header) for header in ("From", "Date", "Subject", "Message-ID", "MIME-Version"))


def _sender(message: EmailMessage) -> tuple[str, str]:
    found = [(name, address) for name, address in getaddresses([str(message.get("From", "") or "")]) if address]
    if not found:
        return "", ""
    name, address = found[0]
    return " ".join(name.split()), address.strip().lower()


def _body(message: EmailMessage) -> str:
    """The message's text: its plain part, else its HTML part made text."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()  # LookupError for an unknown charset
    if not isinstance(content, str):
        return ""
    text = _html_text(content) if part.get_content_subtype() == "html" else content
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()[:MAX_BODY_CHARS]


def _attachments(message: EmailMessage):
    """The attached files that are pages; an archive, a program or any other file is refused (the whole mail)."""
    count = 0
    for part in message.iter_attachments():
        if part.is_multipart():  # a forwarded message: its own body and files, read the same way
            yield from _attachments(part) if isinstance(part, EmailMessage) else ()
            continue
        name = str(part.get_filename() or "").strip() or "adjunto"
        media_type = part.get_content_type()
        if part.get("Content-ID") and part.get_content_disposition() != "attachment":
            continue  # an image the HTML shows inline (a logo, a signature), not a page of the petition
        if _REFUSED.search(name) or media_type.startswith(_REFUSED_TYPES):
            raise AttachmentRefused(f"{name} ({media_type})")
        if media_type == "application/octet-stream":
            media_type = _EXTENSION_TYPES.get(Path(name).suffix.lower(), media_type)
        if media_type not in PAGES:
            raise AttachmentRefused(f"{name} ({media_type})")
        data = part.get_payload(decode=True) or b""
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise MailTooLarge(f"{name}: {len(data)} bytes")
        count += 1
        if count > MAX_ATTACHMENTS:
            raise MailTooLarge(f"más de {MAX_ATTACHMENTS} adjuntos")
        if data:
            yield Attachment(name, media_type, data)


class _Text(HTMLParser):
    """HTML to plain text: block elements break lines, scripts and styles are dropped. The standard library's parser
    suffices for a mail body; a full HTML-to-text library would add a dependency for layout we do not keep."""

    BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(" ".join(data.split()) if data.strip() else (" " if data else ""))


def _html_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(lines)
