"""A file with a page no sheet has goes to quarantine at inspection, with its reason, and the work goes on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import RectangleObject
from sqlalchemy import select

from pipeline import runner
from storage.tables import Document, Page, StageRun, State, utcnow
from tests.pages import LETTERS, save_pdf, save_tiff, small_page
from watch_folders.intake import IncomingFile, take_in


def intake(ctx, path: Path):
    info = os.stat(path)
    s = ctx.settings
    return take_in(IncomingFile(path, "correspondencia", info.st_size, info.st_mtime_ns, utcnow()),
                   s.archive, s.quarantine, ctx.sessions, remove_source=False)


def pdf_with_a_zero_wide_page(folder: Path) -> Path:
    writer = PdfWriter(clone_from=str(save_pdf(folder / "tres.pdf", [small_page(t) for t in LETTERS], resolution=150)))
    writer.pages[1].mediabox = RectangleObject([0, 0, 0, 792])  # rendered 1 px wide, it crashed the cleanup
    writer.write(folder / "hoja-rara.pdf")
    return folder / "hoja-rara.pdf"


def png_strip(folder: Path) -> Path:
    Image.new("L", (1, 60000), 255).save(folder / "tira.png")
    return folder / "tira.png"


def tiff_with_a_huge_second_frame(folder: Path) -> Path:
    return save_tiff(folder / "mixto.tif", [small_page("a"), Image.new("L", (12000, 12000), 255)])


@pytest.mark.parametrize("make, code, page", [
    (pdf_with_a_zero_wide_page, "absurd_page_size", 2),
    (png_strip, "absurd_page_size", 1),
    (tiff_with_a_huge_second_frame, "image_too_large", 2),
])
def test_a_page_no_sheet_has_quarantines_the_file_at_inspection(ctx, tmp_path, make, code, page):
    ctx.settings.max_pixels = 100_000_000
    original = make(tmp_path)
    document_id = intake(ctx, original).document_id
    assert runner.process(ctx, document_id).state == State.quarantined
    with ctx.sessions() as session:
        row = session.get(Document, document_id)
        runs = session.execute(select(StageRun.stage, StageRun.status, StageRun.error_code)
                               .where(StageRun.document_id == document_id)).all()
        pages = session.scalars(select(Page).where(Page.document_id == document_id)).all()
    assert runs == [("inspect", "failed", code)] and pages == []  # refused before any page was read
    assert row.reason_code == code and row.reason  # a Spanish message for staff
    if code == "absurd_page_size":
        assert row.reason.startswith(f"La página {page} mide ")
    kept = Path(row.quarantine_path)
    assert kept.read_bytes() == original.read_bytes()
    assert code in Path(f"{kept}.motivo.txt").read_text(encoding="utf-8")


def test_the_next_document_is_read_after_one_is_quarantined(ctx, tmp_path):
    refused = intake(ctx, png_strip(tmp_path)).document_id
    good = intake(ctx, save_pdf(tmp_path / "carta.pdf", [small_page(LETTERS[0])])).document_id
    assert runner.process(ctx, refused).state == State.quarantined
    assert runner.process(ctx, good).state == State.review
