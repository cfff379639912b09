"""Issue 14: what odd inbox entries and unlucky timings did to intake and processing, each made to fail first.

Faults enter where they would in the office: a FIFO in entrada/, a monitor running `peticiones status` beside the
service, a file the service's user may not read (the service run as another user), an inbox file the system refuses
to remove (chattr +i), a slow Tesseract while a second task for the same document arrives."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path

import pytest
from pypdf import PdfWriter
from sqlalchemy import select

from ocr import rasterize
from pipeline import runner, service
from watch_folders.errors import CorruptFile, EncryptedPdf
from pipeline.queue import TaskQueue
from storage import documents
from storage.tables import Document, State, utcnow
from tests.pages import LETTERS, save_pdf, small_page
from watch_folders import archive
from watch_folders.intake import IncomingFile, take_in
from watch_folders.watcher import InboxWatcher

ROOT = Path(__file__).resolve().parent.parent
PETICIONES = [sys.executable, "-m", "pipeline"]


def incoming(path: Path, received_at: dt.datetime | None = None) -> IncomingFile:
    info = os.lstat(path)
    return IncomingFile(path, "correspondencia", info.st_size, info.st_mtime_ns, received_at or utcnow())


def take(ctx, path: Path, **kwargs):
    s = ctx.settings
    return take_in(incoming(path, kwargs.pop("received_at", None)), s.archive, s.quarantine, ctx.sessions,
                   remove_source=kwargs.pop("remove_source", True), **kwargs)


def rows(ctx) -> list[Document]:
    with ctx.sessions() as session:
        return list(session.scalars(select(Document).order_by(Document.id)))


def cli_status(home: Path) -> dict:
    import json

    done = subprocess.run(PETICIONES + ["status", "--json"], env={**os.environ, "PETICIONES_HOME": str(home)},
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# 2. A FIFO in entrada/ froze intake for good: refusing it hashed it, and opening a FIFO waits for a writer.


def _release(fifo: Path) -> None:
    """Give a reader blocked on `fifo` its end of file (only needed when the code under test did block)."""
    for candidate in (fifo, *fifo.parent.parent.rglob("*")):
        if candidate.exists() and stat.S_ISFIFO(os.lstat(candidate).st_mode):
            try:
                os.close(os.open(candidate, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass


def test_a_fifo_in_the_inbox_is_quarantined_without_being_opened(ctx):
    fifo = ctx.settings.inbox / "escaner.pdf"
    os.mkfifo(fifo)
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(take(ctx, fifo)), daemon=True)
    worker.start()
    worker.join(10)
    try:
        assert not worker.is_alive(), "intake blocked on a FIFO"
    finally:
        _release(fifo)
    [row] = rows(ctx)
    assert (outcome[0].state, row.reason_code, row.sha256) == (State.quarantined, "not_a_regular_file", None)
    assert "no es un archivo" in row.reason
    kept = Path(row.quarantine_path)
    assert stat.S_ISFIFO(os.lstat(kept).st_mode) and not os.path.lexists(fifo)  # renamed out of entrada/, unopened
    assert "not_a_regular_file" in Path(str(kept) + ".motivo.txt").read_text(encoding="utf-8")


def test_the_watcher_goes_on_taking_files_after_a_fifo(ctx):
    s = ctx.settings
    fifo = s.inbox / "a-tuberia.pdf"
    os.mkfifo(fifo)
    watching = InboxWatcher(s.inbox, lambda path: take_in(incoming(path), s.archive, s.quarantine, ctx.sessions,
                                                          remove_source=True, actor="watcher"),
                            stability_seconds=0.3, polling=0.2, rescan_seconds=5)
    watching.start()
    try:
        time.sleep(0.5)
        (s.inbox / "b-carta.pdf").write_bytes(b"%PDF-1.4 carta\n%%EOF\n")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(rows(ctx)) < 2:
            time.sleep(0.1)
    finally:
        _release(fifo)
        watching.stop()
    assert {(r.original_name, r.state) for r in rows(ctx)} == {("a-tuberia.pdf", State.quarantined),
                                                                ("b-carta.pdf", State.received)}


# 3. Any CLI command removed the service's copies in progress from archivo/tmp/.


def test_a_cli_command_leaves_a_running_process_staging_alone_and_clears_a_dead_one(ctx, home):
    archive_root = ctx.settings.archive
    mine = archive.staging_file(archive_root)  # the name archive.store copies to: this (live) process's
    mine.write_bytes(b"%PDF-1.4 a medio copiar")
    api_folder = archive.staging_folder(archive_root)  # an API request of this (live) process, under way
    (api_folder / "anexo.pdf").write_bytes(b"%PDF-1.4 anexo")
    # A process that staged a copy and the files of an API request, and died without cleaning up (killed).
    dead = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; from watch_folders import archive; "
                               "p = archive.staging_file(Path(sys.argv[1])); p.write_bytes(b'x'); print(p); "
                               "f = archive.staging_folder(Path(sys.argv[1])); (f / 'a.pdf').write_bytes(b'y'); "
                               "print(f)",
         str(archive_root)], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    orphan, orphan_folder = map(Path, dead.stdout.split())
    assert orphan.exists() and orphan != mine and (orphan_folder / "a.pdf").exists()
    cli_status(home)  # e.g. a monitor polling the status while the service copies a large scan
    assert mine.read_bytes() == b"%PDF-1.4 a medio copiar"
    assert (api_folder / "anexo.pdf").exists()
    assert not orphan.exists() and not orphan_folder.exists()   # api- folders were never cleaned before


# 4. A name near 255 bytes could not be quarantined: prefix + name + ".motivo.txt" passed the file system's limit.


@pytest.mark.parametrize("name", ["a" * 246 + ".pdf", "petición de señora " * 11 + "ñ.PDF"],
                         ids=["ascii-250", "utf8-long"])
def test_a_long_name_is_quarantined_under_a_bounded_name(ctx, name):
    path = ctx.settings.inbox / name
    path.write_bytes(b"")
    assert len(os.fsencode(path.name)) <= 255
    assert take(ctx, path).state == State.quarantined
    [row] = rows(ctx)
    kept = Path(row.quarantine_path)
    assert kept.exists() and not path.exists()
    assert row.original_name == name and kept.suffix == Path(name).suffix
    motivo = Path(str(kept) + ".motivo.txt")
    assert len(os.fsencode(motivo.name)) <= 255 and f"Archivo: {name}\n" in motivo.read_text(encoding="utf-8")


def test_two_long_names_alike_do_not_collide(ctx):
    stem = "x" * 240
    for tail in ("1", "2"):
        (ctx.settings.inbox / f"{stem}{tail}.pdf").write_bytes(b"")
        take(ctx, ctx.settings.inbox / f"{stem}{tail}.pdf")
    first, second = rows(ctx)
    assert first.quarantine_path != second.quarantine_path
    assert Path(first.quarantine_path).exists() and Path(second.quarantine_path).exists()


def test_a_long_named_document_refused_by_the_pipeline_reaches_quarantine(ctx):
    name = "d" * 246 + ".pdf"
    path = ctx.settings.inbox / name
    path.write_bytes(b"%PDF-1.4\nbasura que no es un PDF\n%%EOF\n")
    document_id = take(ctx, path).document_id
    assert runner.process(ctx, document_id).state == State.quarantined
    [row] = rows(ctx)
    assert row.reason_code == "corrupt_file" and row.original_name == name and Path(row.quarantine_path).exists()


# 5. A name that is not UTF-8, and a file the service may not read, were retried for ever and never reported.


def test_a_name_that_is_not_utf8_is_quarantined_under_an_escaped_name(ctx, home):
    raw = b"carta-se\xf1ora.pdf"  # Latin-1, as an old Windows share writes it
    path = Path(os.fsdecode(bytes(ctx.settings.inbox) + b"/" + raw))
    os.rename(save_pdf(ctx.settings.home / "hecho.pdf", [small_page(LETTERS[0])]), path)
    assert take(ctx, path).state == State.quarantined
    [row] = rows(ctx)
    assert (row.reason_code, row.original_name) == ("bad_file_name", "carta-se\\xf1ora.pdf")
    assert "\\xf1" in row.source_path and not os.path.lexists(path)
    kept = Path(row.quarantine_path)
    assert kept.exists() and rasterize.inspect(kept, 10, 10**8).page_count == 1  # the bytes are kept whole
    assert os.fsencode(kept.name).decode("utf-8")  # the quarantine copy's name can be shown anywhere
    [listed] = cli_status(home)["quarantined"]
    assert (listed["file"], listed["reason_code"]) == ("carta-se\\xf1ora.pdf", "bad_file_name")


NOBODY = 65534
TAKE_AS_SERVICE = """
import sys
from pathlib import Path
from pipeline.context import Context
from pipeline.settings import Settings
from storage.tables import utcnow
from watch_folders.intake import IncomingFile, take_in
ctx = Context.open(Settings(home=Path(sys.argv[1])))
path = Path(sys.argv[2])
info = path.lstat()
s = ctx.settings
take_in(IncomingFile(path, "correspondencia", info.st_size, info.st_mtime_ns, utcnow()), s.archive, s.quarantine,
        ctx.sessions, remove_source=True, actor="watcher")
"""


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to run a service as nobody")
def test_a_file_the_service_may_not_read_is_quarantined_and_reported(settings):
    # As root nothing is unreadable, so the service runs as `nobody` over a HOME it owns, and a clerk (root) drops
    # a file readable only by its owner: what happens when the scanner's user is not the service's.
    base = Path(tempfile.mkdtemp(prefix="peticiones-nobody-"))
    try:
        base.chmod(0o755)
        home = base / "data"
        from pipeline.context import Context

        Context.open(settings.model_copy(update={"home": home})).close()
        for folder, _, files in os.walk(home):
            for entry in (folder, *(os.path.join(folder, f) for f in files)):
                os.chown(entry, NOBODY, NOBODY)
        secret = home / "entrada" / "privado.pdf"
        save_pdf(secret, [small_page(LETTERS[0])])
        secret.chmod(0o600)
        done = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                               sys.executable, "-c", TAKE_AS_SERVICE, str(home), str(secret)],
                              cwd=ROOT, env={**os.environ, "HOME": str(base)}, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        [listed] = cli_status(home)["quarantined"]
        assert (listed["file"], listed["reason_code"]) == ("privado.pdf", "unreadable_file")
        assert "permiso" in listed["reason"]
        assert not secret.exists() and Path(listed["quarantine_path"]).read_bytes()[:5] == b"%PDF-"
    finally:
        shutil.rmtree(base, ignore_errors=True)


# 6. A row committed before a failed unlink stayed `received` until a restart.


def test_a_received_document_whose_inbox_file_would_not_go_is_enqueued_on_the_retry(ctx):
    path = ctx.settings.inbox / "carta.pdf"
    path.write_bytes(b"%PDF-1.4 carta\n%%EOF\n")
    subprocess.run(["chattr", "+i", str(path)], check=True)  # the system refuses to remove it, even for root
    try:
        with pytest.raises(PermissionError):
            take(ctx, path)
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    [row] = rows(ctx)
    assert row.state == State.received
    again = take(ctx, path)  # the watcher's retry
    assert (again.document_id, again.needs_processing) == (row.id, True) and not path.exists()


def test_the_stalled_check_enqueues_a_received_document_nobody_works_on_once(ctx):
    s = ctx.settings
    old = ctx.settings.inbox / "viejo.pdf"
    old.write_bytes(b"%PDF-1.4 viejo\n%%EOF\n")
    orphan = take(ctx, old, received_at=utcnow() - dt.timedelta(minutes=5)).document_id  # its task never came
    fresh = ctx.settings.inbox / "nuevo.pdf"
    fresh.write_bytes(b"%PDF-1.4 nuevo\n%%EOF\n")
    just_in = take(ctx, fresh).document_id  # its task is about to be enqueued by the intake itself
    queue = TaskQueue(ctx)
    assert service.requeue_stalled(ctx, queue) == [orphan]
    assert service.requeue_stalled(ctx, queue) == []  # its task is waiting: not enqueued twice
    assert just_in != orphan and s.home.exists()


# 7. Two threads of one process shared the lease owner `host:pid`, so both worked on the same document.


def test_two_tasks_of_one_process_on_one_document_only_one_works(ctx, tmp_path, fake_tesseract):
    real = shutil.which("tesseract")
    fake_tesseract(f'sleep 1\nexec {real} "$@"')  # slow enough that the second task comes while the first works
    document_id = take(ctx, save_pdf(tmp_path / "carta.pdf", [small_page(LETTERS[0])]),
                       remove_source=False).document_id
    outcomes = []
    first = threading.Thread(target=lambda: outcomes.append(runner.process(ctx, document_id)))
    first.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and rows(ctx)[0].lease_owner is None:
        time.sleep(0.02)
    second = runner.process(ctx, document_id)  # e.g. a stale queued task plus resume()'s re-enqueue
    first.join(120)
    assert second.state is None
    assert [o.state for o in outcomes] == [State.review]
    [row] = rows(ctx)
    assert row.state == State.review and row.page_count == 1


def test_a_lease_owner_names_its_task_and_a_dead_process_still_frees_it():
    from pipeline.context import HOST, owner_is_gone

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert owner_is_gone(f"{HOST}:{dead}:0123abcd")
    assert owner_is_gone(f"{HOST}:{dead}")  # leases taken before this change
    assert not owner_is_gone(f"{HOST}:{os.getpid()}:0123abcd")
    assert not owner_is_gone(f"otra-maquina:{dead}:0123abcd")


# 8. AES-256 PDFs failed as `error`: pypdf needs the cryptography package, which nothing declared.


def _encrypted(tmp_path: Path, user_password: str) -> Path:
    plain = save_pdf(tmp_path / "plano.pdf", [small_page(LETTERS[1])])
    writer = PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password=user_password, owner_password="propietario", algorithm="AES-256")
    target = tmp_path / f"aes-{user_password or 'abierto'}.pdf"
    with open(target, "wb") as handle:
        writer.write(handle)
    return target


def test_cryptography_is_a_declared_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(d.split(">")[0].split("=")[0].strip() == "cryptography" for d in project["dependencies"])


def test_an_aes256_pdf_with_only_an_owner_password_is_read(ctx, tmp_path):
    path = _encrypted(tmp_path, "")
    assert rasterize.inspect(path, 10, 10**8).page_count == 1
    document_id = take(ctx, path, remove_source=False).document_id
    assert runner.process(ctx, document_id).state == State.review
    with ctx.sessions() as session:
        [page] = documents.pages(session, document_id)
    assert "agua potable" in page.text


def test_an_aes256_pdf_that_asks_for_a_password_is_refused_as_encrypted(tmp_path):
    with pytest.raises(EncryptedPdf):
        rasterize.inspect(_encrypted(tmp_path, "secreto"), 10, 10**8)


# 9. File names went into the log raw: a name can carry a newline (a forged log line) or terminal escapes.


def test_names_are_logged_with_control_characters_escaped(ctx, caplog):
    queue = TaskQueue(ctx)
    refused = ctx.settings.inbox / "mal\nERROR falso\x1b[31m.docx"
    refused.write_bytes(b"PK\x03\x04")
    accepted = ctx.settings.inbox / "carta\n\x1b[2J.pdf"
    accepted.write_bytes(b"%PDF-1.4 carta\n%%EOF\n")
    with caplog.at_level(logging.INFO):
        service.take_from_inbox(ctx, queue, refused)
        service.take_from_inbox(ctx, queue, accepted)
    messages = [r.getMessage() for r in caplog.records if r.name.startswith(("watch_folders", "pipeline"))]
    assert any("mal\\nERROR falso\\x1b[31m.docx" in m for m in messages)
    assert any("carta\\n\\x1b[2J.pdf" in m for m in messages)
    assert not any("\n" in m or "\x1b" in m for m in messages)
    # The database keeps the name as it is: it is data, not a log line.
    assert {r.original_name for r in rows(ctx)} == {refused.name, accepted.name}


def test_the_watcher_escapes_the_name_of_a_file_it_cannot_take(tmp_path, caplog):
    inbox = tmp_path / "entrada"
    inbox.mkdir()

    def failing(path: Path) -> None:
        raise OSError("disco lleno")

    watching = InboxWatcher(inbox, failing, stability_seconds=0.2, polling=0.1, rescan_seconds=5)
    with caplog.at_level(logging.INFO):
        (inbox / "x\ny\x1b.pdf").write_bytes(b"%PDF")
        watching.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not caplog.records:
            time.sleep(0.05)
        watching.stop()
    [record] = [r for r in caplog.records if r.name == "watch_folders.watcher"][:1]
    assert "x\\ny\\x1b.pdf" in record.getMessage() and "\n" not in record.getMessage()


# 10. A PDF with more than 2 KB after %%EOF was called damaged.


def test_a_pdf_with_junk_after_its_end_is_read_and_a_truncated_one_refused(tmp_path):
    whole = save_pdf(tmp_path / "carta.pdf", [small_page(LETTERS[0])]).read_bytes()
    padded = tmp_path / "relleno.pdf"
    padded.write_bytes(whole + b"\x00" * 8192)  # a scanner padding its output to a block size
    noisy = tmp_path / "ruido.pdf"
    noisy.write_bytes(whole + os.urandom(4096).replace(b"%%EOF", b"-----"))
    for path in (padded, noisy):
        info = rasterize.inspect(path, 10, 10**8)
        assert info.page_count == 1
        [page] = rasterize.iter_pages(path, info, 50, 10**8)
        assert page.pixels.size > 0
    truncated = tmp_path / "cortado.pdf"
    truncated.write_bytes(whole[: len(whole) * 2 // 3])
    with pytest.raises(CorruptFile):
        rasterize.inspect(truncated, 10, 10**8)


# Full disk (issue 14's fault suite left this): a file archivo/ has no room for waited in entrada/ with its reason
# only in a traceback in the log; `peticiones status` did not show it and the copy was started, filling the disk.


def test_no_copy_is_started_when_the_archive_disk_has_no_room_for_the_file(tmp_path, monkeypatch):
    from watch_folders.errors import ArchiveFull

    source, root = tmp_path / "carta.pdf", tmp_path / "archivo"
    source.write_bytes(b"%PDF-1.4 " + b"x" * 5000)
    room = shutil.disk_usage(tmp_path)._replace(free=4000)
    monkeypatch.setattr(archive.shutil, "disk_usage", lambda _: room)
    with pytest.raises(ArchiveFull) as refused:
        archive.store(source, root)
    assert refused.value.code == "low_disk_space" and refused.value.retryable
    assert not list((root / "tmp").iterdir()) and source.read_bytes().startswith(b"%PDF")


def test_a_disk_that_fills_during_the_copy_is_reported_as_full_and_the_partial_copy_removed(tmp_path, monkeypatch):
    import errno

    from watch_folders.errors import ArchiveFull

    source, root = tmp_path / "carta.pdf", tmp_path / "archivo"
    source.write_bytes(b"%PDF-1.4 " + b"x" * 5000)

    def full(reader, writer, digest):
        writer.write(reader.read(100))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(archive, "_copy", full)
    with pytest.raises(ArchiveFull, match="No space left on device"):
        archive.store(source, root)
    assert not list((root / "tmp").iterdir())


def test_a_file_that_cannot_be_taken_is_listed_by_status_with_its_reason_until_it_is_taken(settings, home):
    from watch_folders.errors import ArchiveFull
    from watch_folders import held

    inbox = settings.inbox
    (inbox / "jornadas").mkdir(parents=True, exist_ok=True)
    waiting = inbox / "jornadas" / "[bold]carta.pdf"
    waiting.write_bytes(b"%PDF-1.4")
    (inbox / ".oculto.pdf").write_bytes(b"x")  # what the watcher ignores, status does too
    room = {"full": True}
    reports: list[list[held.Held]] = []

    def take(path: Path) -> None:
        if room["full"]:
            raise ArchiveFull(f"{path.name}: sin espacio")
        path.unlink()

    def report(files: list[held.Held]) -> None:
        reports.append(files)
        held.write(settings.held_report, files)

    watching = InboxWatcher(inbox, take, stability_seconds=0.2, polling=0.1, rescan_seconds=5, on_held=report)
    watching.start()
    try:
        deadline = time.monotonic() + 15
        while not (reports and reports[-1]) and time.monotonic() < deadline:
            time.sleep(0.05)
        [entry] = cli_status(home)["waiting"]
        assert entry["file"] == "jornadas/[bold]carta.pdf" and entry["code"] == "low_disk_space"
        assert "No hay espacio" in entry["reason"] and entry["attempts"] >= 1 and entry["since"]
        shown = subprocess.run(PETICIONES + ["status"], env={**os.environ, "PETICIONES_HOME": str(home),
                                                             "COLUMNS": "300"},
                               cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert "Esperando en la carpeta de entrada" in shown.stdout and "[bold]carta.pdf" in shown.stdout

        room["full"] = False  # room again: taken on the next attempt (at most RETRY_AT_MOST later), report emptied
        from watch_folders.watcher import RETRY_AT_MOST

        deadline = time.monotonic() + RETRY_AT_MOST + 10  # a slow machine has failed more times meanwhile
        while waiting.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not waiting.exists()
        deadline = time.monotonic() + 5
        while reports[-1] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert reports[-1] == [] and cli_status(home)["waiting"] == []
    finally:
        watching.stop()


def test_a_file_the_service_has_not_tried_yet_is_listed_as_waiting(settings, home):
    settings.inbox.mkdir(parents=True)
    (settings.inbox / "recien.pdf").write_bytes(b"%PDF-1.4")
    [entry] = cli_status(home)["waiting"]
    assert entry["file"] == "recien.pdf" and entry["code"] == "waiting" and entry["attempts"] == 0
