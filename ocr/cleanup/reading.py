"""The image recognition reads: the page's writing, dark on white, and nothing else.

Two passes, because what counts as debris depends on the text: marks that may be writing (`ink.candidates`) give
a first set of text lines; the contrast of the marks on those lines is the page's text level; the marks are taken
again relative to it (`ink.relative_to`), and the lines found again among them. Only marks on lines are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ocr.cleanup import geometry, ink, lines


@dataclass(frozen=True)
class Reading:
    image: np.ndarray  # uint8: writing dark on white, same geometry as the page
    sideways: bool  # the text lines run down the page
    lines: lines.TextLines | None  # None when nothing lined up (the image then keeps every candidate mark)


def prepare(gray: np.ndarray, dpi: int, only_lines: bool = True, sideways: bool | None = None) -> Reading:
    """The reading image of a grey page (not yet turned or deskewed); with `only_lines` off, every candidate mark.

    Which way the lines run is decided here unless `sideways` says it (to try the other way on a doubtful page).
    """
    contrast = ink.contrast(gray, dpi)
    half = geometry.halved_max(contrast)  # both hystereses start from it
    marks = ink.candidates(contrast, half)
    if not only_lines:
        return Reading(ink.as_image(contrast, marks, ink.level_of(contrast, marks)), False, None)
    if sideways is None:
        sideways, found = lines.turned(marks, dpi, contrast)
    else:
        found = lines.find(marks, dpi, vertical=sideways, contrast=contrast)
    if found is None:
        return Reading(ink.as_image(contrast, marks, ink.level_of(contrast, marks)), sideways, None)
    level = max(found.level, 2.0 * ink.MIN_CONTRAST)
    marks = ink.relative_to(contrast, level, half)
    found = lines.find(marks, dpi, vertical=sideways) or found
    text = marks & (lines.line_mask(found, gray.shape) > 0)
    return Reading(ink.as_image(contrast, text, level), sideways, found)
