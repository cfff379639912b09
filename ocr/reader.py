"""One page from raster to text: stamps, blank detection, orientation, deskew, lighting, recognition."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ocr import cleanup, searchable, tesseract
from ocr.page import OcrPage, PageImage
from pipeline.errors import OcrFailed, OcrTimeout

LOW_CONFIDENCE = 55.0  # below this mean word confidence a page is most likely handwriting or a bad scan
DOUBTFUL = 70.0  # below this, the page may have been read the wrong way up: read_page tries the other way


# Each step stays only while bench/ocr --ablation shows it lowers CER. Dropped that way: upscaling of low-resolution
# scans and whitening of dark scanner borders (no gain on either set, and upscaling made pages 4x slower to read).
STEPS = frozenset({"stamps", "orientation", "deskew", "normalise"})


@dataclass(frozen=True)
class OcrOptions:
    language: str = "spa"
    timeout: float = 120.0  # seconds per Tesseract run
    pdf: bool = False  # also produce the page's PDF with a text layer
    steps: frozenset[str] = STEPS  # cleanup steps to apply; bench/ocr switches them off one by one to weigh each
    psm: int = 4  # single column of text: petitions are letters; on FONDUE CER 0.035 against 0.037 with psm 3


def read_page(page: PageImage, options: OcrOptions) -> OcrPage:
    """Clean one page and recognise its text; a page Tesseract cannot read comes back with its error recorded."""
    started = time.monotonic()
    steps = options.steps
    pixels = page.pixels
    gray = cleanup.to_gray(pixels) if "stamps" in steps or pixels.ndim == 2 else pixels.mean(axis=2).astype("uint8")
    dpi = page.dpi
    survey = cleanup.survey(gray)
    if cleanup.is_blank(survey):
        return _page(page.number, gray, started, options, dpi, blank=True)
    rotation, skew = cleanup.text_lines(survey)
    # Turning a page the cheap cue calls upside down before the first reading saves a wasted reading and an
    # orientation pass: on the bench letters, a turned page cost three Tesseract runs instead of one.
    flipped = "orientation" in steps and cleanup.upside_down(survey, rotation, skew)
    if "orientation" not in steps:
        rotation = 0
    elif flipped:
        rotation = (rotation + 180) % 360
    gray = cleanup.rotate(gray, rotation)
    if "deskew" in steps:
        gray = cleanup.deskew(gray, skew)
    else:
        skew = 0.0
    if "normalise" in steps:
        gray = cleanup.normalise(gray)
    def recognise(image: np.ndarray) -> tesseract.Recognition:
        return tesseract.recognise(image, options.language, options.timeout, pdf=options.pdf, dpi=dpi, psm=options.psm)

    try:
        result = recognise(gray)
        if "orientation" in steps and (result.confidence is None or result.confidence < DOUBTFUL):
            # Upside-down (or wrongly guessed sideways) pages read as low-confidence noise. A page we flipped on
            # the cue alone is read the way it came too; any other is turned the way Tesseract's detector says.
            turn = 180 if flipped else tesseract.orientation(gray, options.timeout)
            if turn:
                turned = cleanup.rotate(gray, turn)
                retry = recognise(turned)
                gain = (retry.confidence or 0) - (result.confidence or 0)
                if gain > 0 or (flipped and gain == 0):  # on a tie the page as scanned beats our guess
                    gray, result, rotation = turned, retry, (rotation + turn) % 360
    except (OcrTimeout, OcrFailed) as error:
        return _page(page.number, gray, started, options, dpi, rotation=rotation, skew=skew, error=error)
    confidence = result.confidence
    return OcrPage(page.number, result.text, confidence, rotation, skew, gray.shape[1], gray.shape[0], False,
                   confidence is None or confidence < LOW_CONFIDENCE, time.monotonic() - started, result.words,
                   result.pdf)


def _page(number: int, gray: np.ndarray, started: float, options: OcrOptions, dpi: int, *, blank: bool = False,
          rotation: int = 0, skew: float = 0.0, error: OcrTimeout | OcrFailed | None = None) -> OcrPage:
    """A page without recognised text: blank (nothing to read) or failed (a person must read it)."""
    pdf = searchable.image_page(gray, dpi) if options.pdf else None
    return OcrPage(number, "", None, rotation, skew, gray.shape[1], gray.shape[0], blank, not blank,
                   time.monotonic() - started, pdf=pdf, error_code=error.code if error else None,
                   error=error.user_message if error else None)
