"""The runner records every stage run, retries transient failures with backoff, then fails with a reason."""

from __future__ import annotations

import os
import shutil
import time

from sqlalchemy import select

from pypdf import PdfReader

from pipeline import batches, runner, stages
from storage import model_versions
from review.reports import search
from review.roles import Actor
from storage.tables import Document, Page, Role, StageRun, State, utcnow
from tests.pages import LETTERS, save_pdf, small_page
from watch_folders.intake import IncomingFile, take_in


def intake(ctx, path):
    info = os.stat(path)
    s = ctx.settings
    return take_in(IncomingFile(path, "correspondencia", info.st_size, info.st_mtime_ns, utcnow()),
                   s.archive, s.quarantine, ctx.sessions, remove_source=False)


def test_a_hanging_tesseract_fails_the_page_not_the_document(ctx, tmp_path, fake_tesseract):
    ctx.settings.page_timeout = 1.0
    document_id = intake(ctx, save_pdf(tmp_path / "carta.pdf", [small_page(LETTERS[0])])).document_id
    fake_tesseract("sleep 30")
    assert runner.process(ctx, document_id).state == State.review
    with ctx.sessions() as session:
        [page] = session.scalars(select(Page).where(Page.document_id == document_id)).all()
        assert page.error_code == "ocr_timeout" and "tardó demasiado" in page.error and page.needs_transcription


def test_a_failing_stage_is_retried_with_backoff_then_the_document_fails_with_a_reason(ctx, tmp_path):
    ctx.settings.max_attempts = 2
    # The active model's folder is gone (a disk or an admin removed it) before this worker ever loaded it.
    shutil.copytree(ctx.settings.model, tmp_path / "modelo")
    with ctx.sessions.begin() as session:
        model_versions.register(session, version="peticiones-borrado", folder=str(tmp_path / "modelo"),
                                trained_at="", data_sha256="", n=0, counts={})
        model_versions.activate(session, "peticiones-borrado", "prueba", "test")
    shutil.rmtree(tmp_path / "modelo")
    document_id = intake(ctx, save_pdf(tmp_path / "carta.pdf", [small_page(LETTERS[0])])).document_id
    first = runner.process(ctx, document_id)
    assert first.state == State.processing and first.retry_in == ctx.settings.retry_base_seconds
    with ctx.sessions() as session:  # found by what its pages say while it waits for its retry
        assert [i["id"] for i in search.find(session, Actor(1, "ana", Role.revisor), "sillas")["items"]] == [document_id]
    assert runner.process(ctx, document_id).state is None  # too early: the retry is not due yet
    time.sleep(first.retry_in)
    assert runner.process(ctx, document_id).state == State.failed
    with ctx.sessions() as session:
        row = session.get(Document, document_id)
        assert row.reason_code == "model_missing" and "modelo" in row.reason
        runs = session.execute(select(StageRun.stage, StageRun.status, StageRun.attempt, StageRun.error_code)
                               .where(StageRun.document_id == document_id).order_by(StageRun.id)).all()
    assert runs == [("inspect", "succeeded", 1, None), ("ocr", "succeeded", 1, None),
                    ("separate", "succeeded", 1, None), ("pdf", "succeeded", 1, None),
                    ("classify", "failed", 1, "model_missing"), ("classify", "failed", 2, "model_missing")]


def test_a_resumed_document_keeps_the_pages_already_read(ctx, tmp_path, monkeypatch):
    pdf = save_pdf(tmp_path / "tres.pdf", [small_page(t) for t in LETTERS])
    document_id = intake(ctx, pdf).document_id
    asked: list[int] = []
    monkeypatch.setattr(batches, "parts_waiting", lambda ctx, batch_id: asked.append(batch_id) or [])
    assert runner.process(ctx, document_id).state == State.review
    assert asked == []  # not split: no batch's parts are looked for
    with ctx.sessions() as session:
        runs = session.scalars(select(StageRun.stage).where(StageRun.status == "succeeded")).all()
    assert runs == ["inspect", "ocr", "separate", "pdf", "classify"]
    assert runner.process(ctx, document_id).state is None  # done documents are never processed again
    with ctx.sessions() as session:
        first = session.scalars(select(Page).where(Page.document_id == document_id, Page.number == 1)).one()
    assert any(word[0] == "ruedas" and word[1] > 80 for word in first.words)  # text, confidence, box
    assert all(len(word) == 6 for word in first.words)
    searchable = PdfReader(stages.searchable_pdf(ctx, document_id))
    assert len(searchable.pages) == 3
    assert "silla de ruedas" in searchable.pages[0].extract_text()  # the invisible text layer
    assert "agua potable" in searchable.pages[1].extract_text()
