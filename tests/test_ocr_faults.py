"""Tesseract missing, without its Spanish data, or crashing: the machine's faults are told apart from a page's.

A missing program or language is no page's fault: the document's OCR stage fails with `ocr_unavailable` and is
retried (once installed, it reads), no page is marked for transcription, and the readiness check says so. A crash
on one page is that page's: it is marked for transcription and the rest of the document is read.
"""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import select

from pipeline import runner
from review.web.app import create_app
from storage.tables import Document, Page, StageRun, State
from tests.pages import LETTERS, save_pdf, small_page
from tests.test_runner import intake

POPPLER = ("pdftoppm", "pdfinfo", "pdfimages", "pdftocairo", "pdfunite", "pdfseparate", "qpdf", "gs")


def without_tesseract(tmp_path, monkeypatch) -> None:
    """A PATH with poppler and nothing of Tesseract's."""
    folder = tmp_path / "sin-tesseract"
    folder.mkdir()
    for tool in POPPLER:
        if os.path.exists(f"/usr/bin/{tool}"):
            os.symlink(f"/usr/bin/{tool}", folder / tool)
    monkeypatch.setenv("PATH", str(folder))


def ocr_runs(ctx, document_id: int) -> list[tuple[str, str, str | None]]:
    with ctx.sessions() as session:
        return session.execute(select(StageRun.stage, StageRun.status, StageRun.error_code)
                               .where(StageRun.document_id == document_id, StageRun.stage == "ocr")).all()


def test_a_missing_tesseract_fails_the_stage_for_a_retry_and_marks_no_page(ctx, tmp_path, monkeypatch):
    ctx.settings.retry_base_seconds = 0.1
    document_id = intake(ctx, save_pdf(tmp_path / "carta.pdf", [small_page(LETTERS[0])])).document_id
    without_tesseract(tmp_path, monkeypatch)
    outcome = runner.process(ctx, document_id)
    assert outcome.state == State.processing and outcome.retry_in  # to be tried again, not given up
    assert ocr_runs(ctx, document_id) == [("ocr", "failed", "ocr_unavailable")]
    with ctx.sessions() as session:
        assert session.scalars(select(Page).where(Page.document_id == document_id)).all() == []

    monkeypatch.undo()                                   # the administrator installs it: the retry reads the page
    time.sleep(outcome.retry_in)
    assert runner.process(ctx, document_id).state == State.review
    with ctx.sessions() as session:
        [page] = session.scalars(select(Page).where(Page.document_id == document_id)).all()
        assert page.error_code is None and "SILLA DE RUEDAS" in page.text.upper()


def test_tesseract_without_spanish_data_is_the_machine_s_fault_not_the_page_s(ctx, tmp_path, fake_tesseract):
    document_id = intake(ctx, save_pdf(tmp_path / "carta.pdf", [small_page(LETTERS[0])])).document_id
    fake_tesseract("echo \"Error opening data file /usr/share/tesseract-ocr/5/tessdata/spa.traineddata\" >&2\n"
                   "echo \"Failed loading language 'spa'\" >&2\nexit 1")
    assert runner.process(ctx, document_id).state == State.processing
    assert ocr_runs(ctx, document_id) == [("ocr", "failed", "ocr_unavailable")]


def test_a_crash_on_one_page_marks_that_page_and_the_others_are_read(ctx, tmp_path, fake_tesseract):
    pages = [small_page(LETTERS[0]), small_page(LETTERS[1])]
    document_id = intake(ctx, save_pdf(tmp_path / "carta.pdf", pages)).document_id
    # The first run to claim the marker is killed by a signal (pages are read in parallel: either may be first).
    fake_tesseract(f'mkdir "{tmp_path / "una-vez"}" 2>/dev/null && kill -SEGV $$\nexec /usr/bin/tesseract "$@"')
    assert runner.process(ctx, document_id).state == State.review
    with ctx.sessions() as session:
        rows = session.scalars(select(Page).where(Page.document_id == document_id)).all()
        assert sorted(str(row.error_code) for row in rows) == ["None", "ocr_failed"]
        failed = next(row for row in rows if row.error_code == "ocr_failed")
        read = next(row for row in rows if row.error_code is None)
        assert failed.needs_transcription and "transcríbala" in failed.error and not failed.text
        assert len(read.text.split()) > 10
        assert session.get(Document, document_id).reason_code is None


def test_readiness_names_a_missing_tesseract(ctx, tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from ocr import tesseract

    monkeypatch.setattr(tesseract, "_checked", {})
    with TestClient(create_app(ctx)) as client:
        assert client.get("/salud/listo").json()["checks"]["ocr"]["ok"] is True
        without_tesseract(tmp_path, monkeypatch)
        # Within CHECK_KEPT the last answer stands: an unauthenticated probe does not start a process each time.
        assert client.get("/salud/listo").json()["checks"]["ocr"]["ok"] is True
        monkeypatch.setattr(tesseract, "CHECK_KEPT", 0.0)  # that time has passed
        answer = client.get("/salud/listo")
    assert answer.status_code == 503 and "ocr" in answer.json()["failed"]
    assert answer.json()["checks"]["ocr"] == {"ok": False, "error": "ocr_unavailable"}


def test_a_word_list_asked_for_while_tesseract_was_missing_is_read_once_it_is_back(tmp_path, monkeypatch):
    from ocr import tesseract

    monkeypatch.setattr(tesseract, "_LEXICONS", {})
    with monkeypatch.context() as missing:
        without_tesseract(tmp_path, missing)
        assert tesseract.lexicon("spa") == frozenset()
    words = tesseract.lexicon("spa")
    assert {"silla", "ruedas", "despensa"} <= words and len(words) > 100_000


def test_the_word_list_is_kept_between_processes_and_read_back_the_same(tmp_path, monkeypatch):
    from ocr import tesseract

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(tesseract, "_LEXICONS", {})
    unpacked = tesseract.lexicon("spa")
    [kept] = (tmp_path / "peticiones").glob("lexico-spa-*.txt")
    assert len(unpacked) > 90_000 and kept.stat().st_size > 500_000
    monkeypatch.setattr(tesseract, "_LEXICONS", {})  # another process: the list is read back, not unpacked
    monkeypatch.setattr(tesseract, "_unpacked_lexicon", lambda *args: pytest.fail("unpacked again"))
    assert tesseract.lexicon("spa") == unpacked
    kept.write_text("", encoding="utf-8")  # a list that came back empty is not believed
    monkeypatch.setattr(tesseract, "_LEXICONS", {})
    monkeypatch.setattr(tesseract, "_unpacked_lexicon", lambda *args: frozenset({"silla"}))
    assert tesseract.lexicon("spa") == {"silla"}


def test_without_a_home_to_keep_it_in_the_word_list_is_unpacked_every_time(monkeypatch):
    from pathlib import Path

    from ocr import tesseract

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    monkeypatch.setattr(tesseract, "_LEXICONS", {})
    assert {"silla", "ruedas"} <= tesseract.lexicon("spa")


def test_tesseracts_tsv_gives_its_words_with_their_places_and_lines_and_nothing_else():
    from ocr import tesseract

    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = ["4\t1\t1\t1\t1\t0\t270\t363\t789\t88\t-1\t",  # a line's own row: no word
            "5\t1\t1\t1\t1\t1\t270\t408\t144\t43\t95.83\t Cajeme, ",
            "5\t1\t1\t1\t1\t2\t429\t405\t133\t27\tx\tSonora",  # no confidence
            "5\t1\t1\t1\t1\t3\t579\t401\t17\t21\t96.2\t",  # no text
            "5\t1\t1\t2\t3\t1\t612\t391\t42\t29\t40",  # cut short
            "5\t1\t2\t1\t1\t1\t669\t388\t40\t30\t61.5\t26"]
    words = tesseract._parse_tsv("\n".join([header, *rows, ""]))
    assert [(w.text, w.confidence, w.box, w.line) for w in words] == [
        ("Cajeme,", 95.83, (270, 408, 144, 43), (1, 1, 1)), ("26", 61.5, (669, 388, 40, 30), (2, 1, 1))]
    assert tesseract._parse_tsv("") == () and tesseract._parse_tsv("level\tconf\n5\t90") == ()
