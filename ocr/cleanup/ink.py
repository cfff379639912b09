"""What recognition reads: the page's thin dark strokes on white, with what is not writing taken out.

Writing is made of strokes a few pixels wide, darker than the paper right around them. Most of what damages an
office scan is not: stains, a big grey watermark or stamp, shadows and the lid are wider than any stroke; drum
streaks, fold creases and the sheets' edges are straight lines far longer than any letter. So the page is measured
against its own surround (a closing wider than a stroke: grayscale black-hat), long straight lines are subtracted,
and what remains is kept where it is clearly darker than the paper (hysteresis: faint parts of a letter stay when
they touch a dark part). Specks and the fragments of texture that survive are left to `lines`, which keeps only
marks that line up as text.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ocr.cleanup import components, geometry

STROKE_MM = 1.27  # wider dark marks are not pen or print strokes (15 px at 300 dpi; bold print is ~6 px)
RULE_MM = 12.8  # straight lines longer than this are rules, creases or streaks (151 px; a 14-point "l" is ~60)
RULE_TILT = 6.0  # degrees: rules are found before deskew, on scans this skewed or less
LOW_SHARE, HIGH_SHARE = 0.25, 0.5  # of the text's contrast: a mark reaches the high share, its parts the low one
MIN_CONTRAST = 25  # grey levels below which a mark is paper grain or JPEG noise, however the page is lit


def _odd(value: float, least: int) -> int:
    return max(least, int(round(value)) | 1)


def strokes(gray: np.ndarray, dpi: int) -> np.ndarray:
    """How much darker than its surround each pixel is, for marks thinner than STROKE_MM; 0 elsewhere."""
    side = _odd(STROKE_MM / 25.4 * (dpi or 300), 5)
    # A 3-pixel median first: single-pixel grain would otherwise stand out against the brightest grain around it.
    calm = cv2.medianBlur(gray, 3)
    surround = cv2.morphologyEx(calm, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (side, side)))
    surround = cv2.blur(surround, (5, 5))  # the closing's square steps would print as faint edges
    return cv2.subtract(surround, calm)


def without_rules(contrast: np.ndarray, dpi: int) -> np.ndarray:
    """`contrast` with straight horizontal and vertical lines longer than RULE_MM taken out.

    A rule may be tilted up to RULE_TILT (the page is not deskewed yet): the opening runs on a copy widened across
    the line by as much as such a tilt drifts over the rule's length, and takes out what of the page lies in it.
    Found on a half-size copy (a max of each 2×2 block, so a one-pixel line survives the halving), where the two
    long openings cost a quarter: ~10 ms instead of ~40 on an A4 page.
    """
    half = cv2.resize(cv2.dilate(contrast, np.ones((2, 2), np.uint8)), None, fx=0.5, fy=0.5,
                      interpolation=cv2.INTER_NEAREST)
    length = _odd(RULE_MM / 25.4 * (dpi or 300) / 2, 15)
    drift = _odd(length * np.tan(np.radians(RULE_TILT)), 1)
    rules = None
    for along, across in (((1, length), (drift, 1)), ((length, 1), (1, drift))):
        widened = cv2.dilate(half, np.ones(across[::-1], np.uint8))
        found = cv2.min(cv2.morphologyEx(widened, cv2.MORPH_OPEN, np.ones(along[::-1], np.uint8)), half)
        rules = found if rules is None else cv2.max(rules, found)
    if not cv2.countNonZero(rules):
        return contrast
    rules = cv2.resize(cv2.dilate(rules, np.ones((3, 3), np.uint8)), (contrast.shape[1], contrast.shape[0]),
                       interpolation=cv2.INTER_NEAREST)
    return cv2.subtract(contrast, rules)


def contrast(gray: np.ndarray, dpi: int) -> np.ndarray:
    """How much darker than its surround each stroke-thin mark is, long straight lines taken out."""
    return without_rules(strokes(gray, dpi), dpi)


def candidates(contrast: np.ndarray, half: np.ndarray | None = None) -> Marks:
    """Every mark that may be writing: clearly darker than the paper, faint parts kept where they touch dark ones
    (hysteresis). Debris is left in; `lines` and `relative_to` take it out. `half`: the contrast's
    `geometry.halved_max`, when the caller has it already."""
    threshold, _ = cv2.threshold(contrast, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    threshold = max(int(threshold), MIN_CONTRAST)
    return _hysteresis(contrast, threshold // 2, threshold, half)


def level_of(contrast: np.ndarray, marks: np.ndarray) -> float:
    """The contrast of writing when no lines were found to tell it: the 90th percentile over the marks' pixels."""
    values = contrast[marks]
    return max(float(np.percentile(values, 90)), 2.0 * MIN_CONTRAST) if values.size else 255.0


def relative_to(contrast: np.ndarray, level: float, half: np.ndarray | None = None) -> Marks:
    """The marks that belong with writing of contrast `level`: reaching half of it, with their parts down to a
    quarter (hysteresis). A stain's texture, grain and a watermark's edges are fainter than the writing on the
    same page, whatever the page's own contrast; judged against the text they go, and a faint letter on a faint
    page stays."""
    low, high = max(int(LOW_SHARE * level), MIN_CONTRAST // 2), max(int(HIGH_SHARE * level), MIN_CONTRAST)
    return _hysteresis(contrast, low, high, half)


def as_image(contrast: np.ndarray, mask: np.ndarray, level: float, white_to: int = -1) -> np.ndarray:
    """Dark writing on white paper: the marks of `mask`, their contrast stretched so that `level` prints black
    (contrasts up to `white_to` white, as off the marks).

    Stretching to the text's own level makes a faint scan read as well as a dark one, and puts Tesseract's own
    threshold between ink and white.
    """
    # the stretch of each of the 256 contrasts, looked up: indexing the page's marks in and out took ~5 ms
    stretched = 255 - np.clip(np.arange(256, dtype=np.float32) * (255.0 / max(level, 1.0)), 0, 255).astype(np.uint8)
    stretched[:white_to + 1] = 255
    image = np.full(contrast.shape, 255, np.uint8)
    cv2.copyTo(cv2.LUT(contrast, stretched), np.asarray(mask, bool).view(np.uint8), image)
    return image


@dataclass
class Marks:
    """Marks found by hysteresis, decided at half size: `strong` holds 1 on each half-size pixel of a mark that
    reaches the high threshold. The full-size mask is made only when asked for (the first pass's marks are only
    searched for lines, at half size)."""

    contrast: np.ndarray
    low: int
    strong: np.ndarray  # uint8 0/1, the size of `geometry.halved_max(contrast)`
    _full: np.ndarray | None = None

    def full(self) -> np.ndarray:
        """Pixels above `low` connected to a pixel above the high threshold (bool, full size)."""
        if self._full is None:
            self._full = self._at_full_size(self.strong)
        return self._full

    def within(self, area: np.ndarray) -> np.ndarray:
        """The full mask where `area` (0/255 at half size, set to full size the nearest way) is set, bool.

        With even sides the area is taken at half size, before the marks are set to full size: one full-size
        resize and one full-size and fewer than the same area set to full size first (both are constant over the
        same 2×2 blocks)."""
        if self.halved() is None:
            shape = (self.contrast.shape[1], self.contrast.shape[0])
            full_area = cv2.resize(area, shape, interpolation=cv2.INTER_NEAREST)
            return cv2.bitwise_and(self.full().view(np.uint8), full_area).view(bool)
        return self._at_full_size(cv2.bitwise_and(self.strong, area))

    def image_within(self, area: np.ndarray, level: float) -> np.ndarray:
        """`as_image` of the marks `within(area)`. With even sides the parts at or below `low` are printed white by
        the stretch's lookup instead of being taken out of the mask: a full-size threshold and AND fewer."""
        if self.halved() is None:
            return as_image(self.contrast, self.within(area), level)
        kept = self._kept(cv2.bitwise_and(self.strong, area)).view(bool)
        return as_image(self.contrast, kept, level, white_to=self.low)

    def _at_full_size(self, strong: np.ndarray) -> np.ndarray:
        _, faint = cv2.threshold(self.contrast, self.low, 1, cv2.THRESH_BINARY)
        return cv2.bitwise_and(self._kept(strong), faint).view(bool)  # 0/1: the mask as it is, without another pass

    def _kept(self, strong: np.ndarray) -> np.ndarray:
        """`strong` (uint8 0/1 at half size) set to full size the nearest way."""
        return cv2.resize(strong, (self.contrast.shape[1], self.contrast.shape[0]), interpolation=cv2.INTER_NEAREST)

    def halved(self) -> np.ndarray | None:
        """The full mask at half size, any pixel of each 2×2 block (uint8 0/1, as `lines` halves a mask); None
        for a page with an odd side, whose last row or column the two halvings cut differently.

        With even sides it is `strong` itself: the full mask is `strong` (constant over each block) where the
        contrast is above `low`, and every block of a strong mark holds such a pixel (its half-size max is)."""
        height, width = self.contrast.shape
        return None if height % 2 or width % 2 else self.strong


def _hysteresis(contrast: np.ndarray, low: int, high: int, half: np.ndarray | None = None) -> Marks:
    """The marks above `low` that are connected to a pixel above `high`.

    Which marks reach `high` is decided at half size (a max of each 2×2 block keeps a stroke whole): labelling a
    noisy A4 page at full size and indexing it back took ~60 ms, a quarter of that at half size.
    """
    half = geometry.halved_max(contrast) if half is None else half
    _, above = cv2.threshold(half, low, 1, cv2.THRESH_BINARY)  # OpenCV's compares: a quarter of numpy's time
    count, labels = components.labelled(above)
    strong = np.zeros(count, np.uint8)
    strong[labels[half > high]] = 1
    strong[0] = 0
    return Marks(contrast, low, components.painted(strong, labels))
