"""Owner of pytesseract: orientation detection and Spanish recognition with word confidences."""

from __future__ import annotations

import os
import re
import time

import numpy as np
import pytesseract
from PIL import Image

from ocr.page import Word
from pipeline.errors import OcrFailed, OcrTimeout

# Pages run in parallel across documents; OpenMP threads inside each tesseract only fight over the same cores
# (measured: ~1.2 s a page single-threaded against ~3.8 s with default threads on 2 cores).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

_ROTATE = re.compile(r"Rotate:\s*(\d+)")
_CONFIDENCE = re.compile(r"Orientation confidence:\s*([\d.]+)")


def orientation(gray: np.ndarray, timeout: float, min_confidence: float = 2.0) -> int:
    """Clockwise degrees (0/90/180/270) that make the page upright; 0 when Tesseract is unsure."""
    try:
        report = _run(pytesseract.image_to_osd, Image.fromarray(gray), timeout,
                      config="--psm 0 -c min_characters_to_try=10")
    except OcrFailed:
        return 0  # too little text to tell; recognition still runs on the page as it is
    rotate, confidence = _ROTATE.search(report), _CONFIDENCE.search(report)
    if not rotate or not confidence or float(confidence.group(1)) < min_confidence:
        return 0
    return int(rotate.group(1)) % 360


def recognise(gray: np.ndarray, language: str, timeout: float) -> tuple[str, tuple[Word, ...]]:
    """Text (lines and paragraphs kept) and words with confidence, from one Tesseract run."""
    data = _run(pytesseract.image_to_data, Image.fromarray(gray), timeout, lang=language, config="--psm 3",
                output_type=pytesseract.Output.DICT)
    words, lines, current, previous_key = [], [], [], None
    for i, token in enumerate(data["text"]):
        confidence = float(data["conf"][i])
        if confidence < 0 or not token.strip():
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        if key != previous_key and current:
            lines.append((previous_key, " ".join(current)))
            current = []
        current.append(token)
        previous_key = key
        words.append(Word(token, confidence, (data["left"][i], data["top"][i], data["width"][i], data["height"][i])))
    if current:
        lines.append((previous_key, " ".join(current)))
    text_lines, last_paragraph = [], None
    for key, line in lines:
        if last_paragraph is not None and key[:2] != last_paragraph:
            text_lines.append("")
        text_lines.append(line)
        last_paragraph = key[:2]
    return "\n".join(text_lines), tuple(words)


def _run(function, image, timeout: float, **kwargs):
    started = time.monotonic()
    try:
        return function(image, timeout=timeout, **kwargs)
    except pytesseract.TesseractError as error:
        raise OcrFailed(f"tesseract: {error.message}") from error
    except RuntimeError as error:
        # pytesseract reports its own kill on timeout only as a bare RuntimeError; elapsed time tells which.
        if time.monotonic() - started >= timeout * 0.95:
            raise OcrTimeout(f"tesseract excedió {timeout:.0f} s") from error
        raise OcrFailed(f"tesseract: {error}") from error
