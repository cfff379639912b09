"""Printed boxes that tell what is not the page's text: a frame round the text, and boxed pictures.

A frame is rules that meet at their corners, as a book's page or a form has. Whatever lies outside it is not the
page's text: a library's "Digitized by Google" below it, a margin note, the next page's edge. A boxed picture (a
vignette, an ornamental initial in its square) is drawn ink that recognition reads as letters. A letter has neither:
a drum streak runs the sheet's whole height and ends at no rule, a letterhead's rule alone is no frame, and a
scanner's border runs to the page's edge; none of the 66 pages of the dev letters has one.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ocr.cleanup import components

SIZE = 1000  # px on the longer side, about: a rule a few pixels thick is still dark there, letters stand apart
DARK = 160
PIECE = 0.05  # of the page's width (height): the shortest run of ink that may be a piece of a rule
THIN = 0.015  # of the page's height (width): the thickest a rule may be (a double rule, a little askew, is one)
RULE = 0.4  # of the page's width (height): the shortest rule that may be a frame's side, its pieces joined
COVERED = 0.6  # of a rule's length: what its pieces must cover (a gap in the middle, ornaments at the corners)
MEET = 0.08  # of the frame's size: how far a side's end may be from the rule it meets (ornamented corners)
FIGURE = 0.04  # of the page's longer side: the smallest box that may be a boxed ornament (a drop cap is ~0.08)
OUTLINE = 0.85  # of a box's edge: what its border must cover to be a box
LARGEST = 0.2  # of the page: the largest box that may be an ornament
EDGE = 0.05  # of a box's side: the band along each edge where its border is looked for
DENSE = 0.3  # of a box's area: what its ink must fill to be a picture (a box round text is mostly paper)
INNER_RULES = 2  # rules across inside a frame: under a running head, over the footnotes; a table has more
INSIDE = 0.8  # of the writing's ink: what the frame must hold for the rest to be dropped


@dataclass(frozen=True)
class Boxes:
    """What the page's printed boxes tell, as (top, left, bottom, right) in the page's pixels."""

    frame: tuple[int, int, int, int] | None  # the frame round the text, None without one
    figures: list[tuple[int, int, int, int]]  # each boxed picture


def find(gray: np.ndarray) -> Boxes:
    """The page's frame and boxed pictures, found on its ink at a small size (~10 ms for an A4 page)."""
    step = max(1, round(max(gray.shape) / SIZE))
    # any dark pixel darkens its cell (a faint hairline rule stays whole): a min filter, then every step-th pixel,
    # a sixth of the time of an area resize by a fraction
    small = cv2.erode(gray, np.ones((step, step), np.uint8), anchor=(0, 0))[::step, ::step] if step > 1 else gray
    dark = (small < DARK).astype(np.uint8)
    return Boxes(_frame(dark, step), _figures(dark, step))


def _frame(dark: np.ndarray, step: int) -> tuple[int, int, int, int] | None:
    """(top, left, bottom, right) of the inside of the page's frame in `dark`, times `step`; None without one.

    A frame is a rule across the top and one across the bottom joined by rules down both sides that end at them,
    or by one such side when the rules across end together (a frame's side or a rule's end may be too faint or
    broken to find). A table's border is no frame: it has rules across between its rows, or down between its
    columns."""
    across = _rules(dark)  # (first row, last row, first column, last column)
    if not 2 <= len(across) <= 2 + INNER_RULES:  # none, or a table's rows
        return None
    top, bottom = min(across), max(across)
    height, width = bottom[1] - top[0], max(top[3], bottom[3]) - min(top[2], bottom[2])
    if height < RULE * dark.shape[0] or width < RULE * dark.shape[1]:
        return None
    meet_h, meet_w = MEET * height + 2, MEET * width + 2
    first, last = min(top[2], bottom[2]), max(top[3], bottom[3])
    sides = [side for side in _rules(dark.T)  # (first column, last column, first row, last row)
             if abs(side[2] - top[0]) <= meet_h and abs(side[3] - bottom[1]) <= meet_h
             and first - meet_w <= side[0] <= last + meet_w]
    if not sides:
        return None
    left, right = min(sides), max(sides, key=lambda side: side[1])
    if any(left[1] + meet_w < side[0] and side[1] < right[0] - meet_w for side in sides):
        return None  # a rule down the middle: a table's columns
    if right[1] - left[0] < RULE * dark.shape[1]:  # one side: the rules across must end together for the other
        if abs(top[2] - bottom[2]) > meet_w or abs(top[3] - bottom[3]) > meet_w:
            return None
        if left[0] > (first + last) / 2:
            left = (first, first - 1)
        else:
            right = (last + 1, last)
    if not _clear_of_edges(left[0], top[0], right[1] + 1 - left[0], bottom[1] + 1 - top[0], dark.shape):
        return None  # the scanner's border, not a printed frame
    # inside the rules: a piece of a side or a corner's ornament is no writing either
    return tuple(v * step for v in (top[1] + 1, left[1] + 1, bottom[0], right[0]))


def cleared(image: np.ndarray, boxes: Boxes, scale: int = 1) -> np.ndarray:
    """The reading `image` (`scale` times the page's size) white outside the frame, when the frame holds most of
    its writing, and inside each boxed picture."""
    kept = image
    if boxes.frame is not None:
        top, left, bottom, right = (v * scale for v in boxes.frame)
        ink = image < 200
        total = int(np.count_nonzero(ink))
        if total and np.count_nonzero(ink[top:bottom, left:right]) >= INSIDE * total:
            kept = np.full_like(image, 255)
            kept[top:bottom, left:right] = image[top:bottom, left:right]
    for top, left, bottom, right in boxes.figures:
        kept = kept.copy() if kept is image else kept
        kept[top * scale:bottom * scale, left * scale:right * scale] = 255
    return kept


def _figures(dark: np.ndarray, step: int) -> list[tuple[int, int, int, int]]:
    """(top, left, bottom, right) of each boxed picture in `dark`, times `step`: a vignette or an ornamental
    initial in its square, drawn ink that recognition reads as letters ("Ñ NEP 5 E NIEGA")."""
    smallest = FIGURE * max(dark.shape)
    count, labels, stats = components.with_stats(dark)
    found = []
    for i in np.flatnonzero((stats[:, cv2.CC_STAT_WIDTH] >= smallest) & (stats[:, cv2.CC_STAT_HEIGHT] >= smallest)):
        x, y, w, h, area = (int(v) for v in stats[i])
        if i == 0 or area < DENSE * w * h or w * h > LARGEST * dark.size or not _clear_of_edges(x, y, w, h, dark.shape):
            continue                   # the scanner's border, or streaks joined to it, run to the page's edge
        inside = labels[y:y + h, x:x + w] == i
        band = max(2, round(EDGE * min(w, h)))  # a box a little askew still has its edge in the band
        edges = [inside[:band].any(axis=0), inside[-band:].any(axis=0), inside[:, :band].any(axis=1),
                 inside[:, -band:].any(axis=1)]
        if min(edge.mean() for edge in edges) >= OUTLINE:
            found.append(tuple(v * step for v in (y, x, y + h, x + w)))
    return found


def _clear_of_edges(x: int, y: int, w: int, h: int, shape: tuple[int, int]) -> bool:
    return x > 0 and y > 0 and x + w < shape[1] and y + h < shape[0]


def _rules(dark: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(first row, last row, first column, last column) of each rule running across `dark`: thin runs of ink at
    least PIECE long, on the same rows, that together span RULE of the width and cover most of that span."""
    height, width = dark.shape
    piece = max(3, int(PIECE * width))
    opened = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (piece, 1)))
    count, _, stats = components.with_stats(opened)
    thin = max(2, int(THIN * height))
    pieces = sorted((int(y), int(y + h - 1), int(x), int(x + w - 1)) for x, y, w, h, _ in stats[1:] if h <= thin)
    rules, group = [], []
    for found in pieces + [(height * 2, 0, 0, 0)]:  # a sentinel closes the last group
        if group and found[0] > max(p[1] for p in group) + thin:
            first, last = min(p[2] for p in group), max(p[3] for p in group)
            covered = np.zeros(width, bool)
            for p in group:
                covered[p[2]:p[3] + 1] = True
            if last - first >= RULE * width and covered[first:last + 1].mean() >= COVERED:
                rules.append((min(p[0] for p in group), max(p[1] for p in group), first, last))
            group = []
        group.append(found)
    return rules
