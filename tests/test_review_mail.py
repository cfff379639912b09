"""E-mail of a turno: a real SMTP conversation with a small server on loopback that this module starts (EHLO/HELO,
MAIL, RCPT, DATA, QUIT); the server down, silent or refusing leaves the e-mail pending, and a retry sends only it."""

from __future__ import annotations

import email
import json
import socket
import socketserver
import threading
from email import policy

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from review.turnos import routing
from review.reports import views
from review.web.app import create_app
from storage.tables import Directorate, Event, Role, RoutingMail
from tests.review_helpers import actor, document_in_review, make_user, version_of
from tests.test_review_web import log_in

SEARCHABLE = b"%PDF-1.4 searchable text layer\n%%EOF\n"


class SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: one message per MAIL ... DATA, kept in server.messages."""

    timeout = 10

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        server: SmtpServer = self.server  # type: ignore[assignment]
        self.reply("220 prueba ESMTP")
        sender, recipients = None, []
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self.reply("250-prueba")
                self.reply("250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 prueba")
            elif verb == "MAIL":
                sender, recipients = command.partition(":")[2].strip(), []
                self.reply("250 OK")
            elif verb == "RCPT":
                address = command.partition(":")[2].strip().strip("<>")
                if address in server.refuse:
                    self.reply("550 5.1.1 buzón inexistente".encode("ascii", "replace").decode())
                else:
                    recipients.append(address)
                    self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 fin con <CRLF>.<CRLF>")
                lines = []
                while True:
                    data = self.rfile.readline(1 << 20)
                    if not data or data == b".\r\n":
                        break
                    lines.append(data[1:] if data.startswith(b"..") else data)  # dot-unstuffing
                with server.lock:
                    server.messages.append({"from": sender, "to": recipients, "data": b"".join(lines)})
                self.reply("250 OK recibido")
            elif verb in ("RSET", "NOOP"):
                sender, recipients = (None, []) if verb == "RSET" else (sender, recipients)
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 adiós".encode("ascii", "replace").decode())
                return
            else:
                self.reply("502 no implementado")


class SmtpServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, port: int = 0):
        super().__init__(("127.0.0.1", port), SmtpHandler)
        self.messages: list[dict] = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join(10)


@pytest.fixture
def smtp():
    servers = []

    def start(port: int = 0) -> SmtpServer:
        server = SmtpServer(port)
        servers.append(server)
        return server

    yield start
    for server in servers:
        if server.thread.is_alive():
            server.stop()


def use_smtp(ctx, monkeypatch, port: int, timeout: float = 5.0) -> None:
    for name, value in (("smtp_host", "127.0.0.1"), ("smtp_port", port), ("smtp_starttls", False),
                        ("smtp_timeout", timeout), ("smtp_from", "peticiones@sedesson.test")):
        monkeypatch.setattr(ctx.settings, name, value)


def set_emails(ctx, **emails: str | None) -> None:
    with ctx.sessions.begin() as session:
        for code, address in emails.items():
            session.get(Directorate, code).email = address


def route(ctx, **kwargs):
    make_user(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx, pdf=SEARCHABLE)
    return routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id),
                           program="las_jefas", fields={"name": "María Peña Ávila", "subject": "Máquina de coser"},
                           **kwargs)


def mail_events(ctx, kind: str) -> list[dict]:
    with ctx.sessions() as session:
        return [e.detail for e in session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id))]


def pending_rows(ctx) -> int:
    with ctx.sessions() as session:
        return session.scalar(select(func.count()).select_from(RoutingMail).where(RoutingMail.sent_at.is_(None)))


def parsed(message: dict):
    return email.message_from_bytes(message["data"], policy=policy.default)


def test_a_turno_is_mailed_to_each_directorate_with_both_pdfs(ctx, smtp, monkeypatch):
    server = smtp()
    use_smtp(ctx, monkeypatch, server.port)
    set_emails(ctx, programas_sociales="programas@sedesson.test", juridica="juridica@sedesson.test")
    result = route(ctx, copies=["juridica"])
    assert result.delivered
    assert sorted(m["to"][0] for m in server.messages) == ["juridica@sedesson.test", "programas@sedesson.test"]
    for message in map(parsed, server.messages):
        assert message["Subject"] == f"Turno {result.folio}: Las Jefas"
        assert message["From"] == "peticiones@sedesson.test"
        text = message.get_body(("plain",)).get_content()
        for expected in (result.folio, "María Peña Ávila", "Máquina de coser", "Atender y responder",
                         "10 días hábiles", "datos personales"):
            assert expected in text, expected
        files = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
        assert set(files) == {f"{result.folio}.pdf", f"{result.folio}-volante.pdf"}
        assert files[f"{result.folio}.pdf"] == SEARCHABLE
        volante = ctx.settings.outbox / "programas_sociales" / f"{result.folio}-volante.pdf"
        assert files[f"{result.folio}-volante.pdf"] == volante.read_bytes()
    sent = mail_events(ctx, "mail_sent")
    assert sorted((e["directorate"], e["to"], e["responsible"]) for e in sent) == [
        ("juridica", "juridica@sedesson.test", False), ("programas_sociales", "programas@sedesson.test", True)]
    assert all(e["attachments"] == [f"{result.folio}.pdf", f"{result.folio}-volante.pdf"] for e in sent)
    assert "%PDF" not in json.dumps(sent)  # names only in the log, never the contents
    # A later retry finds nothing to send: each directorate got it exactly once.
    assert routing.deliver_pending(ctx) == 0
    assert len(server.messages) == 2 and pending_rows(ctx) == 0


def test_server_down_leaves_the_mail_pending_and_a_retry_sends_it_once(ctx, smtp, monkeypatch):
    server = smtp()
    port = server.port
    server.stop()  # nothing listens there now: connection refused
    use_smtp(ctx, monkeypatch, port)
    set_emails(ctx, programas_sociales="programas@sedesson.test", juridica="juridica@sedesson.test")
    result = route(ctx, copies=["juridica"])
    assert result.delivered  # the files are in salida/ all the same
    assert (ctx.settings.outbox / "juridica" / f"{result.folio}.pdf").is_file()
    failed = mail_events(ctx, "mail_failed")
    assert sorted(e["directorate"] for e in failed) == ["juridica", "programas_sociales"]
    assert {e["error_code"] for e in failed} == {"mail_unreachable"}
    ana = actor(ctx, "ana")
    with ctx.sessions() as session:
        shown = views.document(session, ana, result.document_id, ctx.settings.timezone)
        assert shown["routing"]["mail_pending"] == ["programas_sociales", "juridica"]
        listed = views.routed(session, ana, None)
        assert listed[0]["mail_pending"] == ["programas_sociales", "juridica"]

    with TestClient(create_app(ctx), follow_redirects=False) as client:
        log_in(client, "ana")
        assert "correo pendiente" in client.get(f"/documentos/{result.document_id}").text
        assert "correo pendiente" in client.get("/turnados").text

    back = smtp(port)
    routing.deliver_pending(ctx)
    assert sorted(m["to"][0] for m in back.messages) == ["juridica@sedesson.test", "programas@sedesson.test"]
    assert pending_rows(ctx) == 0
    routing.deliver_pending(ctx)
    assert len(back.messages) == 2
    with ctx.sessions() as session:
        shown = views.document(session, ana, result.document_id, ctx.settings.timezone)
        assert shown["routing"]["mail_pending"] == []


def test_a_silent_server_times_out_and_the_mail_stays_pending(ctx, monkeypatch):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)  # accepts connections in the backlog but never greets
    try:
        use_smtp(ctx, monkeypatch, silent.getsockname()[1], timeout=1.0)
        set_emails(ctx, programas_sociales="programas@sedesson.test")
        result = route(ctx)
    finally:
        silent.close()
    assert result.delivered
    assert [e["error_code"] for e in mail_events(ctx, "mail_failed")] == ["mail_timeout"]
    assert pending_rows(ctx) == 1


def test_a_refused_recipient_does_not_hold_up_the_others(ctx, smtp, monkeypatch):
    server = smtp()
    server.refuse.add("juridica@sedesson.test")
    use_smtp(ctx, monkeypatch, server.port)
    set_emails(ctx, programas_sociales="programas@sedesson.test", juridica="juridica@sedesson.test")
    route(ctx, copies=["juridica"])
    assert [m["to"] for m in server.messages] == [["programas@sedesson.test"]]
    assert [(e["directorate"], e["error_code"]) for e in mail_events(ctx, "mail_failed")] == [("juridica", "mail_refused")]
    # The admin corrects the address in the catalogue; the retry sends only the one still pending, to the new one.
    set_emails(ctx, juridica="unidad.juridica@sedesson.test")
    routing.deliver_pending(ctx)
    assert [m["to"] for m in server.messages] == [["programas@sedesson.test"], ["unidad.juridica@sedesson.test"]]


def test_without_smtp_settings_nothing_is_attempted(ctx, smtp):
    server = smtp()
    assert ctx.settings.smtp_host is None
    set_emails(ctx, programas_sociales="programas@sedesson.test")
    result = route(ctx)
    assert result.delivered and (ctx.settings.outbox / "programas_sociales" / f"{result.folio}.pdf").is_file()
    routing.deliver_pending(ctx)
    assert server.messages == []
    assert mail_events(ctx, "mail_sent") == mail_events(ctx, "mail_failed") == []
    with ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RoutingMail)) == 0


def test_a_directorate_without_email_gets_files_only(ctx, smtp, monkeypatch):
    server = smtp()
    use_smtp(ctx, monkeypatch, server.port)
    set_emails(ctx, programas_sociales="programas@sedesson.test", juridica=None)
    result = route(ctx, copies=["juridica"])
    assert [m["to"] for m in server.messages] == [["programas@sedesson.test"]]
    assert (ctx.settings.outbox / "juridica" / f"{result.folio}-volante.pdf").is_file()
    assert mail_events(ctx, "mail_failed") == [] and pending_rows(ctx) == 0


def test_the_running_service_retries_a_pending_mail_without_a_restart(ctx, smtp, monkeypatch):
    import time

    from review import service

    server = smtp()
    port = server.port
    server.stop()
    use_smtp(ctx, monkeypatch, port)
    monkeypatch.setattr(ctx.settings, "delivery_retry_seconds", 0.3)
    set_emails(ctx, programas_sociales="programas@sedesson.test")
    route(ctx)
    assert pending_rows(ctx) == 1
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        web_port = probe.getsockname()[1]
    web = service.start_web(ctx, "127.0.0.1", web_port)
    try:
        back = smtp(port)  # the mail server comes back while the service runs
        deadline = time.monotonic() + 20
        while pending_rows(ctx) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pending_rows(ctx) == 0
        assert [m["to"] for m in back.messages] == [["programas@sedesson.test"]]
    finally:
        web.should_exit = True
