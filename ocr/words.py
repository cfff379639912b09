"""From recognised words to the text people and the classifier read: garbage left out, lines and paragraphs kept.

What is left of a damaged page after cleanup still makes Tesseract invent a few words: runs of symbols where a
speck cluster was ("$ %", "|"), and short non-words of low confidence at a streak or a stain's edge. They are left
out of the text (the words keep their boxes, for the page view) when three signs agree: low confidence, not a word
of the language, and not shaped like what a letter carries that no dictionary holds (numbers, CURP, phones,
e-mail, folios). A name or a place that Tesseract read with confidence stays, dictionary or not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from ocr.page import Word

DOUBTFUL = 50.0  # below this confidence, a word has to be a word of the language (or an identifier) to stay
SYMBOL_DOUBT = 75.0  # a token with no letter or digit at all stays only when read with at least this confidence

_EDGES = "¿¡\"'«»()[]{}.,;:!?…-–—/*"
_IDENTIFIER = re.compile(r"[\w.%+\-]+@[\w\-]+(\.[\w\-]+)+|(?=.*\d)[A-Za-zÑñ0-9\-./#]{2,}|\d+([.,:/\-]\d+)*[.,)]?",
                         re.UNICODE)


def core(token: str) -> str:
    """The word inside its punctuation, lower case: "¿Cuándo?" → "cuándo"."""
    return token.strip(_EDGES).lower()


def is_word(token: str, lexicon: frozenset[str]) -> bool:
    """A word of the language, with or without its accents (OCR drops and adds them)."""
    word = core(token)
    if not word:
        return False
    return word in lexicon or _unaccented(word) in lexicon or (len(word) <= 2 and word.isalpha())


def legible(words: Iterable[Word], lexicon: frozenset[str]) -> tuple[Word, ...]:
    """The words that belong in the page's text."""
    kept = []
    for word in words:
        token = word.text
        if not any(c.isalnum() for c in token):
            if word.confidence >= SYMBOL_DOUBT:
                kept.append(word)
            continue
        if word.confidence >= DOUBTFUL or _IDENTIFIER.fullmatch(token.strip(_EDGES)) or not lexicon \
                or is_word(token, lexicon):
            kept.append(word)
    return tuple(kept)


def text_of(words: Iterable[Word]) -> str:
    """Words joined by spaces within a line, lines by newlines, paragraphs by a blank line (Tesseract's layout)."""
    lines: list[str] = []
    current: list[str] = []
    key = paragraph = None
    for word in words:
        if word.line != key and current:
            lines.append(" ".join(current))
            current = []
        if word.line != key and paragraph is not None and word.line[:2] != paragraph:
            lines.append("")
        current.append(word.text)
        key, paragraph = word.line, word.line[:2]
    if current:
        lines.append(" ".join(current))
    return "\n".join(lines)


def lexicon_share(words: Iterable[Word], lexicon: frozenset[str]) -> float:
    """The share of letters, in words of three letters or more, that belong to words of the language."""
    total = found = 0
    for word in words:
        letters = core(word.text)
        if len(letters) < 3 or not letters.isalpha():
            continue
        total += len(letters)
        found += len(letters) if is_word(word.text, lexicon) else 0
    return found / total if total else 0.0


def legible_letters(words: Iterable[Word], lexicon: frozenset[str]) -> float:
    """How much readable text a reading holds: letters of dictionary words, weighted by confidence.

    The measure that tells the right way up among candidate turns of one page: upside down or sideways, Tesseract
    still finds words, but almost none of them are words of the language.
    """
    return sum(len(core(w.text)) * w.confidence / 100 for w in words
               if len(core(w.text)) >= 3 and is_word(w.text, lexicon))


def _unaccented(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
