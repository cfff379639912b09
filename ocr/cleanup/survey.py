"""The page-level decisions (blank, sideways, skew, upside down), taken on a small survey of the page.

Decisions are taken on one small survey of the page (longest side 1000 px, ink mask computed once); only the
steps that change pixels touch the full-resolution image. Measured on a 300 dpi A4 page: ~40 ms in all, where
analysing the full page per step cost ~200 ms, a third of Tesseract's own time.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ocr.cleanup import components
from ocr.cleanup.geometry import rotate
from ocr.cleanup.tone import ink_mask

SURVEY_SIDE = 1000
UPSIDE_DOWN_MARGIN = 1.5  # ink below the x-height band over ink above it that calls a page upside down


@dataclass(frozen=True)
class Survey:
    """The page's ink at a small size (longest side at most SURVEY_SIDE), for decisions."""

    ink: np.ndarray  # 0/255 mask of letter-sized dark-on-light marks


def survey(gray: np.ndarray) -> Survey:
    scale = min(1.0, SURVEY_SIDE / max(gray.shape))
    if scale >= 1:
        return Survey(_letter_sized(ink_mask(gray)))
    size = (round(gray.shape[1] * scale), round(gray.shape[0] * scale))
    small = gray
    # Halving is OpenCV's fast path (~0.4 ms on an A4 page); one area resize by 0.28 took ~15 ms, most of the
    # survey. Every decision on the 79 bench and test pages came out the same, skews within 0.1 degree.
    while max(small.shape) >= 2 * SURVEY_SIDE:
        small = cv2.resize(small, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    return Survey(_letter_sized(ink_mask(cv2.resize(small, size, interpolation=cv2.INTER_AREA))))


def _letter_sized(mask: np.ndarray) -> np.ndarray:
    """Drop marks far bigger than a letter (scanner borders, ruled lines, photos): they mislead every decision."""
    count, labels, stats = components.with_stats(mask)
    height, width = mask.shape
    huge = (stats[:, cv2.CC_STAT_HEIGHT] > height * 0.1) | (stats[:, cv2.CC_STAT_WIDTH] > width * 0.3)
    huge[0] = False
    if not huge.any():
        return mask
    kept = np.where(huge, 0, 255).astype(np.uint8)
    return cv2.bitwise_and(mask, components.painted(kept, labels))


def is_blank(page: Survey, min_marks: int = 6) -> bool:
    """True when the page, away from its borders, has no letter-sized marks: the back of a duplex scan.

    Counting marks rather than inked area keeps a one-line note from passing for blank; averaging down to the
    survey's size melts specks of dust into the paper.
    """
    height, width = page.ink.shape
    inner = page.ink[height // 20:height - height // 20, width // 20:width - width // 20]
    count, _, stats = components.with_stats(inner)
    tall = stats[1:, cv2.CC_STAT_HEIGHT]
    area = stats[1:, cv2.CC_STAT_AREA]
    letters = (tall >= max(3, inner.shape[0] * 0.004)) & (tall <= inner.shape[0] * 0.1) & (area >= 6)
    return int(letters.sum()) < min_marks


def text_lines(page: Survey, max_angle: float = 10.0, turn: int | None = None) -> tuple[int, float]:
    """How the text lines run: (0 or 270, the quarter turn that makes them horizontal; skew in degrees, CCW positive).

    Text lines make row projections sharp at the right angle; comparing the sharpest angle of the page as it is
    with that of the page turned a quarter tells a sideways scan apart even when it is also skewed. Which way up
    is for `upside_down`. With `turn` given (0 or 270), only the skew is measured, for that turn.
    """
    if np.count_nonzero(page.ink) < 50:
        return 0, 0.0
    # Only the inked part of the page, with room to turn by max_angle: on a short letter that is a third of the
    # pixels to rotate at every angle tried. Scores stay those of the whole page, as empty rows add nothing to a
    # profile's changes; each is divided by the whole page's length in its direction, so that the two turns
    # compare as before.
    x, y, width, height = cv2.boundingRect(page.ink)
    pad = int(np.ceil(0.5 * max(width, height) * np.sin(np.radians(max_angle)))) + 9  # + 9: the dilation below
    ink = page.ink[max(0, y - pad):y + height + pad, max(0, x - pad):x + width + pad]
    best = {}
    for candidate in ((0, 270) if turn is None else (turn,)):
        rows = page.ink.shape[0 if candidate == 0 else 1]
        # Join letters into line-shaped blobs so the projection sees text lines, not glyphs.
        mask = cv2.dilate(rotate(ink, candidate), cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1)))
        half = cv2.resize(mask, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        # Whole degrees on a half-size mask (a quarter of the work) to choose; finer steps only for the winner.
        angles = np.arange(-max_angle, max_angle + 0.5, 1.0)
        scores = [_projection_score(half, angle, round(rows * 0.5)) for angle in angles]
        best[candidate] = (max(scores), float(angles[int(np.argmax(scores))]), mask, rows)
    if turn is None:
        turn = 270 if best[270][0] > 1.5 * best[0][0] else 0
    _, angle, mask, rows = best[turn]
    # The whole-degree winner is within half a degree of the sharpest angle, and the next winner within a tenth.
    for step, span in ((0.2, 0.6), (0.05, 0.1)):
        candidates = np.arange(angle - span, angle + span + step / 2, step)
        angle = max(candidates, key=lambda a: _projection_score(mask, a, rows))
    return turn, float(round(-angle, 2)) + 0.0  # + 0.0 turns -0.0 into 0.0


def upside_down(page: Survey, turn: int, skew: float, margin: float = UPSIDE_DOWN_MARGIN) -> bool:
    """True when the text, once turned by `turn` and levelled by `skew`, clearly stands on its head.

    Latin script puts more ink above the x-height band (capitals, ascenders, accents, dots) than below it
    (descenders); upside down the two swap. The page is called upside down only when the ink below the band
    outweighs the ink above by `margin`: a doubtful page is read as it is and left to the confidence check, which
    costs a second reading only on pages that read badly anyway. Measured on the bench's letters and FONDUE pages,
    both ways up, as ink above over ink below: upright pages 1.17 and more, flipped ones 0.88 at most, all but one
    under 0.6; the margin of 1.5 (0.67) flipped no upright page.
    """
    mask = rotate(page.ink, turn)
    if abs(skew) >= 0.3:  # level the lines as deskew will, or a tilted line smears its band into both zones
        height, width = mask.shape
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), -skew, 1.0)
        mask = cv2.warpAffine(mask, matrix, (width, height), flags=cv2.INTER_NEAREST, borderValue=0)
    above, below = _ink_beside_x_height(_row_sums(mask) / 255)
    return below > margin * above + 20  # + 20 survey pixels: a few specks must not decide a nearly empty page


def _ink_beside_x_height(profile: np.ndarray) -> tuple[float, float]:
    """Ink above and below each text line's x-height band (the rows at least half as dark as the line's peak)."""
    on = profile > max(profile.max() * 0.05, 1.0)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], on.astype(np.int8), [0]))))
    above = below = 0.0
    for start, end in zip(edges[::2], edges[1::2]):
        line = profile[start:end]
        if len(line) < 4:  # a rule, a speck row: no x-height to speak of
            continue
        band = np.flatnonzero(line >= 0.5 * line.max())
        above += float(line[:band[0]].sum())
        below += float(line[band[-1] + 1:].sum())
    return above, below


def _projection_score(mask: np.ndarray, angle: float, rows: int) -> float:
    """How sharply the rows of `mask` turned by `angle` change, per row of a page `rows` long."""
    height, width = mask.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    rotated = cv2.warpAffine(mask, matrix, (width, height), flags=cv2.INTER_NEAREST, borderValue=0)
    return float(np.square(np.diff(_row_sums(rotated))).sum()) / max(rows, 1)


def _row_sums(mask: np.ndarray) -> np.ndarray:
    """Each row's sum, float64: OpenCV's integer sums are exact, as numpy's float64 ones are, in a twentieth of
    their time (~0.02 ms against ~0.3 on a survey)."""
    return cv2.reduce(mask, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel().astype(np.float64)


