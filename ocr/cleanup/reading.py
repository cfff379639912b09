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
        return _every_mark(contrast, marks.full(), False)
    mask, small = _for_lines(marks)
    if sideways is None:
        sideways, found = lines.turned(mask, dpi, contrast, small=small)
    else:
        found = lines.find(mask, dpi, vertical=sideways, contrast=contrast, small=small)
    if found is None:
        return _every_mark(contrast, marks.full(), sideways)
    level = max(found.level, 2.0 * ink.MIN_CONTRAST)
    marks = ink.relative_to(contrast, level, half)
    mask, small = _for_lines(marks)
    found = lines.find(mask, dpi, vertical=sideways, small=small) or found
    return Reading(marks.image_within(found.runs, level), sideways, found)


def _every_mark(contrast: np.ndarray, marks: np.ndarray, sideways: bool) -> Reading:
    return Reading(ink.as_image(contrast, marks, ink.level_of(contrast, marks)), sideways, None)


def _for_lines(marks: ink.Marks) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(full mask, half-size mask) for `lines`: the half-size one when `ink` has it, which spares making the full
    mask and halving it again."""
    small = marks.halved()
    return (marks.full() if small is None else None), small
