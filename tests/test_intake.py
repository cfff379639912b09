"""Taking a file in: archived and verified before the inbox copy goes; links and empty files refused."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.tables import Document, Event, State, utcnow
from watch_folders import archive
from watch_folders.intake import IncomingFile, take_in


def incoming(path: Path, channel: str = "correspondencia") -> IncomingFile:
    info = os.lstat(path)
    return IncomingFile(path, channel, info.st_size, info.st_mtime_ns, utcnow())


def take(ctx, path: Path, **kwargs):
    s = ctx.settings
    return take_in(incoming(path), s.archive, s.quarantine, ctx.sessions, remove_source=True, **kwargs)


def rows(ctx) -> list[Document]:
    with ctx.sessions() as session:
        return list(session.scalars(select(Document).order_by(Document.id)))


def test_a_file_is_archived_by_hash_recorded_and_only_then_removed(ctx):
    path = ctx.settings.inbox / "carta.PDF"
    path.write_bytes(b"%PDF-1.4 carta\n%%EOF\n")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    result = take(ctx, path)
    assert result.state == State.received and result.needs_processing
    archived = ctx.settings.archive / digest[:2] / digest[2:4] / f"{digest}.pdf"
    assert archived.read_bytes() == b"%PDF-1.4 carta\n%%EOF\n"
    assert not path.exists()
    [row] = rows(ctx)
    assert (row.sha256, row.original_name, row.archive_path) == (digest, "carta.PDF", str(archived.relative_to(ctx.settings.archive)))
    assert not list((ctx.settings.archive / "tmp").iterdir())


def test_the_same_content_under_another_name_is_a_linked_duplicate(ctx):
    first, second = ctx.settings.inbox / "a.pdf", ctx.settings.inbox / "b.pdf"
    first.write_bytes(b"%PDF-1.4 igual")
    second.write_bytes(b"%PDF-1.4 igual")
    original = take(ctx, first)
    duplicate = take(ctx, second)
    assert duplicate.state == State.duplicate and not duplicate.needs_processing
    assert rows(ctx)[1].duplicate_of == original.document_id
    assert not second.exists()


def test_a_file_seen_again_after_a_crash_before_removal_is_not_a_duplicate(ctx):
    path = ctx.settings.inbox / "carta.pdf"
    path.write_bytes(b"%PDF-1.4 carta")
    first = take(ctx, path)
    path.write_bytes(b"%PDF-1.4 carta")  # as if the service died before unlinking: same name, bytes and time
    os.utime(path, ns=(rows(ctx)[0].source_mtime_ns, rows(ctx)[0].source_mtime_ns))
    again = take(ctx, path)
    # Not processed yet: queued again (its first task may never have been), a claim makes a second task a no-op.
    assert again.document_id == first.document_id and again.needs_processing
    assert len(rows(ctx)) == 1 and not path.exists()


@pytest.mark.parametrize("name, content, code", [
    ("vacio.pdf", b"", "empty_file"),
    ("oficio.docx", b"PK\x03\x04 word", "unsupported_type"),
    ("sin_extension", b"datos", "unsupported_type"),
])
def test_refused_files_go_to_quarantine_with_a_reason(ctx, name, content, code):
    path = ctx.settings.inbox / name
    path.write_bytes(content)
    result = take(ctx, path)
    [row] = rows(ctx)
    assert (result.state, row.reason_code) == (State.quarantined, code)
    kept = Path(row.quarantine_path)
    assert kept.read_bytes() == content and not path.exists()
    assert f"Código: {code}" in Path(str(kept) + ".motivo.txt").read_text(encoding="utf-8")


def test_a_stop_between_recording_and_moving_a_refused_file_leaves_it_recorded_once(ctx, monkeypatch):
    path = ctx.settings.inbox / "vacio.pdf"
    path.write_bytes(b"")

    def power_cut(*args, **kwargs):
        raise SystemExit("service stopped")

    with monkeypatch.context() as patch:
        patch.setattr(archive, "place", power_cut)
        with pytest.raises(SystemExit):
            take(ctx, path)
    [row] = rows(ctx)
    assert row.state == State.quarantined and path.exists()  # recorded before anything moved
    again = take(ctx, path)
    [row] = rows(ctx)
    assert again.document_id == row.id and not path.exists()
    assert Path(row.quarantine_path).exists() and Path(row.quarantine_path + ".motivo.txt").exists()


def test_symlinks_are_refused_and_their_target_untouched(ctx, tmp_path):
    secret = tmp_path / "fuera.pdf"
    secret.write_bytes(b"%PDF-1.4 ajeno")
    link = ctx.settings.inbox / "enlace.pdf"
    link.symlink_to(secret)
    result = take(ctx, link)
    [row] = rows(ctx)
    assert (result.state, row.reason_code) == (State.quarantined, "link_refused")
    assert Path(row.quarantine_path).is_symlink() and secret.read_bytes() == b"%PDF-1.4 ajeno"
    assert not os.path.lexists(link)
    assert not any(ctx.settings.archive.rglob("*.pdf"))


def test_hard_links_are_refused(ctx, tmp_path):
    other = tmp_path / "otro.pdf"
    other.write_bytes(b"%PDF-1.4 compartido")
    linked = ctx.settings.inbox / "duro.pdf"
    os.link(other, linked)
    assert take(ctx, linked).state == State.quarantined
    assert rows(ctx)[0].reason_code == "link_refused" and other.exists()


def test_every_arrival_is_logged(ctx):
    path = ctx.settings.inbox / "a.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\nx")
    take(ctx, path, actor="watcher")
    with ctx.sessions() as session:
        [event] = session.scalars(select(Event)).all()
    assert (event.kind, event.actor, event.detail["file"]) == ("document_received", "watcher", "a.png")
