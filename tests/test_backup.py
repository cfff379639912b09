"""`peticiones db respaldo` and `db restaurar`: one consistent archive of the database and the folders, restored
only into an empty home and only when every file matches its manifest."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import sqlite3
import stat
import tarfile
from pathlib import Path

from sqlalchemy import select, text
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.settings import Settings
from storage import access, backup, database
from storage.tables import Document, Page
from tests.review_helpers import document_in_review

PDF = b"%PDF-1.4\n% documento de prueba\n" + bytes(range(256)) * 40
ORIGINAL = b"%PDF-1.4\n% original escaneado\n" + b"\x00\xff" * 3000


def _documents_and_files(ctx) -> dict[str, bytes]:
    """Two documents in review (one with its PDF in procesado/), an original in archivo/, a quarantined file; the
    files a backup must hold, by name."""
    document_in_review(ctx, pdf=PDF)
    document_in_review(ctx, text="Pido apoyo con agua potable para la colonia.", program="infraestructura_basica")
    digest = hashlib.sha256(ORIGINAL).hexdigest()
    original = ctx.settings.archive / digest[:2] / digest[2:4] / f"{digest}.pdf"
    original.parent.mkdir(parents=True)
    original.write_bytes(ORIGINAL)
    quarantined = ctx.settings.quarantine / "2026-03-02" / "vacio.pdf.motivo.txt"
    quarantined.parent.mkdir(parents=True)
    quarantined.write_text("El archivo está vacío.", encoding="utf-8")
    files = _files(ctx.settings.home)
    (ctx.settings.archive / "tmp").mkdir(exist_ok=True)  # an intake's copy still being written: not backed up
    (ctx.settings.archive / "tmp" / "a-medias.part").write_bytes(b"copia incompleta")
    return files


def _files(home: Path) -> dict[str, bytes]:
    return {p.relative_to(home).as_posix(): p.read_bytes() for folder in backup.FOLDERS
            for p in sorted((home / folder).rglob("*")) if p.is_file()}


def _cli(monkeypatch, home: Path, *arguments: str):
    monkeypatch.setenv("PETICIONES_HOME", str(home))
    return CliRunner().invoke(app, list(arguments))


def _contents(home: Path) -> tuple[list, list]:
    """Documents and pages as the restored service would read them."""
    engine = database.make_engine(Settings(home=home).db_url)
    try:
        with engine.connect() as db:
            documents = [tuple(r) for r in db.execute(select(Document.id, Document.state, Document.original_name,
                                                             Document.version).order_by(Document.id))]
            pages = [tuple(r) for r in db.execute(select(Page.document_id, Page.number, Page.text, Page.words)
                                                  .order_by(Page.document_id, Page.number))]
    finally:
        engine.dispose()
    return documents, pages


def test_a_backup_restores_into_an_empty_home_with_the_same_documents_and_files(ctx, tmp_path, monkeypatch):
    files = _documents_and_files(ctx)
    out = tmp_path / "respaldos" / "peticiones.tar"

    made = _cli(monkeypatch, ctx.settings.home, "db", "respaldo", "--out", str(out))

    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # personal data
    assert not [p for p in out.parent.iterdir() if p != out]  # no scratch folder or partial archive left
    summary = json.loads(made.stdout.strip().splitlines()[-1])
    assert summary["database"] == "sqlite" and summary["files"] == len(files) + 1
    with tarfile.open(out) as tar:
        manifest = json.loads(tar.extractfile("MANIFEST.json").read())
    with ctx.engine.connect() as db:
        revision = db.scalar(text("SELECT version_num FROM alembic_version"))
    assert manifest["alembic_revision"] == revision == summary["revision"]
    assert manifest["peticiones_version"] == importlib.metadata.version("peticiones")
    assert manifest["database"] == {"kind": "sqlite", "file": "peticiones.db"} and manifest["created_at"]
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(files) | {"peticiones.db"}  # the partial copy in archivo/tmp/ is left out
    for name, data in files.items():
        assert listed[name] == {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    with ctx.sessions() as session:
        entry = access.entries(session)[0]
    assert (entry.action, entry.via, entry.target) == ("backup", "cli", str(out))
    assert entry.user_name.startswith("cli:")

    restored = tmp_path / "restaurado"
    done = _cli(monkeypatch, restored, "db", "restaurar", str(out), "--home", str(restored))

    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout.strip().splitlines()[-1])["files"] == len(files) + 1
    assert _files(restored) == files
    assert _contents(restored) == _contents(ctx.settings.home)
    assert not list(restored.glob(".restaurando-*"))
    before = _cli(monkeypatch, ctx.settings.home, "status", "--json")
    after = _cli(monkeypatch, restored, "status", "--json")
    assert after.exit_code == 0, after.output
    assert json.loads(after.stdout) == json.loads(before.stdout)
    assert json.loads(after.stdout)["documents"]["total"] == 2


def test_restoring_into_a_home_that_is_not_empty_is_refused_and_changes_nothing(ctx, tmp_path, monkeypatch):
    _documents_and_files(ctx)
    out = tmp_path / "peticiones.tar"
    assert _cli(monkeypatch, ctx.settings.home, "db", "respaldo", "--out", str(out)).exit_code == 0
    only_a_file = tmp_path / "otra"
    (only_a_file / "salida" / "programas_sociales").mkdir(parents=True)
    (only_a_file / "salida" / "programas_sociales" / "SDS-DAGC-2026-000001.pdf").write_bytes(b"ya entregado")

    for home in (ctx.settings.home, only_a_file):  # one has a database, the other just one file in salida/
        before = {p: p.read_bytes() for p in home.rglob("*") if p.is_file()}
        refused = _cli(monkeypatch, home, "db", "restaurar", str(out), "--home", str(home))
        assert refused.exit_code == 2, refused.output
        assert "no está vacía" in refused.output
        assert {p: p.read_bytes() for p in home.rglob("*") if p.is_file()} == before


def test_an_archive_with_one_changed_byte_is_refused_and_nothing_is_left_under_the_final_names(ctx, tmp_path,
                                                                                              monkeypatch):
    files = _documents_and_files(ctx)
    out = tmp_path / "peticiones.tar"
    assert _cli(monkeypatch, ctx.settings.home, "db", "respaldo", "--out", str(out)).exit_code == 0
    tampered = next(name for name in files if name.startswith("archivo/"))
    with tarfile.open(out) as tar:
        offset = tar.getmember(tampered).offset_data
    with open(out, "r+b") as handle:  # same size, so the tar itself still reads
        handle.seek(offset + 100)
        byte = handle.read(1)
        handle.seek(offset + 100)
        handle.write(bytes([byte[0] ^ 0xFF]))
    restored = tmp_path / "restaurado"

    refused = _cli(monkeypatch, restored, "db", "restaurar", str(out), "--home", str(restored))

    assert refused.exit_code == 2, refused.output
    assert tampered in refused.output and "sha256" in refused.output
    assert not restored.exists() or not [p for p in restored.rglob("*") if p.is_file()]


def test_a_backup_taken_while_another_connection_holds_a_write_transaction_is_consistent(ctx, tmp_path):
    document_id = document_in_review(ctx, pdf=PDF)
    writer = sqlite3.connect(ctx.settings.home / "peticiones.db", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE documents SET original_name = 'a medio cambiar' WHERE id = ?", (document_id,))
        writer.execute("INSERT INTO pages (document_id, number, text, rotation, skew, needs_transcription, blank) "
                       "VALUES (?, 2, 'sin confirmar', 0, 0, 0, 0)", (document_id,))
        summary = backup.create(tmp_path / "peticiones.tar", ctx.settings.home, ctx.settings.db_url)
    finally:
        writer.execute("ROLLBACK")
        writer.close()

    assert summary.database == "sqlite"
    with tarfile.open(tmp_path / "peticiones.tar") as tar:
        tar.extract("peticiones.db", tmp_path / "copia", filter="data")
    with sqlite3.connect(tmp_path / "copia" / "peticiones.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT original_name FROM documents WHERE id = ?", (document_id,)).fetchone()[0] == \
            "carta.pdf"  # the committed state, not the open transaction's
        assert copy.execute("SELECT count(*) FROM pages WHERE document_id = ?", (document_id,)).fetchone()[0] == 1
