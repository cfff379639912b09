"""Grey levels: colour to grey with stamps faded and pens kept, uneven lighting flattened."""

from __future__ import annotations

import cv2
import numpy as np


def to_gray(pixels: np.ndarray) -> np.ndarray:
    """Grayscale, with red and violet stamps faded to the paper's tone.

    Only red-to-violet hues are faded: blue and black are the colours of pens, and a handwritten petition must
    keep every stroke. Where a stamp covers text, the text stays dark and survives.
    """
    if pixels.ndim == 2:
        return pixels
    gray = cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY)
    hsv = cv2.cvtColor(pixels, cv2.COLOR_BGR2HSV)
    # Saturation above 70, value above 60, hue red (0-12) or violet (135-179). OpenCV's own range and
    # saturating arithmetic: the same masks in numpy took ~250 ms on an A4 colour page, these take ~30 ms.
    stamp = cv2.bitwise_or(cv2.inRange(hsv, (0, 71, 61), (12, 255, 255)),
                           cv2.inRange(hsv, (135, 71, 61), (179, 255, 255)))
    if not cv2.countNonZero(stamp):
        return gray
    # A stamp's brightest channel (HSV's value) is nearly the paper's; text under a stamp stays dark in every one.
    lifted = cv2.convertScaleAbs(hsv[..., 2], alpha=1.25)
    cv2.copyTo(lifted, stamp, gray)
    return gray



def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Dark-on-light ink as a 0/255 mask, robust to uneven lighting."""
    difference = cv2.subtract(_background(gray), gray)
    _, mask = cv2.threshold(difference, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # Otsu on a nearly blank page splits paper grain; demand a real contrast too (40 and above).
    _, real = cv2.threshold(difference, 39, 255, cv2.THRESH_BINARY)
    return cv2.bitwise_and(mask, real)


def normalise(gray: np.ndarray) -> np.ndarray:
    """Flatten uneven illumination and stretch contrast, keeping grey levels for Tesseract's own binariser."""
    flattened = cv2.divide(gray, cv2.max(_paper(gray), 1), scale=255)  # cv2.max: np.maximum took 4 ms
    return cv2.normalize(flattened, None, 0, 255, cv2.NORM_MINMAX)


def _paper(gray: np.ndarray) -> np.ndarray:
    """The paper's tone around each pixel of a page: `_background`'s median over ~85 px of the page, taken on an
    eighth-size copy made by halvings (OpenCV's fast path) with a window of 11.

    The page image's lighting only (recognition reads its own image): the quarter-size median took ~14 of
    normalise's 22 ms on an A4 page, this ~6; grey levels move by 1.4 on average, none where the paper is even.
    """
    small = gray
    for _ in range(3):
        if min(small.shape) < 2:
            break
        small = cv2.resize(small, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    return cv2.resize(cv2.medianBlur(small, 11), (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)


def _background(gray: np.ndarray) -> np.ndarray:
    """The paper's tone around each pixel: a wide median on a quarter-size copy, text filtered out."""
    background = cv2.medianBlur(cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA), 21)
    return cv2.resize(background, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
