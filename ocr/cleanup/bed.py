"""The scanner bed and lid around the sheet: dark regions that touch the image's edge."""

from __future__ import annotations

import cv2
import numpy as np

SCALE = 0.125  # the bed is decided on an eighth of the page: its edges need no finer place than ~8 px
STREAK_SHARE = 0.1  # of the page's width: dark bands narrower than this between two parts of paper are on the sheet


def bed_mask(gray: np.ndarray) -> np.ndarray | None:
    """255 where the page shows the scanner bed or lid rather than paper, at full size; None when there is none.

    Only dark regions connected to the image's edge count: a dark watermark or a photo inside the sheet is
    paper's business. "Dark" is judged against the paper's own tone, so a grey, dim scan keeps its sheet.
    A drum streak or a crease runs from edge to edge too, but it has paper on both sides: the paper is closed
    over bands narrower than STREAK_SHARE of the page, and only what lies outside it is bed. (Taking streaks for
    bed painted them white, with the writing under them: a letter's whole contact block was lost that way.)
    """
    small = cv2.resize(gray, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_AREA)
    if min(small.shape) < 8:
        return None
    blur = cv2.medianBlur(small, 5)
    paper = float(np.percentile(blur, 90))
    dark = (blur < min(0.55 * paper, 110)).astype(np.uint8)
    dark = cv2.subtract(dark, _sheet(dark))
    count, labels = cv2.connectedComponents(dark, connectivity=4)
    if count < 2:
        return None
    edge = np.unique(np.concatenate((labels[0], labels[-1], labels[:, 0], labels[:, -1])))
    edge = edge[edge > 0]
    if not edge.size:
        return None
    bed = np.isin(labels, edge).astype(np.uint8) * 255
    # One small pixel more: the sheet's own shadowed edge is a hard dark line that reads as "l" or "|".
    bed = cv2.dilate(bed, np.ones((3, 3), np.uint8))
    return cv2.resize(bed, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_NEAREST)


def _sheet(dark: np.ndarray) -> np.ndarray:
    """1 on the sheet: the paper with the narrow dark bands across it filled in. Outside the image counts as dark,
    so a narrow bed strip along the edge stays outside."""
    side = max(15, int(dark.shape[1] * STREAK_SHARE)) | 1
    paper = (1 - dark).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    return cv2.morphologyEx(paper, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0)


def whiten_bed(gray: np.ndarray) -> np.ndarray:
    """The page with the scanner bed painted the paper's white."""
    bed = bed_mask(gray)
    if bed is None:
        return gray
    return cv2.max(gray, bed)  # bed is 0/255: white on it, the page elsewhere (a masked copy took ~4 ms, this ~1)
