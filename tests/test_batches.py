"""Issue 15, batch scans: a stack of letters scanned as one file with the project's separator sheet between them
becomes one document per letter, the sheets dropped, the batch archived once and each document naming its pages
in it; each is read, classified and queued on its own."""

from __future__ import annotations

import os
from contextlib import contextmanager
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import event, select, update

from ocr import rasterize
from ocr.cleanup import separator
from pipeline import batches, runner
from pipeline.queue import TaskQueue
from review.reports import search
from review.roles import Actor
from storage import documents
from storage.tables import Document, Page, Role, State, Suggestion, utcnow
from tests.pages import LETTERS, save_pdf, small_page
from tests.review_helpers import refreshes_counted
from watch_folders.intake import IncomingFile, take_in

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.fixture(scope="module")
def sheet(tmp_path_factory) -> Image.Image:
    """The printed separator sheet as a 150 dpi scan of it, like the small test pages."""
    path = tmp_path_factory.mktemp("hoja") / "hoja.pdf"
    path.write_bytes(separator.sheet_pdf(FONT))
    [page] = rasterize.iter_pages(path, rasterize.inspect(path, 10, 10**8), 150, 10**8)
    pixels = page.pixels if page.pixels.ndim == 2 else page.pixels.mean(axis=2).astype(np.uint8)
    return Image.fromarray(pixels)


def process(ctx, path: Path) -> int:
    info = os.lstat(path)
    taken = take_in(IncomingFile(path, "correspondencia", info.st_size, info.st_mtime_ns, utcnow()),
                    ctx.settings.archive, ctx.settings.quarantine, ctx.sessions, remove_source=True)
    runner.process(ctx, taken.document_id)
    return taken.document_id


def test_three_letters_with_two_sheets_become_three_documents_of_1_1_and_2_pages(ctx, tmp_path, sheet, monkeypatch):
    letters = [small_page(LETTERS[0]), sheet, small_page(LETTERS[1]), sheet, small_page(LETTERS[2]),
               small_page(LETTERS[0] + " Segunda hoja de la misma carta.")]
    refreshed = refreshes_counted(monkeypatch)
    batch_id = process(ctx, save_pdf(tmp_path / "lote.pdf", letters, resolution=150))
    assert sorted(refreshed) == sorted(set(refreshed)) and len(refreshed) == 3  # once each: read, split, classified
    with ctx.sessions() as session:
        batch = session.get(Document, batch_id)
        parts = list(session.scalars(select(Document).order_by(Document.id)))
        assert [d.id for d in parts][0] == batch_id and len(parts) == 3
        assert all(d.state == State.review for d in parts)
        assert [d.page_count for d in parts] == [1, 1, 2]
        assert {d.archive_path for d in parts} == {batch.archive_path}  # the batch is archived once
        assert [d.reason_code for d in parts] == [None, "batch", "batch"]
        texts = {d.id: [p.text for p in documents.pages(session, d.id)] for d in parts}
        origins = {d.id: [(p.origin_document_id, p.origin_page) for p in documents.pages(session, d.id)]
                   for d in parts}
        assert "Navojoa" in texts[parts[1].id][0] and not any("SEPARADORA" in t for ts in texts.values() for t in ts)
        assert origins[parts[1].id] == [(batch_id, 3)] and origins[parts[2].id] == [(batch_id, 5), (batch_id, 6)]
        assert not session.scalars(select(Page).where(Page.source == "separator")).all()  # the sheets are gone
        for d in parts:  # each classified on its own text, with its own searchable PDF and page PDFs
            assert session.scalars(select(Suggestion).where(Suggestion.document_id == d.id)).first() is not None
            folder = ctx.settings.processed / str(d.id)
            assert (folder / f"documento-{d.id}.pdf").is_file()
            assert sorted(p.name for p in folder.glob("pagina-*.pdf")) == [
                f"pagina-{n:04d}.pdf" for n in range(1, d.page_count + 1)]
    assert rasterize.inspect(ctx.settings.processed / str(parts[2].id) / f"documento-{parts[2].id}.pdf", 10,
                             10**8).page_count == 2
    reviewer = Actor(1, "ana", Role.revisor)
    with ctx.sessions() as session:  # each found by what its own pages say (full-text search), not the batch's
        assert [item["id"] for item in search.find(session, reviewer, "aguas potables")["items"]] == [parts[1].id]
        assert {item["id"] for item in search.find(session, reviewer, "sillas de ruedas")["items"]} == {
            batch_id, parts[2].id}


def read_batch(ctx, pages: list[tuple[str, str]]) -> int:
    """A batch scan as OCR leaves it, without reading any image: its pages' (text, source), inspected and read."""
    with ctx.sessions.begin() as session:
        batch = documents.add(session, "test", state=State.received, original_name="lote.pdf", source_path="/x/lote.pdf",
                              channel="correspondencia", received_at=utcnow(), page_count=len(pages),
                              archive_path="00/00/lote.pdf")
        for number, (text, source) in enumerate(pages, 1):
            session.add(Page(document_id=batch.id, number=number, text=text, source=source))
        for stage in ("inspect", "ocr"):
            documents.finish_stage(session, documents.start_stage(session, batch.id, stage, "test").id, "succeeded")
        return batch.id


@contextmanager
def transactions(ctx):
    """The SQL statements run meanwhile, one list per transaction (SQLite: storage.database begins each)."""
    seen: list[list[str]] = []

    def ran(connection, cursor, sql, *rest):
        seen.append([]) if sql.startswith("BEGIN") else seen[-1].append(sql)

    event.listen(ctx.engine, "before_cursor_execute", ran)
    try:
        yield seen
    finally:
        event.remove(ctx.engine, "before_cursor_execute", ran)


def test_the_split_reads_the_pages_first_and_its_write_transaction_only_writes(ctx):
    sheet = ("", batches.SEPARATOR)
    batch_id = read_batch(ctx, [(LETTERS[0], "ocr"), sheet, (LETTERS[1], "ocr"), (LETTERS[1], "ocr"), sheet,
                                (LETTERS[2], "ocr")])
    with ctx.sessions() as session:
        batch = session.get(Document, batch_id)
    with transactions(ctx) as seen:
        parts = batches.separate(ctx, batch)
    [write] = [sqls for sqls in seen if any(sql.startswith("DELETE FROM pages") for sql in sqls)]
    assert not [sql for sql in write if sql.startswith("SELECT") and "FROM pages" in sql]  # read before it
    assert len([sql for sql in write if sql.startswith("UPDATE pages")]) == 1  # all pages moved in one statement
    assert len([sql for sql in write if "stage_runs" in sql and not sql.startswith("INSERT")]) == 0
    with ctx.sessions() as session:
        moved = {d: [(p.number, p.origin_document_id, p.origin_page) for p in documents.pages(session, d)]
                 for d in (batch_id, *parts)}
    assert list(moved.values()) == [[(1, batch_id, 1)], [(1, batch_id, 3), (2, batch_id, 4)], [(1, batch_id, 6)]]
    assert batch.page_count == 1


def test_a_blank_page_split_deletes_the_blank_pages_without_writing_them_first(ctx, monkeypatch):
    monkeypatch.setattr(ctx.settings, "split_at_blank_pages", True)
    blank = ("", "ocr")
    batch_id = read_batch(ctx, [(LETTERS[0], "ocr"), blank, (LETTERS[1], "ocr"), blank, (LETTERS[2], "ocr")])
    with ctx.sessions.begin() as session:
        session.execute(update(Page).where(Page.text == "").values(blank=True))
        batch = session.get(Document, batch_id)
    with transactions(ctx) as seen:
        parts = batches.separate(ctx, batch)
    writes = [sql.split()[0] for sqls in seen for sql in sqls if sql.startswith(("UPDATE pages", "DELETE FROM pages"))]
    assert writes == ["DELETE", "UPDATE"] and len(parts) == 2  # the blank pages deleted, the letters' moved, once


def test_a_part_that_fails_is_tried_again_on_its_own_and_found_through_the_origin_index(ctx, monkeypatch):
    sheet = ("", batches.SEPARATOR)
    batch_id = read_batch(ctx, [(LETTERS[0], "ocr"), sheet, (LETTERS[1], "ocr"), sheet, (LETTERS[2], "ocr")])
    failed: list[int] = []
    classify = dict(runner.STAGES)["classify"]

    def disk_full_once_for_a_part(ctx, document):
        if document.id != batch_id and not failed:
            failed.append(document.id)
            raise OSError("disco lleno")
        classify(ctx, document)

    monkeypatch.setattr(runner, "STAGES", tuple((name, disk_full_once_for_a_part if name == "classify" else stage)
                                                for name, stage in runner.STAGES))
    statements: list[tuple[str, tuple]] = []
    listen = lambda conn, cursor, sql, parameters, *rest: statements.append((sql, parameters))  # noqa: E731
    event.listen(ctx.engine, "before_cursor_execute", listen)
    queue = TaskQueue(ctx)
    queue._run(batch_id)
    event.remove(ctx.engine, "before_cursor_execute", listen)
    [part] = failed
    assert [(task.args, task.eta is not None) for task in queue.huey.pending()] == [((part,), True)]  # a retry
    with ctx.sessions() as session:
        states = dict(session.execute(select(Document.id, Document.state)).all())
    assert states[part] == State.processing  # waiting for its retry, as a document of its own would
    assert sorted(states.values()) == [State.processing, State.review, State.review]  # the batch, the next part
    time.sleep(ctx.settings.retry_base_seconds)
    assert runner.process(ctx, part).state == State.review
    [(sql, parameters)] = [(s, p) for s, p in statements if "WHERE pages.origin_document_id =" in s]  # parts_waiting
    with ctx.engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters).all()
    assert any("ix_pages_origin_document_id" in row[-1] for row in plan), plan


def test_a_sheet_before_the_first_letter_is_dropped_and_the_letter_stays_whole(ctx, tmp_path, sheet):
    document_id = process(ctx, save_pdf(tmp_path / "lote.pdf", [sheet, small_page(LETTERS[1])], resolution=150))
    with ctx.sessions() as session:
        [document] = session.scalars(select(Document)).all()
        [page] = documents.pages(session, document_id)
        assert document.state == State.review and document.page_count == 1 and page.number == 1
        assert "agua potable" in page.text
        assert (ctx.settings.processed / str(document_id) / "pagina-0001.pdf").is_file()
        assert not (ctx.settings.processed / str(document_id) / "pagina-0002.pdf").exists()


def test_a_scan_of_only_sheets_is_quarantined_with_its_reason(ctx, tmp_path, sheet):
    document_id = process(ctx, save_pdf(tmp_path / "hojas.pdf", [sheet, sheet], resolution=150))
    with ctx.sessions() as session:
        document = session.get(Document, document_id)
        assert document.state == State.quarantined and document.reason_code == "only_separators"
        assert "hojas separadoras" in document.reason


def test_a_single_page_is_never_taken_for_a_separator(ctx, tmp_path, sheet):
    document_id = process(ctx, save_pdf(tmp_path / "una.pdf", [sheet], resolution=150))
    with ctx.sessions() as session:
        assert session.get(Document, document_id).state == State.review  # one page is a petition, whatever it is


def test_the_separator_sheet_is_printed_from_captura_and_from_the_command_line(ctx, tmp_path):
    import subprocess
    import sys

    from fastapi.testclient import TestClient

    from review.web.app import create_app
    from storage.tables import Role
    from tests.review_helpers import make_user
    from tests.test_review_web import log_in

    make_user(ctx, "caro", Role.capturista)
    make_user(ctx, "gina", Role.gerente)
    with TestClient(create_app(ctx), follow_redirects=False) as client:
        log_in(client, "caro")
        assert 'href="/captura/hoja-separadora.pdf"' in client.get("/captura").text
        answer = client.get("/captura/hoja-separadora.pdf")
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
        client.cookies.clear()
        log_in(client, "gina")
        assert client.get("/captura/hoja-separadora.pdf").status_code == 403
    printed = tmp_path / "hoja.pdf"
    printed.write_bytes(answer.content)
    [page] = rasterize.iter_pages(printed, rasterize.inspect(printed, 10, 10**8), 200, 10**8)
    assert separator.is_separator(page.pixels if page.pixels.ndim == 2 else page.pixels.mean(axis=2).astype(np.uint8))
    out = tmp_path / "cli.pdf"
    done = subprocess.run([sys.executable, "-m", "pipeline", "separador", "--out", str(out)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PETICIONES_HOME": str(ctx.settings.home)})
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF") and "hoja separadora" in (done.stdout + done.stderr).lower()


def test_a_blank_sheet_separates_petitions_only_when_the_office_says_so(ctx, tmp_path, monkeypatch):
    blank = Image.new("L", (1240, 900), 255)
    scan = [small_page(LETTERS[0]), blank, small_page(LETTERS[1])]
    kept = process(ctx, save_pdf(tmp_path / "reverso.pdf", scan, resolution=150))  # a duplex scan's blank back
    monkeypatch.setattr(ctx.settings, "split_at_blank_pages", True)
    split = process(ctx, save_pdf(tmp_path / "lote.pdf", scan + [small_page(LETTERS[2])], resolution=150))
    with ctx.sessions() as session:
        assert session.get(Document, kept).page_count == 3
        parts = session.scalars(select(Document).where(Document.id != kept).order_by(Document.id)).all()
        assert [d.id for d in parts][0] == split and [d.page_count for d in parts] == [1, 2]
