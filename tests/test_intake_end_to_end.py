"""A clerk's mixed drop into the inbox, handled by the real service with real Tesseract and poppler."""

from __future__ import annotations

import hashlib
import io
import shutil
import threading
import time
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from storage import database
from classifiers.extraction import RULES_VERSION
from storage.tables import Document, Extraction, Page, StageRun, Suggestion
from tests.pages import LETTERS, save_pdf, save_tiff, small_page

pytestmark = pytest.mark.slow


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_mix(staging: Path) -> dict[str, Path]:
    staging.mkdir()
    files = {
        "tres.pdf": save_pdf(staging / "tres.pdf", [small_page(t) for t in LETTERS]),
        "dos.tiff": save_tiff(staging / "dos.tiff", [small_page(LETTERS[1]), small_page(LETTERS[2])]),
        "foto.jpg": staging / "foto.jpg",
        "jornada.png": staging / "jornada.png",
        "lento.pdf": save_pdf(staging / "lento.pdf", [small_page(LETTERS[2]), small_page(LETTERS[0])]),
    }
    small_page(LETTERS[0]).convert("RGB").save(files["foto.jpg"], "JPEG", quality=85, dpi=(150, 150))
    small_page(LETTERS[1]).save(files["jornada.png"], dpi=(150, 150))
    files["copia de foto.jpg"] = staging / "copia de foto.jpg"
    shutil.copy(files["foto.jpg"], files["copia de foto.jpg"])
    files["vacio.pdf"] = staging / "vacio.pdf"
    files["vacio.pdf"].write_bytes(b"")
    full = files["tres.pdf"].read_bytes()
    files["truncado.pdf"] = staging / "truncado.pdf"
    files["truncado.pdf"].write_bytes(full[: len(full) // 2])
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(full)))
    writer.encrypt(user_password="secreto", owner_password="dueño")
    files["cifrado.pdf"] = staging / "cifrado.pdf"
    with open(files["cifrado.pdf"], "wb") as handle:
        writer.write(handle)
    files["nota.pdf"] = staging / "nota.pdf"
    files["nota.pdf"].write_text("Esto es una nota de texto, no un PDF.\n", encoding="utf-8")
    return files


def write_slowly(source: Path, target: Path, seconds: float = 3.0, chunks: int = 10) -> None:
    data = source.read_bytes()
    size = -(-len(data) // chunks)
    with open(target, "wb") as handle:
        for i in range(chunks):
            handle.write(data[i * size:(i + 1) * size])
            handle.flush()
            time.sleep(seconds / chunks)


def test_mixed_drop_ends_in_review_or_quarantine(service, home, tmp_path):
    files = make_mix(tmp_path / "staging")
    hashes = {name: sha(path) for name, path in files.items()}
    svc = service(PETICIONES_POLLING="0").start()
    inbox = home / "entrada"
    (inbox / "~$borrador.tmp").write_bytes(b"temporal de Word")  # must be ignored, not taken
    slow = threading.Thread(target=write_slowly, args=(files["lento.pdf"], inbox / "lento.pdf"))
    slow.start()
    for name, path in files.items():
        if name == "lento.pdf":
            continue
        target = inbox / ("jornadas" if name == "jornada.png" else "") / name
        shutil.copy(path, target)
    slow.join()

    svc.wait_for(lambda: svc.status()["documents"]["total"] == len(files)
                 and set(svc.status()["documents"]["by_state"]) <= {"review", "quarantined", "duplicate"},
                 300, "every file in a terminal state")
    status = svc.status()
    assert status["documents"]["by_state"] == {"review": 5, "quarantined": 4, "duplicate": 1}
    reasons = {q["file"]: q["reason_code"] for q in status["quarantined"]}
    assert reasons == {"vacio.pdf": "empty_file", "truncado.pdf": "corrupt_file", "cifrado.pdf": "encrypted_pdf",
                       "nota.pdf": "content_mismatch"}
    assert all(q["reason"] for q in status["quarantined"])  # a Spanish message for staff

    engine = database.make_engine(f"sqlite:///{home / 'peticiones.db'}")
    with engine.connect() as db:
        documents = {d.original_name: d for d in db.execute(select(Document))}
        for name in ("tres.pdf", "dos.tiff", "foto.jpg", "jornada.png", "lento.pdf"):
            d = documents.get(name) or documents["copia de foto.jpg"]
            if d.state == "duplicate":
                d = documents["copia de foto.jpg"]
            assert d.state == "review", name
            pages = db.execute(select(Page).where(Page.document_id == d.id).order_by(Page.number)).all()
            assert len(pages) == d.page_count
            assert all(("Sonora" in p.text) for p in pages), (name, [p.text[:80] for p in pages])
            suggestions = {s.target: s for s in db.execute(select(Suggestion).where(Suggestion.document_id == d.id))}
            assert set(suggestions) == {"program", "directorate"}
            # A label, or None when the model abstains ("sin sugerencia confiable"); always a score and a version.
            assert all(0 < s.score <= 1 and s.model_version for s in suggestions.values())
            [extraction] = db.execute(select(Extraction).where(Extraction.document_id == d.id)).all()
            assert extraction.model_version == RULES_VERSION
            if name == "jornada.png":
                assert extraction.fields["municipality"]["value"] == "Navojoa"
        assert {documents["tres.pdf"].page_count, documents["dos.tiff"].page_count} == {3, 2}
        channels = {name: d.channel for name, d in documents.items()}
        assert channels["jornada.png"] == "jornadas" and channels["tres.pdf"] == "correspondencia"

        pair = [documents["foto.jpg"], documents["copia de foto.jpg"]]
        duplicate = next(d for d in pair if d.state == "duplicate")
        original = next(d for d in pair if d.state != "duplicate")
        assert duplicate.duplicate_of == original.id
        runs = db.execute(select(StageRun.document_id).where(StageRun.document_id == duplicate.id)).all()
        assert runs == []  # never processed again
    engine.dispose()

    for name, digest in hashes.items():
        if name == "vacio.pdf":
            continue
        suffix = Path(name).suffix
        archived = home / "archivo" / digest[:2] / digest[2:4] / f"{digest}{suffix}"
        quarantined = list((home / "cuarentena").rglob(f"*-{name}"))
        assert archived.exists() or quarantined, name
        for kept in [archived] if archived.exists() else quarantined:
            assert sha(kept) == digest, name
    for name in reasons:
        [kept] = list((home / "cuarentena").rglob(f"*-{name}"))
        assert sha(kept) == hashes[name]
        assert "Código: " + reasons[name] in Path(str(kept) + ".motivo.txt").read_text(encoding="utf-8")
    left = sorted(p.name for p in inbox.rglob("*") if p.is_file())
    assert left == ["~$borrador.tmp"]
