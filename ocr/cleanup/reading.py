"""The image recognition reads: the page's writing, dark on white, and nothing else.

Two passes, because what counts as debris depends on the text: marks that may be writing (`ink.candidates`) give
a first set of text lines; the contrast of the marks on those lines is the page's text level; the marks are taken
again relative to it (`ink.relative_to`), and the lines found again among them. Only marks on lines are kept, and
those are taken once more against the writing's own contrast place by place (`_local_level`), where some of it
prints fainter than the page's level.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ocr.cleanup import geometry, ink, lines

CELL = 4.0  # letter heights: the side of the square over which the writing's own contrast is taken
# quarter-size pixels of writing in a cell for it to tell its contrast (fewer hold the page's): with 8, the few
# marks of a watermark's edge or a streak's specks that joined a line set a cell's level and printed as letters
CELL_PIXELS = 48
LOCAL_SHARE = 0.8  # the percentile of the writing's pixels' contrast taken as its level in a cell
FAINTER = 0.9  # of the page's level: a page whose writing nowhere prints fainter keeps one level


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
        sideways, found = lines.turned(mask, dpi, half, small=small)
    else:
        found = lines.find(mask, dpi, vertical=sideways, half_contrast=half, small=small)
    if found is None:
        return _every_mark(contrast, marks.full(), sideways)
    level = max(found.level, 2.0 * ink.MIN_CONTRAST)
    local = _local_level(half, marks.strong, found, contrast.shape, level)
    marks = ink.relative_to(contrast, level, half)
    mask, small = _for_lines(marks)
    found = lines.find(mask, dpi, vertical=sideways, small=small) or found
    if local is not None:
        # each place's contrast as a share of the writing's there: judged against one level of 255, it is judged
        # against its own (the floors of `relative_to` never bind, the local level being 2 MIN_CONTRAST or more).
        # The lines were found among the marks the page's level keeps: fainter debris then joins no line.
        evened = cv2.divide(contrast, local, scale=255.0)
        return Reading(ink.relative_to(evened, 255.0, geometry.halved_max(evened)).image_within(found.runs, 255.0),
                       sideways, found)
    return Reading(marks.image_within(found.runs, level), sideways, found)


def _local_level(half: np.ndarray, strong: np.ndarray, found: lines.TextLines, shape: tuple[int, int],
                 level: float) -> np.ndarray | None:
    """The writing's contrast place by place (uint8, `shape`), where some of it prints fainter than `level`; None
    where none does. `half`: the contrast at half size; `strong`: the first pass's marks there.

    Toner fades across a sheet, and the edge of a drum streak or a fold's shadow lightens the letters beside it:
    judged against the page's level, their thin parts fell under the hysteresis' low share and the letters broke
    ("q·ıe" for "que"), which Tesseract misread. Each cell of CELL line heights takes the LOCAL_SHARE percentile
    of its writing's pixels (the first pass's marks on lines), never more than the page's level.
    """
    # taken at a quarter of the page's size, each pixel the darkest of its 2×2 block: a quarter of the pixels
    writing = geometry.halved_max(cv2.bitwise_and(half, half, mask=cv2.bitwise_and(strong, found.runs)))
    rows, columns = (max(1, round(side / (CELL * found.height / 4))) for side in writing.shape)
    # OpenCV's list of the set pixels (x, y): a sixth of np.nonzero's time, a page's writing being sparse
    points = cv2.findNonZero(writing)
    xs, ys = points.reshape(-1, 2).T if points is not None else (np.empty(0, np.int32),) * 2
    # cells that tile the page exactly, as the grid's interpolation to full size spreads them
    cells = (ys * rows // writing.shape[0]) * columns + xs * columns // writing.shape[1]
    histograms = np.bincount(cells * 256 + writing[ys, xs], minlength=rows * columns * 256).reshape(-1, 256)
    counts = np.cumsum(histograms, axis=1)
    told = counts[:, -1] >= CELL_PIXELS
    percentile = np.argmax(counts >= LOCAL_SHARE * counts[:, -1:], axis=1)
    grid = np.where(told, np.clip(percentile, 2 * ink.MIN_CONTRAST, level), level)
    if grid.min() > FAINTER * level:
        return None
    grid = np.rint(grid).astype(np.uint8).reshape(rows, columns)
    return cv2.resize(grid, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)


def _every_mark(contrast: np.ndarray, marks: np.ndarray, sideways: bool) -> Reading:
    return Reading(ink.as_image(contrast, marks, ink.level_of(contrast, marks)), sideways, None)


def _for_lines(marks: ink.Marks) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(full mask, half-size mask) for `lines`: the half-size one when `ink` has it, which spares making the full
    mask and halving it again."""
    small = marks.halved()
    return (marks.full() if small is None else None), small
