"""A photographed sheet: its outline found against the desk round it, and the sheet warped flat to a rectangle.

A phone held over a letter sees it in perspective: the far edge shorter, the lines converging, the letters of one
line smaller at one end. Deskew turns a page by one angle and cannot undo that. The sheet's four corners can: the
perspective transform that takes them to a rectangle makes every line level and every letter its size again.

Only a sheet that shows as a clear four-cornered outline on a darker ground is flattened, and only when it is
noticeably out of square; a scan (its sheet square, or filling the image) and a curled or half-framed sheet are
left to the other steps.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from ocr.cleanup import components

SIDE = 600  # px: the outline is found on a copy this long; a corner lands within ~0.5% of the photo (inside)
MIN_SHARE, MAX_SHARE = 0.2, 0.97  # of the photo the sheet covers: less is not the subject, more leaves no desk
MIN_CONTRAST = 30  # grey levels between the paper (its median) and the desk beyond each side
OUTSIDE = 8  # px of the small copy beyond a side where the desk is looked at (past the edge's own blur)
FIT = 0.05  # the outline may differ from its four-cornered fit by this share of its area (a curled sheet differs)
MIN_SLANT = 2.0  # degrees off square at a corner below which deskew and the bed step are enough
FOCAL = (0.4, 4.0)  # focal lengths phones have, in units of the photo's longer side (~0.8-1.3 usual)
ASPECT_DRIFT = 1.3  # the most the focal length's aspect may differ from the longer sides' ratio


def outline(gray: np.ndarray) -> np.ndarray | None:
    """The sheet's corners in the image (top-left, top-right, bottom-right, bottom-left; float32, 4×2), or None
    when no whole four-cornered sheet stands out from a darker ground.

    The sheet is the largest region the edges enclose that stays clear of the frame: edges, not a threshold of
    brightness, because a window or a lamp lights one end of the paper darker than the desk at the other.
    """
    step = max(1, math.ceil(max(gray.shape) / SIDE))
    # every step-th pixel, not an area average: the blur below smooths as well for edges this long, in a
    # fiftieth of the time (0.3 ms against 15 on an A4 scan, and every scan is looked at)
    blur = cv2.GaussianBlur(np.ascontiguousarray(gray[::step, ::step]), (5, 5), 0)
    level, _ = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    walls = cv2.dilate(cv2.Canny(blur, 0.25 * level, 0.5 * level), np.ones((3, 3), np.uint8))
    paper = _enclosed(cv2.bitwise_not(walls))
    if paper is None or not MIN_SHARE <= paper.mean() <= MAX_SHARE:
        return None
    corners = _four_corners(paper)
    if corners is None or abs(cv2.contourArea(corners) / paper.sum() - 1) > FIT:
        return None
    corners = _ordered(corners)
    if not _ground_all_round(blur, corners, float(np.median(blur[paper > 0]))):
        return None
    return (corners * step).astype(np.float32)


def _ground_all_round(blur: np.ndarray, corners: np.ndarray, paper: float) -> bool:
    """Whether just outside each side lies ground darker than the paper. A region cut out of a larger sheet by a
    crease, a streak or a shadow has paper beyond some side: taking it for the sheet would crop writing off."""
    centre = corners.mean(axis=0)
    height, width = blur.shape
    along = np.linspace(0.15, 0.85, 24)[:, None]
    for start, end in zip(corners, np.roll(corners, -1, axis=0)):
        normal = np.array([end[1] - start[1], start[0] - end[0]]) / max(np.linalg.norm(end - start), 1e-6)
        if np.dot((start + end) / 2 - centre, normal) < 0:
            normal = -normal
        points = np.rint(start + along * (end - start) + OUTSIDE * normal).astype(int)
        seen = (points[:, 0] >= 0) & (points[:, 0] < width) & (points[:, 1] >= 0) & (points[:, 1] < height)
        if not seen.any() or np.median(blur[points[seen, 1], points[seen, 0]]) > paper - MIN_CONTRAST:
            return False  # paper beyond this side, or nothing seen there to tell
    return True


def _enclosed(open_ground: np.ndarray) -> np.ndarray | None:
    """1 inside the largest region the edges close off from the frame, its holes (the writing) filled; or None."""
    count, labels, stats = components.with_stats(open_ground, connectivity=4)
    height, width = open_ground.shape
    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    inside = (left > 0) & (top > 0) & (left + stats[:, cv2.CC_STAT_WIDTH] < width) & (
        top + stats[:, cv2.CC_STAT_HEIGHT] < height)
    inside[0] = False  # the walls themselves
    if not inside.any():
        return None
    region = (labels == int(np.argmax(np.where(inside, stats[:, cv2.CC_STAT_AREA], 0)))).astype(np.uint8)
    contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(region)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    return filled


def flattened(gray: np.ndarray) -> np.ndarray:
    """The sheet warped to a rectangle when it was photographed in perspective; otherwise the page unchanged.

    An optional step: should OpenCV refuse an image no test foresaw, the page goes on as it came."""
    try:
        corners = outline(gray)
    except cv2.error:
        return gray
    if corners is None or _slant(corners) < MIN_SLANT:
        return gray
    top, right, bottom, left = (np.linalg.norm(corners[(i + 1) % 4] - corners[i]) for i in range(4))
    width, height = int(round(max(top, bottom))), int(round(max(left, right)))
    aspect = _aspect(corners, gray.shape)
    # The paper's own proportions, unless they stray far from the sides' (a photo cropped off its centre, whose
    # lens centre is not the image's, tells a focal length that fits and an aspect that does not)
    if aspect is not None and 1 / ASPECT_DRIFT <= aspect / (width / height) <= ASPECT_DRIFT:
        width = int(round(height * aspect))
    target = np.float32([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    matrix = cv2.getPerspectiveTransform(corners, target)
    return cv2.warpPerspective(gray, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _aspect(corners: np.ndarray, shape: tuple[int, int]) -> float | None:
    """The photographed rectangle's width over its height, from the camera's focal length as its four corners tell
    it (Zhang and He's whiteboard method, the lens's centre taken at the image's); None when they cannot tell it
    (sides nearly parallel) or tell a focal length no phone has."""
    centre = np.array([shape[1] / 2, shape[0] / 2, 0.0])
    tl, tr, br, bl = (np.append(c, 1.0) - centre for c in corners.astype(np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        k2 = np.dot(np.cross(tl, br), bl) / np.dot(np.cross(tr, br), bl)
        k3 = np.dot(np.cross(tl, br), tr) / np.dot(np.cross(bl, br), tr)
        n2, n3 = k2 * tr - tl, k3 * bl - tl
        if abs(n2[2] * n3[2]) < 1e-9:
            return None
        focal = np.sqrt(-(n2[0] * n3[0] + n2[1] * n3[1]) / (n2[2] * n3[2]))
    if not np.isfinite(focal) or not FOCAL[0] * max(shape) <= focal <= FOCAL[1] * max(shape):
        return None
    inverse = np.diag([1 / focal, 1 / focal, 1.0])
    return float(np.linalg.norm(inverse @ n2) / np.linalg.norm(inverse @ n3))


def _four_corners(paper: np.ndarray) -> np.ndarray | None:
    """The paper's convex outline simplified to four corners, or None when it will not come to four."""
    contours, _ = cv2.findContours(paper, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    perimeter = cv2.arcLength(hull, True)
    for share in (0.01, 0.02, 0.03, 0.05):
        corners = cv2.approxPolyDP(hull, share * perimeter, True)
        if len(corners) == 4:
            return corners.reshape(4, 2).astype(np.float32)
        if len(corners) < 4:
            return None
    return None


def _ordered(corners: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left: clockwise from the corner nearest the image's top-left."""
    centre = corners.mean(axis=0)
    angles = np.arctan2(corners[:, 1] - centre[1], corners[:, 0] - centre[0])
    clockwise = corners[np.argsort(angles)]  # y grows downwards, so increasing angle runs clockwise on screen
    first = int(np.argmin(clockwise.sum(axis=1)))
    return np.roll(clockwise, -first, axis=0)


def _slant(corners: np.ndarray) -> float:
    """How far from square the quadrilateral is: the largest gap between a corner's angle and 90 degrees."""
    worst = 0.0
    for i in range(4):
        before, after = corners[i - 1] - corners[i], corners[(i + 1) % 4] - corners[i]
        cosine = np.dot(before, after) / (np.linalg.norm(before) * np.linalg.norm(after))
        worst = max(worst, abs(np.degrees(np.arccos(np.clip(cosine, -1, 1))) - 90))
    return worst
