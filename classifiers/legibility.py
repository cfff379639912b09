"""How surely recognition read each petitioner field: the lowest confidence Tesseract gave the characters its value
is read from. A field read from doubtful words scores lower, and the review page marks it «verificar».

The words come in the order recognition wrote them into the text (ocr.words.text_of); the garbage words that were
dropped from the text are among them and are skipped as they fail to line up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from classifiers.gazetteer import fold

# Only fields written in words: Tesseract's word confidence is low for any string outside its dictionary, so on
# fields_dev right e-mails read at 0-74 and right CURPs at 7-71, while a CURP's check digit, a phone's numbering
# plan and an e-mail's domain already score those. Names read wrong scored 22-67, right ones 71 and up (all but
# one above 90).
FIELDS = ("name", "municipality", "locality")
DOUBTFUL = 75.0  # a character Tesseract read with less confidence than this (0-100) may well be misread
DOUBTFUL_SCORE = 0.75  # the most a field read from such characters scores: below the review page's 0.8 «verificar»


def character_confidences(text: str, words: Sequence[Sequence]) -> np.ndarray:
    """Each character's word confidence (NaN where no recognised word lines up: spaces, typed text).

    `words` are (text, confidence, ...) in reading order; a word lines up where it comes next in `text` after
    nothing but white space."""
    confidence = np.full(len(text), np.nan, np.float32)
    cursor = 0
    for word in words:
        spelled, value = str(word[0]), float(word[1])
        if not spelled:
            continue
        at = text.find(spelled, cursor, cursor + 40 + len(spelled))
        if at < 0 or text[cursor:at].strip():
            continue  # a garbage word the text left out
        confidence[at:at + len(spelled)] = value
        cursor = at + len(spelled)
    return confidence


def mark(fields: dict[str, dict], text: str, words: Sequence[Sequence] | None) -> dict[str, dict]:
    """`fields` with each one's "read_confidence" (0-100) where its value is found in the recognised text; below
    DOUBTFUL, its score lowered to DOUBTFUL_SCORE and "doubtful" set (the review page says why it asks to check)."""
    if not words or not text:
        return fields
    confidence = character_confidences(text, words)
    folded = fold(text)
    for key in FIELDS:
        field = fields.get(key)
        if not field:
            continue
        read = _read_confidence(folded, confidence, _as_written(key, field))
        if read is None:
            continue
        field["read_confidence"] = int(round(read))
        if read < DOUBTFUL:
            field.update(score=min(field["score"], DOUBTFUL_SCORE), doubtful=True)
    return fields


def _as_written(key: str, field: dict) -> str:
    """What of the text the field was read from: the reading before repairs, else the value (a phone's digits)."""
    if field.get("read_as"):
        return field["read_as"]
    return field.get("national", field["value"]) if key == "phone" else field["value"]


def _read_confidence(folded: str, confidence: np.ndarray, written: str) -> float | None:
    """The best-read occurrence's lowest character confidence; None when the value is not found as recognised."""
    letters = [c for c in fold(written) if c.isalnum()]
    if not letters:
        return None
    best = None
    for found in re.finditer(r"[\W_]{0,3}".join(map(re.escape, letters)), folded):
        known = confidence[found.start():found.end()]
        known = known[~np.isnan(known)]
        if known.size:
            best = max(best if best is not None else -1.0, float(known.min()))
    return best
