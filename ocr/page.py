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
    pixels: np.ndarray  # grayscale uint8
    dpi: int


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float
    box: tuple[int, int, int, int]  # left, top, width, height in the cleaned page


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
