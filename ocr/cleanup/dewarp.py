"""Curled and folded sheets made flat: every text line straightened by moving its columns up or down.

A fold or a curl bends the lines of the page; Tesseract then cuts a bent line into pieces, or reads two lines as
one. The lines found among the marks (`lines`) tell how far each stretch of each line strays from the line's own
level: the running median of its marks' centres along the line (letters' own ups and downs, ascenders and accents,
vanish in it). Each line speaks only where it has marks; down each column the shift is the median of a line and
its two neighbours (a speck that joined one line does not bend the page), interpolated between lines and held
beyond the first and last. A page whose lines do not bend by a good part of a letter's height is left as it is:
remapping would only soften its letters.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from ocr.cleanup import geometry
from ocr.cleanup.lines import TextLines

LEAST_BEND = 0.35  # letter heights: pages whose lines mostly (95%) stray less than this are left alone
GRID = 16  # px between the points where the shift is worked out
MIN_MARKS = 5  # marks in a line for it to tell the page's bend
WINDOW = 5  # marks in the running median along a line (odd)
STRIP = 256  # rows remapped at a time
SURELY_FLAT = 0.5  # of LEAST_BEND: lines found before deskew that bend less are flat on the level page too


def field(found: TextLines, shape: tuple[int, int]) -> np.ndarray | None:
    """Rows to read from, per pixel (float32, full size), or None when the page's lines do not bend.

    Only for lines that run across the page (a sideways page is turned before it is flattened).
    """
    height, width = shape
    lines = _line_shifts(found, width)
    if lines is None or bend(lines) < LEAST_BEND * found.height:
        return None
    levels, shifts, columns = lines
    rows = np.arange(0, height + GRID, GRID, dtype=np.float64)
    coarse = np.zeros((rows.size, columns.size), np.float32)
    spoken = []
    for j in range(columns.size):
        known = ~np.isnan(shifts[:, j])
        if known.any():
            coarse[:, j] = np.interp(rows, levels[known], shifts[known, j])
            spoken.append(j)
    # Columns no line speaks for (the margins) hold the nearest spoken column's shift: falling back to no shift
    # there bent the letters at the edge of the writing.
    silent = np.setdiff1d(np.arange(columns.size), spoken)
    if silent.size:
        nearest = np.asarray(spoken)[np.abs(silent[:, None] - np.asarray(spoken)[None, :]).argmin(axis=1)]
        coarse[:, silent] = coarse[:, nearest]
    rows = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR)
    rows += np.arange(height, dtype=np.float32)[:, None]  # in place: a second full-size float map cost ~8 ms
    return rows


def surely_flat(before: TextLines | None, shape: tuple[int, int], turn: int, skew: float) -> bool:
    """Whether the page's lines, as found before it was turned by `turn` and deskewed by `skew` (`shape` then),
    bend by less than SURELY_FLAT of what `field` flattens: then searching them again on the level page is
    not needed to leave it as it is (on petitions_dev, fields_dev and FONDUE the moved lines' bend was within
    0.6-1.7 times the level page's, and no page bent between 0.9 and 2.2 LEAST_BENDs: two thirds of the pages are
    known flat this way, sparing ~20 ms of search a page)."""
    if before is None or before.boxes is None:
        return False
    moved = _moved(before, shape, turn, skew)
    if moved.vertical:  # the page was not turned to its lines (orientation switched off): the search must tell
        return False
    return bend(_line_shifts(moved, shape[1] if turn % 180 == 0 else shape[0])) < (
        SURELY_FLAT * LEAST_BEND * moved.height)


def _moved(found: TextLines, shape: tuple[int, int], turn: int, skew: float) -> TextLines:
    """`found` with each mark's box centred where turning the page by `turn` and deskewing it by `skew` puts its
    centre, its sides kept (they are the skewed letter's box: a little larger than the level letter's)."""
    start, top, length, size = found.boxes.T
    if found.vertical:
        x, y, w, h = top + size / 2, start + length / 2, size, length
    else:
        x, y, w, h = start + length / 2, top + size / 2, length, size
    height, width = shape
    turn %= 360
    if turn == 90:
        x, y, w, h, height, width = height - 1 - y, x, h, w, width, height
    elif turn == 180:
        x, y = width - 1 - x, height - 1 - y
    elif turn == 270:
        x, y, w, h, height, width = y, width - 1 - x, h, w, width, height
    matrix = geometry.skew_matrix((height, width), skew)
    if matrix is not None:
        x, y = matrix[0, 0] * x + matrix[0, 1] * y + matrix[0, 2], matrix[1, 0] * x + matrix[1, 1] * y + matrix[1, 2]
    vertical = found.vertical != (turn in (90, 270))
    boxes = np.stack([y - h / 2, x - w / 2, h, w] if vertical else [x - w / 2, y - h / 2, w, h], axis=1)
    return replace(found, boxes=boxes, vertical=vertical)


def bend(lines: tuple[np.ndarray, np.ndarray, np.ndarray] | None) -> float:
    """How far the lines stray from their levels (95th percentile of `_line_shifts`), px; 0 for too few lines."""
    if lines is None:
        return 0.0
    known = np.abs(lines[1][~np.isnan(lines[1])])
    return float(np.percentile(known, 95)) if known.size else 0.0


def _line_shifts(found: TextLines, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(each line's level, its shift at every GRID-th column or NaN where it does not speak, those columns),
    lines in order down the page; None with fewer than two lines of MIN_MARKS marks."""
    if found.boxes is None or found.vertical:
        return None
    columns = np.arange(0, width + GRID, GRID, dtype=np.float64)
    levels, shifts = [], []
    order = np.lexsort((found.boxes[:, 0], found.chains))  # by line, then along it
    boxes, chains = found.boxes[order], found.chains[order]
    starts = np.flatnonzero(np.concatenate(([True], chains[1:] != chains[:-1])))
    for box in np.split(boxes, starts[1:]):
        if len(box) < MIN_MARKS:
            continue
        x = box[:, 0] + box[:, 2] / 2
        smooth = _running_median(box[:, 1] + box[:, 3] / 2, WINDOW)
        level = float(np.median(smooth))
        shift = np.interp(columns, x, smooth) - level
        # A line speaks where it has marks, and a letter's height past its first and last (held there): ending at
        # the first mark's centre left the first letter's left half unmoved and its right half moved, a hook that
        # Tesseract read as another letter ("vURP", "tyomicilio" for "CURP", "Domicilio").
        reach = found.height
        shift[(columns < box[0, 0] - reach) | (columns > box[-1, 0] + box[-1, 2] + reach)] = np.nan
        levels.append(level)
        shifts.append(shift)
    if len(levels) < 2:
        return None
    order = np.argsort(levels)
    return np.asarray(levels)[order], _median_of_three(np.asarray(shifts)[order]), columns


def flatten(image: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """`image` with each pixel taken from the row `rows` gives (white beyond the page's edge).

    Remapped STRIP rows at a time, so that the column map (every pixel in its own column) is a strip's size: a
    full-size one took ~60 ms to fill, against ~10 for the remap itself. Each pixel is worked out from its own
    map entries alone, so the strips give the same pixels as one remap."""
    height, width = image.shape
    columns = np.empty((min(STRIP, height), width), np.float32)
    columns[:] = np.arange(width, dtype=np.float32)
    flat = np.empty_like(image)
    for top in range(0, height, STRIP):
        bottom = min(top + STRIP, height)
        flat[top:bottom] = cv2.remap(image, columns[:bottom - top], rows[top:bottom], cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return flat


def resized(rows: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The same field for an image of another size `shape` (the page image beside an enlarged reading)."""
    if rows.shape == tuple(shape):
        return rows
    factor = shape[0] / rows.shape[0]
    return cv2.resize(rows, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR) * np.float32(factor)


def _running_median(values: np.ndarray, window: int) -> np.ndarray:
    if len(values) < window:
        return np.full_like(values, np.median(values))
    half = window // 2
    padded = np.pad(values, half, mode="edge")
    # an odd window's median is its middle value once sorted: np.median's own machinery took 0.1 ms a line
    return np.sort(np.lib.stride_tricks.sliding_window_view(padded, window), axis=1)[:, half]


def _median_of_three(shifts: np.ndarray) -> np.ndarray:
    """Each line's shift, column by column, as the median of it and the lines just above and below that speak."""
    if len(shifts) < 3:
        return shifts
    stacked = np.stack([np.vstack([shifts[:1], shifts[:-1]]), shifts, np.vstack([shifts[1:], shifts[-1:]])])
    # Columns no line speaks for stay NaN; they are filled first so nanmedian has no empty slice to warn about
    # (warnings.catch_warnings is not safe in the page threads).
    stacked = np.where(np.isnan(stacked).all(axis=0), 0.0, stacked)
    middle = np.nanmedian(stacked, axis=0)
    return np.where(np.isnan(shifts), np.nan, middle)
