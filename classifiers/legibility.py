"""How surely recognition read each petitioner field: the lowest confidence Tesseract gave the characters its value
is read from. A field read from doubtful words scores lower, and the review page marks it «verificar».

Each page's words come in the order recognition wrote them into its text (ocr.words.text_of); the garbage words
dropped from the text are among them and are skipped as they fail to line up. A typed page has no confidence.
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
    """Each character of one page's `text` with its word's confidence (NaN on spaces and where no word lines up).

    The page's text is its kept words joined by white space (ocr.words.text_of), closing punctuation against the
    word before it, so the words that line up make up the text's tokens in order, one or more a token ("Durazo" and
    "," make "Durazo,"); a garbage word the text left out matches no token where it comes and is skipped."""
    confidence = np.full(len(text), np.nan, np.float32)
    tokens = list(re.finditer(r"\S+", text))
    at = filled = 0  # the token being lined up, and how much of it the words so far make up
    for word in words:
        piece = str(word[0])
        if at >= len(tokens):
            break
        if not piece:
            continue
        token = tokens[at].group()
        if not token.startswith(piece, filled):
            if not (filled and token.startswith(piece)):
                continue                                  # a garbage word the text left out
            filled = 0                                    # a garbage word that began the token: start it again
        start = tokens[at].start() + filled
        confidence[start:start + len(piece)] = float(word[1])
        filled += len(piece)
        if filled == len(token):
            at, filled = at + 1, 0
    return confidence


def mark(fields: dict[str, dict], text: str, pages: Sequence[tuple[str, Sequence | None]] | None) -> dict[str, dict]:
    """`fields` with each one's "read_confidence" (0-100) where its value is found in the recognised text; below
    DOUBTFUL, its score lowered to DOUBTFUL_SCORE and "doubtful" set (the review page says why it asks to check).

    `pages` are the pages `text` was joined from (storage.texts.current_pages): each page's text with the words
    recognition read it from, or None for a page a person typed (its characters get no confidence)."""
    confidence = _document_confidences(text, pages or ())
    if confidence is None:
        return fields
    folded = fold(text)
    for key in FIELDS:
        field = fields.get(key)
        if not field:
            continue
        read = _read_confidence(folded, confidence, field.get("read_as") or field["value"])
        if read is None:
            continue
        field["read_confidence"] = int(round(read))
        if read < DOUBTFUL:
            field.update(score=min(field["score"], DOUBTFUL_SCORE), doubtful=True)
    return fields


def _document_confidences(text: str, pages: Sequence[tuple[str, Sequence | None]]) -> np.ndarray | None:
    """The characters' confidences over the whole text, page by page; None when no page was recognised or the
    pages do not make up `text`."""
    if not any(words for _, words in pages):
        return None
    confidence = np.full(len(text), np.nan, np.float32)
    offset = 0
    for page_text, words in pages:
        at = text.find(page_text, offset)
        if at < 0 or text[offset:at].strip():  # only the white space between two pages may come before it
            return None
        if words:
            confidence[at:at + len(page_text)] = character_confidences(page_text, words)
        offset = at + len(page_text)
    return confidence


def _read_confidence(folded: str, confidence: np.ndarray, written: str) -> float | None:
    """The best-read occurrence's lowest letter confidence; None when the value is not found whole as recognised."""
    letters = [c for c in fold(written) if c.isalnum()]
    if not letters:
        return None
    best = None
    # whole words only: "Altar" read doubtfully is not vouched for by a clear "faltar"
    pattern = r"(?<![^\W_])" + r"[\W_]{0,3}".join(map(re.escape, letters)) + r"(?![^\W_])"
    for found in re.finditer(pattern, folded):
        span = confidence[found.start():found.end()]
        letters_read = span[[c.isalnum() for c in folded[found.start():found.end()]]]
        if letters_read.size and not np.isnan(letters_read).any():  # every letter recognised, none typed
            best = max(best if best is not None else -1.0, float(letters_read.min()))
    return best
