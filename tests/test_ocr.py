"""Real Tesseract on rendered pages: upright text whatever the scan's rotation and skew; blanks detected."""

from __future__ import annotations

import numpy as np
import pytest

from ocr import cleanup
from ocr.page import PageImage
from ocr.reader import read_page
from pipeline.errors import OcrTimeout
from tests.pages import LETTERS, render_page


def page(image, number=1) -> PageImage:
    return PageImage(number, np.asarray(image.convert("L")), 300)


@pytest.mark.parametrize("rotate, skew", [(0, 0), (90, 0), (180, 0), (270, 0), (0, 4.0), (90, -3.0)])
def test_rotated_and_skewed_pages_come_out_upright(rotate, skew):
    result = read_page(page(render_page(LETTERS[1], rotate=rotate, skew=skew)), "spa", 60)
    assert result.rotation == (360 - rotate) % 360
    assert result.skew == pytest.approx(skew, abs=0.3)
    assert "agua potable" in result.text and "Navojoa" in result.text
    assert result.confidence > 80 and not result.blank and not result.needs_transcription


def test_a_blank_page_is_detected_and_not_read():
    speckled = np.full((3508, 2480), 250, np.uint8)
    rng = np.random.default_rng(0)
    speckled[rng.integers(0, 3508, 300), rng.integers(0, 2480, 300)] = 60  # dust
    speckled[:, :40] = 30  # dark scanner edge
    result = read_page(PageImage(2, speckled, 300), "spa", 60)
    assert result.blank and result.text == "" and result.confidence is None


def test_a_page_with_text_is_not_blank():
    assert not cleanup.is_blank(np.asarray(render_page("Una sola línea.").convert("L")))


def test_a_hanging_tesseract_becomes_a_timeout(fake_tesseract):
    fake_tesseract("sleep 30")
    with pytest.raises(OcrTimeout) as caught:
        read_page(page(render_page(LETTERS[0])), "spa", 1.0)
    assert caught.value.code == "ocr_timeout" and caught.value.user_message
