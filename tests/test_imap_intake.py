"""Issue 15, e-mail by IMAP, against a real Dovecot the tests start (tests/servers.py): each new message of the
office's mailbox becomes one petition; a message is marked (or moved) only once its file is safely written, and a
crash in between neither loses it nor takes it twice; TLS is checked; bad mail reaches quarantine with its reason."""

from __future__ import annotations

import imaplib
import os
import ssl
import time

import pytest
from sqlalchemy import select

from pipeline import runner, service
from storage.tables import Document, Page, State, utcnow
from tests.conftest import Service
from tests.servers import imap_server
from tests.test_mail_intake import letter_pdf, message
from watch_folders import imap
from watch_folders.intake import IncomingFile, take_in


@pytest.fixture(scope="module")
def server():
    with imap_server() as running:
        yield running


@pytest.fixture
def box(server, request):
    """The mailbox, with a folder of this test's own so tests do not see each other's messages."""
    folder = f"prueba-{request.node.name[:40]}"
    with server.client() as connection:
        connection.create(folder)
    return imap.Mailbox("127.0.0.1", server.port, server.user, server.PASSWORD, folder=folder,
                        ca_file=server.ca_file, timeout=10)


def keywords(server, box: imap.Mailbox, folder: str | None = None) -> list[bytes]:
    """The flags of each message in the folder, in order."""
    with server.client() as connection:
        _, [count] = connection.select(folder or box.folder)
        if int(count) == 0:
            return []
        _, data = connection.fetch("1:*", "(FLAGS)")
    return [item for item in data if item]


def take_all(ctx, folder) -> list[int]:
    """What the watcher would do with every .eml in `folder`: take it in and process it."""
    ids = []
    for path in sorted(folder.glob("*.eml")):
        info = os.lstat(path)
        taken = take_in(IncomingFile(path, "correo", info.st_size, info.st_mtime_ns, utcnow()), ctx.settings.archive,
                        ctx.settings.quarantine, ctx.sessions, remove_source=True)
        runner.process(ctx, taken.document_id)
        ids.append(taken.document_id)
    return ids


def fetches(monkeypatch) -> list[tuple]:
    """The UID FETCH commands the mailbox is sent from now on."""
    sent: list[tuple] = []
    uid = imaplib.IMAP4.uid

    def counted(connection, command, *args):
        if command == "FETCH":
            sent.append(args)
        return uid(connection, command, *args)

    monkeypatch.setattr(imaplib.IMAP4, "uid", counted)
    return sent


def test_one_message_becomes_one_petition_and_is_marked_only_after(ctx, server, box, tmp_path, monkeypatch):
    mail = message(attachments=[("carta.pdf", "application", "pdf", letter_pdf(tmp_path))])
    server.deliver(bytes(mail), box.folder)
    correo = ctx.settings.inbox / "correo"
    fetched = fetches(monkeypatch)
    done = imap.poll(box, correo, lambda sha: service.taken(ctx, sha))
    assert (done.found, done.written, done.known) == (1, 1, 0)
    assert len(fetched) == 1  # the message in one FETCH, its size compared by the search
    assert b"PeticionesTomado" in keywords(server, box)[0]
    [document_id] = take_all(ctx, correo)
    with ctx.sessions() as session:
        document = session.get(Document, document_id)
        pages = session.scalars(select(Page).where(Page.document_id == document_id)).all()
        assert document.state == State.review and document.channel == "correo" and len(pages) == 2
    again = imap.poll(box, correo, lambda sha: service.taken(ctx, sha))
    assert (again.found, again.written) == (0, 0) and not list(correo.glob("*.eml"))


def test_a_crash_between_writing_and_marking_neither_loses_nor_doubles_the_message(ctx, server, box, monkeypatch):
    server.deliver(bytes(message(subject="Primera")), box.folder)
    correo = ctx.settings.inbox / "correo"

    def crash(*_):
        raise ConnectionResetError("la conexión se cortó antes de marcar")

    with monkeypatch.context() as cut:
        cut.setattr(imap, "_mark", crash)
        with pytest.raises(ConnectionResetError):
            imap.poll(box, correo, lambda sha: service.taken(ctx, sha))
    [written] = list(correo.glob("*.eml"))
    assert b"PeticionesTomado" not in keywords(server, box)[0]  # not marked: the next poll takes it again

    # The service stopped before taking the file: fetched again, it replaces itself (same name), then is marked.
    done = imap.poll(box, correo, lambda sha: service.taken(ctx, sha))
    assert done.written == 1 and list(correo.glob("*.eml")) == [written]
    assert b"PeticionesTomado" in keywords(server, box)[0]

    # Taken, then a crash before marking a second message that has the same content as the first: only marked.
    take_all(ctx, correo)
    server.deliver(bytes(message(subject="Primera")), box.folder)  # a second, identical copy on the server
    done = imap.poll(box, correo, lambda sha: service.taken(ctx, sha))
    assert (done.written, done.known) == (0, 1) and not list(correo.glob("*.eml"))
    with ctx.sessions() as session:
        assert len(session.scalars(select(Document)).all()) == 1


def test_a_message_too_large_stays_on_the_server_unmarked_and_is_never_downloaded(ctx, server, box, monkeypatch):
    monkeypatch.setattr(imap, "LARGEST", 20_000)
    server.deliver(bytes(message(subject="Chica")), box.folder)
    attached = [("carta.pdf", "application", "pdf", os.urandom(50_000))]
    server.deliver(bytes(message(subject="Grande", attachments=attached)), box.folder)
    fetched = fetches(monkeypatch)
    done = imap.poll(box, ctx.settings.inbox / "correo", lambda sha: service.taken(ctx, sha))
    assert (done.found, done.written) == (2, 1) and len(fetched) == 1
    small, large = keywords(server, box)
    assert b"PeticionesTomado" in small and b"PeticionesTomado" not in large


def test_move_mode_moves_the_message_and_deletes_nothing(ctx, server, box):
    moved = imap.Mailbox(**{**box.__dict__, "after": "move", "move_to": f"{box.folder}-tomados"})
    server.deliver(bytes(message()), box.folder)
    done = imap.poll(moved, ctx.settings.inbox / "correo", lambda sha: service.taken(ctx, sha))
    assert done.written == 1
    assert keywords(server, box) == [] and len(keywords(server, box, moved.move_to)) == 1


def test_bad_mail_from_the_mailbox_is_quarantined_with_its_reason(ctx, server, box):
    server.deliver(bytes(message(attachments=[("cartas.zip", "application", "zip", b"PK\x03\x04")])), box.folder)
    correo = ctx.settings.inbox / "correo"
    imap.poll(box, correo, lambda sha: service.taken(ctx, sha))
    [document_id] = take_all(ctx, correo)
    with ctx.sessions() as session:
        document = session.get(Document, document_id)
        assert document.state == State.quarantined and document.reason_code == "attachment_refused"


def test_a_server_whose_certificate_is_not_trusted_is_refused(ctx, server, box):
    server.deliver(bytes(message()), box.folder)
    untrusted = imap.Mailbox(**{**box.__dict__, "ca_file": None})  # the system's CAs did not sign it
    with pytest.raises(ssl.SSLCertVerificationError):
        imap.poll(untrusted, ctx.settings.inbox / "correo", lambda sha: False)
    assert not (ctx.settings.inbox / "correo").exists() or not list((ctx.settings.inbox / "correo").glob("*.eml"))


def test_the_service_reads_the_mailbox_into_the_review_queue(home, server, box):
    server.deliver(bytes(message(subject="Por el servicio")), box.folder)
    running = Service(home, {"PETICIONES_STABILITY_SECONDS": "1", "PETICIONES_WORKERS": "1",
                             "PETICIONES_IMAP_HOST": "127.0.0.1", "PETICIONES_IMAP_PORT": str(server.port),
                             "PETICIONES_IMAP_USER": server.user, "PETICIONES_IMAP_PASSWORD": server.PASSWORD,
                             "PETICIONES_IMAP_FOLDER": box.folder, "PETICIONES_IMAP_CA_FILE": str(server.ca_file),
                             "PETICIONES_IMAP_POLL_SECONDS": "1"}).start()
    try:
        running.wait_for(lambda: running.status()["documents"]["by_state"].get("review") == 1, 120,
                         "the message in review")
        time.sleep(2.5)  # two more polls: the message is marked, it is not taken again
        assert running.status()["documents"]["total"] == 1
        assert b"PeticionesTomado" in keywords(server, box)[0]
    finally:
        running.stop()
