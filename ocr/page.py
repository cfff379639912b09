"""Records that cross the OCR boundary."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SourceInfo:
    """What a stored file turned out to be."""

    media_type: str  # application/pdf, image/tiff, image/jpeg, image/png
    page_count: int


@dataclass(frozen=True)
class PageImage:
    number: int  # 1-based
    pixels: np.ndarray  # uint8, grayscale (h, w) or BGR colour (h, w, 3)
    dpi: int


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float
    box: tuple[int, int, int, int]  # left, top, width, height in the cleaned page
    line: tuple[int, int, int] = (0, 0, 0)  # Tesseract's block, paragraph and line: where the word sits in the text


@dataclass(frozen=True)
class OcrPage:
    number: int
    text: str
    confidence: float | None  # mean word confidence 0-100, None when no words
    rotation: int  # degrees clockwise applied to make the page upright
    skew: float  # degrees corrected
    width: int
    height: int
    blank: bool
    needs_transcription: bool
    seconds: float
    words: tuple[Word, ...] = ()
    pdf: bytes | None = None  # the cleaned page with an invisible text layer
    source: str = "ocr"  # "ocr", "text_layer" when the PDF's own text was good enough, "separator" for a separator
    # sheet between two petitions of a batch scan (ocr.cleanup.separator): no text, no page of any petition
    error_code: str | None = None  # set when the page could not be read; the rest of the document goes on
    error: str | None = None  # Spanish, for staff
