"""One page from raster to text: orientation, deskew, cleanup, blank detection, recognition."""

from __future__ import annotations

import time

from ocr import cleanup, tesseract
from ocr.page import OcrPage, PageImage

LOW_CONFIDENCE = 55.0  # below this mean word confidence a page is most likely handwriting or a bad scan


def read_page(page: PageImage, language: str, timeout: float) -> OcrPage:
    """Clean one page and recognise its text."""
    started = time.monotonic()
    gray, _ = cleanup.upscale_if_small(page.pixels, page.dpi)
    if cleanup.is_blank(gray):
        return OcrPage(page.number, "", None, 0, 0.0, gray.shape[1], gray.shape[0], True, False,
                       time.monotonic() - started)
    rotation = tesseract.orientation(gray, timeout)
    gray = cleanup.rotate(gray, rotation)
    skew = cleanup.estimate_skew(gray)
    gray = cleanup.normalise(cleanup.deskew(gray, skew))
    text, words = tesseract.recognise(gray, language, timeout)
    confidence = _mean_confidence(words)
    needs_transcription = confidence is None or confidence < LOW_CONFIDENCE
    return OcrPage(page.number, text, confidence, rotation, skew, gray.shape[1], gray.shape[0], False,
                   needs_transcription, time.monotonic() - started, words)


def _mean_confidence(words) -> float | None:
    """Mean word confidence weighted by word length, so stray one-letter noise counts little."""
    total = sum(len(w.text) for w in words)
    if not total:
        return None
    return round(sum(w.confidence * len(w.text) for w in words) / total, 1)
