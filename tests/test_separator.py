"""Issue 15, batch scans: the separator sheet the project prints is found on a scanned page (turned, skewed,
compressed), a letter is never taken for one, and a page found to be a sheet is no page of any petition."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from ocr import rasterize
from ocr.cleanup import separator
from ocr.document import PagePool, read_document
from ocr.page import PageImage
from ocr.reader import OcrOptions, read_page
from tests import damage
from tests.pages import LETTERS, render_page, save_pdf

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@pytest.fixture(scope="module")
def sheet(tmp_path_factory) -> np.ndarray:
    """The printed sheet as a 300 dpi scan sees it."""
    from pathlib import Path

    path = tmp_path_factory.mktemp("hoja") / "hoja.pdf"
    path.write_bytes(separator.sheet_pdf(Path(FONT)))
    info = rasterize.inspect(path, 10, 10**8)
    [page] = rasterize.iter_pages(path, info, 300, 10**8)
    return page.pixels if page.pixels.ndim == 2 else page.pixels.mean(axis=2).astype(np.uint8)


def scanned(gray: np.ndarray, rotate: int = 0, skew: float = 0.0, quality: int = 60) -> np.ndarray:
    image = Image.fromarray(gray).rotate(rotate + skew, expand=True, fillcolor=255)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("L"))


@pytest.mark.parametrize("rotate, skew", [(0, 0.0), (180, 0.0), (90, 2.5), (0, -4.0)])
def test_the_printed_sheet_is_found_however_it_was_fed(sheet, rotate, skew):
    assert separator.is_separator(scanned(sheet, rotate, skew))


def test_a_photo_of_the_sheet_is_found_too(sheet):
    photo = damage.photo(Image.fromarray(sheet), seed=3)
    assert separator.is_separator(np.asarray(photo.convert("L")))


def test_a_letter_or_another_qr_code_is_not_a_separator():
    letter = np.asarray(render_page(LETTERS[0]).convert("L"))
    assert not separator.is_separator(letter)
    other = np.full((3300, 2550), 255, np.uint8)
    code = separator.code("https://www.sonora.gob.mx/")
    other[800:800 + code.shape[0], 600:600 + code.shape[1]] = code  # a letterhead's QR code: not ours
    assert not separator.is_separator(other)


def test_a_sheet_page_has_no_text_and_is_marked_only_when_separators_are_looked_for(sheet):
    found = read_page(PageImage(3, sheet, 300), OcrOptions("spa", 60, separators=True))
    assert found.source == "separator" and found.text == "" and not found.needs_transcription
    as_page = read_page(PageImage(3, sheet, 300), OcrOptions("spa", 60))
    assert as_page.source == "ocr" and "HOJA SEPARADORA" in as_page.text


def test_the_sheets_pdf_joined_by_software_is_known_by_its_text_layer(tmp_path):
    from pathlib import Path

    from ocr import searchable

    letter = save_pdf(tmp_path / "carta.pdf", [render_page(LETTERS[1])])
    sheet_pdf = tmp_path / "hoja.pdf"
    sheet_pdf.write_bytes(separator.sheet_pdf(Path(FONT)))
    batch = tmp_path / "lote.pdf"
    searchable.join([letter, sheet_pdf, letter], batch)
    info = rasterize.inspect(batch, 10, 10**8)
    pool = PagePool(1)
    try:
        pages = list(read_document(batch, info, OcrOptions("spa", 60, separators=True), pool, dpi=200,
                                   max_pixels=10**8))
    finally:
        pool.close()
    assert [p.source for p in pages] == ["ocr", "separator", "ocr"] and pages[1].text == ""
