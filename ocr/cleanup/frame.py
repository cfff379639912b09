"""Printed boxes that tell what is not the page's text: a frame round the text, and boxed pictures.

A frame is rules that meet at their corners, as a book's page or a form has. Whatever lies outside it is not the
page's text: a library's "Digitized by Google" below it, a margin note, the next page's edge. A boxed picture (a
vignette, an ornamental initial in its square) is drawn ink that recognition reads as letters. A letter has neither:
a drum streak runs the sheet's whole height and ends at no rule, a letterhead's rule alone is no frame, and a
scanner's border runs to the page's edge; none of the 66 pages of the dev letters has one.
"""

from __future__ import annotations

import cv2
import numpy as np

SIZE = 1000  # px on the longer side: a rule a few pixels thick is still dark there, and letters stand apart
DARK = 160
PIECE = 0.05  # of the page's width (height): the shortest run of ink that may be a piece of a rule
THIN = 0.008  # of the page's height (width): the thickest a rule may be (a double rule counts as one)
RULE = 0.4  # of the page's width (height): the shortest rule that may be a frame's side, its pieces joined
COVERED = 0.6  # of a rule's length: what its pieces must cover (a gap in the middle, ornaments at the corners)
MEET = 0.08  # of the frame's size: how far a side's end may be from the rule it meets (ornamented corners)
INNER_RULES = 2  # rules across inside a frame: under a running head, over the footnotes; a table has more
INSIDE = 0.8  # of the writing's ink: what the frame must hold for the rest to be dropped


def box(gray: np.ndarray) -> tuple[int, int, int, int] | None:
    """(top, left, bottom, right) of the page's frame, in `gray`'s pixels; None without one.

    A frame is a rule across the top and one across the bottom joined by rules down both sides that end at them,
    or by one such side when the rules across end together (a frame's side or a rule's end may be too faint or
    broken to find). A table's border is no frame: it has rules across between its rows, or down between its
    columns."""
    scale = min(1.0, SIZE / max(gray.shape))
    dark = _dark(gray, scale)
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
    left, right = min(side[0] for side in sides), max(side[1] for side in sides)
    if any(left + meet_w < side[0] and side[1] < right - meet_w for side in sides):
        return None  # a rule down the middle: a table's columns
    if right - left < RULE * dark.shape[1]:  # one side: the rules across must end together for the other
        if abs(top[2] - bottom[2]) > meet_w or abs(top[3] - bottom[3]) > meet_w:
            return None
        left, right = min(left, first), max(right, last)
    return tuple(round(v / scale) for v in (top[0], left, bottom[1] + 1, right + 1))


def outside_dropped(image: np.ndarray, frame: tuple[int, int, int, int], scale: int = 1) -> np.ndarray:
    """The reading `image` (`scale` times the page's size) white outside `frame`, when the frame holds most of its
    writing; unchanged otherwise."""
    top, left, bottom, right = (v * scale for v in frame)
    ink = image < 200
    total = int(np.count_nonzero(ink))
    if not total or np.count_nonzero(ink[top:bottom, left:right]) < INSIDE * total:
        return image
    kept = np.full_like(image, 255)
    kept[top:bottom, left:right] = image[top:bottom, left:right]
    return kept


def without(image: np.ndarray, boxes: list[tuple[int, int, int, int]], scale: int = 1) -> np.ndarray:
    """The reading `image` (`scale` times the page's size) white inside each of `boxes`."""
    if not boxes:
        return image
    image = image.copy()
    for top, left, bottom, right in boxes:
        image[top * scale:bottom * scale, left * scale:right * scale] = 255
    return image


def _clear_of_edges(x: int, y: int, w: int, h: int, shape: tuple[int, int]) -> bool:
    return x > 0 and y > 0 and x + w < shape[1] and y + h < shape[0]


def _dark(gray: np.ndarray, scale: float) -> np.ndarray:
    """The page's ink at `scale`, 0/1: any dark pixel darkens its cell, so a faint hairline rule stays whole."""
    small = cv2.resize((gray < DARK).astype(np.uint8), None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return (small > 0).astype(np.uint8)


def _rules(dark: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(first row, last row, first column, last column) of each rule running across `dark`: thin runs of ink at
    least PIECE long, on the same rows, that together span RULE of the width and cover most of that span."""
    height, width = dark.shape
    piece = max(3, int(PIECE * width))
    opened = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (piece, 1)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
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


FIGURE = 0.04  # of the page's longer side: the smallest box that may be a boxed ornament (a drop cap is ~0.08)
OUTLINE = 0.85  # of a box's edge: what its border must cover to be a box
LARGEST = 0.2  # of the page: the largest box that may be an ornament
EDGE = 0.05  # of a box's side: the band along each edge where its border is looked for
DENSE = 0.3  # of a box's area: what its ink must fill to be a picture (a box round text is mostly paper)


def figures(gray: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(top, left, bottom, right) of each boxed picture on the page, in `gray`'s pixels: a vignette or an
    ornamental initial in its square, drawn ink that recognition reads as letters ("Ñ NEP 5 E NIEGA")."""
    scale = min(1.0, SIZE / max(gray.shape))
    dark = _dark(gray, scale)
    smallest = FIGURE * max(dark.shape)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
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
            found.append(tuple(round(v / scale) for v in (y, x, y + h, x + w)))
    return found
