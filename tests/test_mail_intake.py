"""Issue 15, e-mail: an .eml dropped in entrada/correo/ becomes one petition (its body typed as the first page,
then its attachments' pages), archived as the original, the sender's address as the petitioner's e-mail; a message
that cannot be a petition goes to quarantine with its reason."""

from __future__ import annotations

import io
import os
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline import runner
from review.turnos import routing
from review.roles import Actor
from review.reports.search import find
from storage import documents
from storage.tables import Document, Page, Role, State, utcnow
from tests.pages import LETTERS, save_pdf, small_page
from tests.review_helpers import actor, make_user
from watch_folders import mail as mail_module
from watch_folders.intake import IncomingFile, take_in

SENDER = "Rosa.Valenzuela@ejemplo.mx"
BODY = ("Buenas tardes. Les escribo para solicitar apoyo con una silla de ruedas para mi madre, que vive en "
        "Navojoa y ya no puede caminar. Adjunto la carta firmada.\n\nAtentamente,\nRosa Valenzuela Soto")


def message(body: str | None = BODY, html: str | None = None, attachments=(), sender: str = SENDER,
            subject: str = "Solicitud de silla de ruedas") -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = f"Rosa Valenzuela <{sender}>"
    mail["To"] = "atencion@sedesson.gob.mx"
    mail["Subject"] = subject
    mail["Date"] = "Fri, 04 Dec 2026 10:15:00 -0700"
    mail["Message-ID"] = "<abc123@ejemplo.mx>"
    if body is not None:
        mail.set_content(body)
    if html is not None:
        if body is None:
            mail.set_content(html, subtype="html")
        else:
            mail.add_alternative(html, subtype="html")
    for name, maintype, subtype, data in attachments:
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return mail


def letter_pdf(tmp_path: Path) -> bytes:
    return save_pdf(tmp_path / "carta.pdf", [small_page(LETTERS[1])]).read_bytes()


def drop(ctx, name: str, data: bytes, channel: str = "correo") -> int:
    folder = ctx.settings.inbox / channel
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    info = os.lstat(path)
    incoming = IncomingFile(path, channel, info.st_size, info.st_mtime_ns, utcnow())
    taken = take_in(incoming, ctx.settings.archive, ctx.settings.quarantine, ctx.sessions, remove_source=True)
    runner.process(ctx, taken.document_id)
    return taken.document_id


def test_a_message_with_a_body_and_a_pdf_becomes_one_petition_found_by_its_sender(ctx, tmp_path, monkeypatch):
    logo = io.BytesIO()
    small_page("SEDESSON").save(logo, "PNG")
    mail = message()
    # an image the HTML shows inline (a signature logo) is not a page of the petition
    mail.add_alternative("<p>Buenas tardes.</p><img src='cid:logo'>", subtype="html")
    mail.get_body(("html",)).add_related(logo.getvalue(), maintype="image", subtype="png", cid="<logo>")
    mail.add_attachment(letter_pdf(tmp_path), maintype="application", subtype="pdf", filename="carta firmada.pdf")
    raw = bytes(mail)
    read, sender_of = [], mail_module.sender_of
    monkeypatch.setattr(mail_module, "sender_of", lambda path: read.append(path) or sender_of(path))
    document_id = drop(ctx, "solicitud.eml", raw)

    with ctx.sessions() as session:
        document = session.get(Document, document_id)
        pages = list(session.scalars(select(Page).where(Page.document_id == document_id).order_by(Page.number)))
        extraction = documents.latest_extraction(session, document_id)
        assert document.state == State.review and document.channel == "correo"
        assert (ctx.settings.archive / document.archive_path).read_bytes() == raw  # the .eml is the original
        assert len(pages) == 2
        assert pages[0].source == "text_layer" and "silla de ruedas" in pages[0].text  # the body, exactly
        assert "rosa.valenzuela@ejemplo.mx" in pages[0].text and "Solicitud de silla de ruedas" in pages[0].text
        assert "agua potable" in pages[1].text and pages[1].source != "text_layer"  # the attached scan, read
        assert extraction.fields["email"]["value"] == "rosa.valenzuela@ejemplo.mx"
        found = find(session, Actor(1, "ana", Role.revisor), "rosa.valenzuela@ejemplo.mx")
        assert [item["id"] for item in found["items"]] == [document_id]
    routing.transcribe(ctx, actor(ctx, make_user(ctx, "ana", Role.revisor)), document_id, 2, LETTERS[1])
    with ctx.sessions() as session:  # classified again, with the sender its first classification read
        assert documents.latest_extraction(session, document_id).fields["email"]["value"] == SENDER.lower()
    assert len(read) == 1  # the archived message's headers read once, by the pipeline


def test_an_html_only_message_with_a_photo_reads_its_text_and_the_photo(ctx, tmp_path):
    photo = io.BytesIO()
    small_page(LETTERS[0]).convert("RGB").save(photo, "JPEG", quality=90, dpi=(150, 150))
    html = ("<html><head><style>p {color: red}</style></head><body><p>Solicito&nbsp;apoyo de despensa.</p>"
            "<p>Vivo en Cajeme.<br>Gracias.</p><script>alert(1)</script></body></html>")
    document_id = drop(ctx, "html.eml", bytes(message(body=None, html=html,
                                                      attachments=[("foto.jpg", "image", "jpeg", photo.getvalue())])))
    with ctx.sessions() as session:
        pages = list(session.scalars(select(Page).where(Page.document_id == document_id).order_by(Page.number)))
        assert session.get(Document, document_id).state == State.review
        assert len(pages) == 2
        assert "Solicito apoyo de despensa." in pages[0].text and "Vivo en Cajeme." in pages[0].text
        assert "alert" not in pages[0].text and "color" not in pages[0].text
        assert len(pages[1].text.split()) > 10


def _zip() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("carta.pdf", b"%PDF-1.4")
    return buffer.getvalue()


@pytest.mark.parametrize("name, data, code", [
    ("vacio.eml", lambda tmp: bytes(message(body=" ")), "empty_mail"),
    ("comprimido.eml", lambda tmp: bytes(message(attachments=[("cartas.zip", "application", "zip", _zip())])),
     "attachment_refused"),
    ("programa.eml", lambda tmp: bytes(message(attachments=[("factura.pdf.exe", "application", "octet-stream",
                                                             b"MZ\x90\x00")])), "attachment_refused"),
    ("documento.eml", lambda tmp: bytes(message(attachments=[("carta.docx", "application",
                                                              "vnd.openxmlformats-officedocument.wordprocessingml"
                                                              ".document", b"PK\x03\x04")])), "attachment_refused"),
    ("charset.eml", lambda tmp: (b"From: a@b.mx\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
                                 b"Content-Type: text/plain; charset=x-desconocido\r\n\r\nHola, pido apoyo.\r\n"),
     "unknown_charset"),
    ("basura.eml", lambda tmp: os.urandom(2000).replace(b":", b"."), "malformed_mail"),
    ("falsa.eml", lambda tmp: bytes(message(attachments=[("foto.jpg", "image", "jpeg", b"no es una imagen")])),
     "content_mismatch"),
])
def test_a_message_that_cannot_be_a_petition_is_quarantined_with_its_reason(ctx, tmp_path, name, data, code):
    raw = data(tmp_path)
    document_id = drop(ctx, name, raw)
    with ctx.sessions() as session:
        document = session.get(Document, document_id)
        assert document.state == State.quarantined and document.reason_code == code, document.reason
        assert document.reason  # in Spanish, for staff
    quarantined = [p for p in ctx.settings.quarantine.rglob("*") if p.is_file() and not p.name.endswith(".txt")]
    assert [p.read_bytes() for p in quarantined] == [raw]  # the message itself, whole


def test_the_pdf_made_of_a_message_is_made_again_if_it_is_gone(ctx, tmp_path):
    from ocr import pdf_pages
    from pipeline.stages import readable_file

    document_id = drop(ctx, "otra.eml", bytes(message()))
    with ctx.sessions() as session:
        document = session.get(Document, document_id)
    made = readable_file(ctx, document)
    assert made.name == "correo.pdf" and made.parent.name == str(document_id)
    made.unlink()  # derived, like every file under procesado/
    again = readable_file(ctx, document)
    assert again == made and "silla de ruedas" in pdf_pages.text_layers(again)[0]


def test_an_email_petition_is_answered_once_with_its_reception_folio(ctx, tmp_path, monkeypatch):
    import email as email_lib
    from email import policy

    from review.notify import receipts
    from tests.test_review_mail import SmtpServer, use_smtp

    server = SmtpServer()
    try:
        use_smtp(ctx, monkeypatch, server.port)
        document_id = drop(ctx, "acuse.eml", bytes(message()))
        drop(ctx, "carta.pdf", letter_pdf(tmp_path), channel="correspondencia")  # not an e-mail: no reply
        assert receipts.reply_all(ctx) == 1
        assert receipts.reply_all(ctx) == 0  # once
        [sent] = server.messages
        reply = email_lib.message_from_bytes(sent["data"], policy=policy.default)
        with ctx.sessions() as session:
            folio = documents.reception_folio(session.get(Document, document_id))
        assert sent["to"] == ["rosa.valenzuela@ejemplo.mx"] and folio in reply["Subject"]
        assert folio in reply.get_content()
        server.refuse.add("otra@ejemplo.mx")  # the mail server refuses: tried again, at most ATTEMPTS times
        refused = drop(ctx, "otra.eml", bytes(message(sender="otra@ejemplo.mx", subject="Otra")))
        for _ in range(receipts.ATTEMPTS + 2):
            receipts.reply_all(ctx)
        assert refused not in receipts.pending(ctx) and len(server.messages) == 1
    finally:
        server.stop()
