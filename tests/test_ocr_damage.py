"""Real Tesseract on pages damaged the way office scans are (tests/damage.py): folded, curled, streaked,
watermarked, on the scanner bed, signed in pen, photographed; each must come out upright and read.

Similarity is difflib's ratio of the reading to the text as written, whitespace folded. The pipeline before the
cleanup package read these pages at 0.75 to 0.95; the bounds here sit below what it reads now by a margin for
Tesseract's own variation between versions.
"""

from __future__ import annotations

import difflib

import numpy as np
import pytest
from PIL import Image

from ocr import rasterize
from ocr.cleanup import bed, reading
from ocr.document import PagePool, read_document
from ocr.page import PageImage
from ocr.reader import OcrOptions, read_page
from tests import damage
from tests.pages import LETTERS, render_page

OPTIONS = OcrOptions("spa", 60)
TEXT = LETTERS[0] + "\n" + LETTERS[1]  # two paragraphs: a third of a page, as most petitions are


def letter(rotate: int = 0, text: str = TEXT) -> Image.Image:
    return render_page(text, font_size=48, rotate=rotate)


def read(image: Image.Image, options: OcrOptions = OPTIONS):
    pixels = (np.ascontiguousarray(np.asarray(image.convert("RGB"))[..., ::-1]) if image.mode == "RGB"
              else np.asarray(image.convert("L")))
    return read_page(PageImage(1, pixels, 300), options)


def similarity(read_text: str, written: str = TEXT) -> float:
    return difflib.SequenceMatcher(None, " ".join(read_text.split()), " ".join(written.split()),
                                   autojunk=False).ratio()


def test_a_folded_and_curled_upright_page_stays_upright_and_reads():
    page = damage.curl(damage.fold(letter(), depth=90, seed=2), depth=120, extent=0.45, seed=1)
    result = read(page)
    assert result.rotation == 0
    assert similarity(result.text) > 0.95


@pytest.mark.parametrize("direction", ["vertical", "horizontal"])
def test_a_page_under_drum_streaks_and_a_big_grey_watermark_reads(direction):
    streaked = damage.drum_streaks(letter(), direction=direction, density=0.6, bands=8, seed=3)
    result = read(damage.watermark(streaked, grey=60 if direction == "vertical" else 90))
    assert result.rotation == 0
    assert similarity(result.text) > 0.96
    assert "RECIBIDO" not in result.text


def test_the_writing_beside_a_solid_streak_is_read_not_painted_over_as_scanner_bed():
    # A streak this dark runs from edge to edge as the bed does; taken for bed, it was painted white with the
    # writing on either side of its core (a letter lost its whole contact block that way).
    page = letter()
    width = page.size[0]
    streaked = damage.toner_band(damage.toner_band(page, width // 3, seed=1), 2 * width // 3, seed=2)
    found = bed.bed_mask(np.asarray(streaked))
    middle = slice(streaked.size[1] // 4, 3 * streaked.size[1] // 4)
    assert found is None or not found[middle, width // 3:width // 3 + 120].any()
    assert similarity(read(streaked).text) > 0.94  # 0.93 with the streaks painted white


def test_a_short_letter_under_dense_vertical_streaks_is_not_taken_for_a_page_on_its_side():
    # The streaks line up like text lines standing on end; the layout cue alone called this page sideways.
    short = LETTERS[1]
    result = read(damage.drum_streaks(letter(text=short), bands=14, density=0.8, seed=5))
    assert result.rotation == 0
    assert similarity(result.text, short) > 0.8
    assert "Navojoa" in result.text and "colonia Juárez" in result.text


@pytest.mark.parametrize("rotate, make", [
    (90, lambda page: damage.fold(page, depth=90, seed=2)),
    (180, lambda page: damage.watermark(damage.drum_streaks(page, density=0.6, bands=8, seed=3), grey=60)),
    (270, lambda page: damage.stains(damage.fold(page, depth=60), count=4, darkness=0.5, seed=1)),
])
def test_a_damaged_page_on_its_side_or_upside_down_is_still_turned(rotate, make):
    result = read(make(letter(rotate=rotate)))
    assert result.rotation == (360 - rotate) % 360
    assert similarity(result.text) > 0.95


def test_a_ragged_textured_scanner_border_adds_no_column_of_junk():
    pixels = np.asarray(letter().convert("L")).copy()
    rng = np.random.default_rng(0)
    edge = (150 + 40 * np.sin(np.arange(pixels.shape[0]) / 37.0) + rng.normal(0, 6, pixels.shape[0])).astype(int)
    for y, width in enumerate(edge):  # the lid's shadow, torn-looking and grainy, up to the margin
        pixels[y, :width] = np.clip(rng.normal(50, 30, width), 0, 255)
    result = read(damage.scanner_bed(Image.fromarray(pixels), shadow=0.7, seed=3))
    read_text, written = " ".join(result.text.split()), " ".join(TEXT.split())
    assert similarity(result.text) > 0.97
    assert len(read_text) <= 1.03 * len(written), "junk read from the border"
    assert "Hermosillo" in read_text[:15]


def test_a_signature_and_lines_written_in_blue_pen_are_kept():
    result = read(damage.pen_ink(letter()))
    assert "López" in result.text and "noviembre de 2026" in result.text
    assert similarity(result.text, TEXT + "\nMaría López Ramírez\n3 de noviembre de 2026") > 0.97


def test_a_phone_photo_held_sideways_is_turned_by_its_exif_and_reads(tmp_path):
    path = damage.save_oriented(damage.photo(letter(), seed=1), tmp_path / "foto.jpg", 6)
    info = rasterize.inspect(path, max_pages=10, max_pixels=10**8)
    pool = PagePool(1)
    try:
        [page] = read_document(path, info, OPTIONS, pool, dpi=300, max_pixels=10**8)
    finally:
        pool.close()
    assert page.rotation == 0  # upright from its EXIF before the OCR had to turn it
    assert similarity(page.text) > 0.95



def test_a_paragraph_printed_fainter_than_the_rest_keeps_its_strokes():
    """Toner fading down the sheet, under the scan's grain: the lower paragraphs at half the first's contrast.
    Judged against the page's writing as a whole, their thin parts fell under the hysteresis' low share and the
    letters broke (a quarter of their ink lost, against a seventh now); each place is judged against its own."""
    clean = letter(text=LETTERS[0] + "\n\n\n" + LETTERS[1] + "\n" + LETTERS[2])
    split = 750  # between the first paragraph and the second
    lower = np.asarray(damage.faint(clean.crop((0, split, clean.width, clean.height)), contrast=0.5, paper=255),
                       np.float32)
    grain = np.random.default_rng(0).normal(0, 35, lower.shape)
    page = np.asarray(clean).copy()
    page[split:] = np.clip(lower + grain, 0, 255).astype(np.uint8)
    kept = reading.prepare(page, 300).image < 128
    strokes = np.asarray(clean) < 128
    assert kept[:split][strokes[:split]].mean() > 0.97  # the dark paragraph as ever
    assert kept[split:][strokes[split:]].mean() > 0.85
