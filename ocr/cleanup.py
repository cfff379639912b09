"""Owner of OpenCV: page cleanup (rotation, deskew, illumination, binarisation) and blank-page detection."""

from __future__ import annotations

import cv2
import numpy as np

ROTATIONS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def rotate(gray: np.ndarray, degrees_clockwise: int) -> np.ndarray:
    """Rotate by a multiple of 90 degrees without resampling."""
    code = ROTATIONS.get(degrees_clockwise % 360)
    return gray if code is None else cv2.rotate(gray, code)


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Dark-on-light ink as a 0/255 mask, robust to uneven lighting."""
    background = cv2.medianBlur(cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA), 21)
    background = cv2.resize(background, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    difference = cv2.subtract(background, gray)
    _, mask = cv2.threshold(difference, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # Otsu on a nearly blank page splits paper grain; demand a real contrast too.
    mask[difference < 40] = 0
    return mask


def is_blank(gray: np.ndarray, min_marks: int = 6) -> bool:
    """True when the page, away from its borders, has no letter-sized marks: the back of a duplex scan.

    Counting marks rather than inked area keeps a one-line note from passing for blank.
    """
    height, width = gray.shape
    margin_y, margin_x = height // 20, width // 20
    inner = gray[margin_y:height - margin_y, margin_x:width - margin_x]
    scale = min(1.0, 1200.0 / max(inner.shape))
    # Averaging down also melts specks of dust into the paper.
    small = cv2.resize(inner, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else inner
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink_mask(small), connectivity=8)
    tall = stats[1:, cv2.CC_STAT_HEIGHT]
    area = stats[1:, cv2.CC_STAT_AREA]
    letters = (tall >= max(3, small.shape[0] * 0.004)) & (tall <= small.shape[0] * 0.1) & (area >= 6)
    return int(letters.sum()) < min_marks


def estimate_skew(gray: np.ndarray, max_angle: float = 10.0) -> float:
    """The page's skew in degrees (counter-clockwise positive), found by maximising the sharpness of row projections."""
    scale = 1000.0 / max(gray.shape)
    small = cv2.resize(gray, None, fx=min(scale, 1.0), fy=min(scale, 1.0), interpolation=cv2.INTER_AREA)
    mask = ink_mask(small)
    if np.count_nonzero(mask) < 50:
        return 0.0
    # Join letters into line-shaped blobs so the projection sees text lines, not glyphs.
    mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1)))
    best = 0.0
    for step, span in ((1.0, max_angle), (0.2, 1.0), (0.05, 0.2)):
        candidates = np.arange(best - span, best + span + step / 2, step)
        best = max(candidates, key=lambda angle: _projection_score(mask, angle))
    return float(round(-best, 2)) + 0.0  # + 0.0 turns -0.0 into 0.0


def _projection_score(mask: np.ndarray, angle: float) -> float:
    height, width = mask.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    rotated = cv2.warpAffine(mask, matrix, (width, height), flags=cv2.INTER_NEAREST, borderValue=0)
    rows = rotated.sum(axis=1, dtype=np.float64)
    return float(np.square(np.diff(rows)).sum())


def deskew(gray: np.ndarray, angle: float) -> np.ndarray:
    """Undo a skew of `angle` degrees (counter-clockwise positive), filling the corners with white."""
    if abs(angle) < 0.05:
        return gray
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), -angle, 1.0)
    return cv2.warpAffine(gray, matrix, (width, height), flags=cv2.INTER_CUBIC, borderValue=255)


def normalise(gray: np.ndarray) -> np.ndarray:
    """Flatten uneven illumination and stretch contrast, keeping grey levels for Tesseract's own binariser."""
    background = cv2.medianBlur(cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA), 21)
    background = cv2.resize(background, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    flattened = cv2.divide(gray, np.maximum(background, 1), scale=255)
    return cv2.normalize(flattened, None, 0, 255, cv2.NORM_MINMAX)


def binarise(gray: np.ndarray) -> np.ndarray:
    """Black text on white via Otsu after illumination flattening."""
    _, binary = cv2.threshold(normalise(gray), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return binary


def upscale_if_small(gray: np.ndarray, dpi: int, target_dpi: int = 300) -> tuple[np.ndarray, int]:
    """Low-resolution scans (faxes, phone photos) read better when enlarged towards 300 dpi."""
    if not dpi or dpi >= target_dpi * 0.8:
        return gray, dpi
    factor = min(target_dpi / dpi, 3.0)
    return cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC), int(dpi * factor)


def encode_png(gray: np.ndarray) -> bytes:
    """PNG bytes of a page, for previews and files handed to other tools."""
    ok, data = cv2.imencode(".png", gray)
    if not ok:
        raise ValueError("PNG encoding failed")
    return data.tobytes()
