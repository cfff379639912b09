"""The scanner bed and lid around the sheet: dark regions that touch the image's edge."""

from __future__ import annotations

import cv2
import numpy as np

SCALE = 0.125  # the bed is decided on an eighth of the page: its edges need no finer place than ~8 px


def bed_mask(gray: np.ndarray) -> np.ndarray | None:
    """255 where the page shows the scanner bed or lid rather than paper, at full size; None when there is none.

    Only dark regions connected to the image's edge count: a dark watermark or a photo inside the sheet is
    paper's business. "Dark" is judged against the paper's own tone, so a grey, dim scan keeps its sheet.
    """
    small = cv2.resize(gray, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_AREA)
    if min(small.shape) < 8:
        return None
    blur = cv2.medianBlur(small, 5)
    paper = float(np.percentile(blur, 90))
    dark = (blur < min(0.55 * paper, 110)).astype(np.uint8)
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


def whiten_bed(gray: np.ndarray) -> np.ndarray:
    """The page with the scanner bed painted the paper's white."""
    bed = bed_mask(gray)
    if bed is None:
        return gray
    out = gray.copy()
    out[bed > 0] = 255
    return out
