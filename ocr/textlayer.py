"""Whether a PDF page's own text layer is good enough to use instead of OCR."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\S+")
_WORD = re.compile(r"^[¿¡(\"'«]*([A-Za-zÁÉÍÓÚÜÑáéíóúüñ]+|\d+([.,:/-]\d+)*)[.,;:!?)\"'»]*$")
_VOWELS = set("aeiouáéíóúüAEIOUÁÉÍÓÚÜ")


def usable(text: str, min_letters: int = 40, min_word_share: float = 0.85) -> bool:
    """True for text that reads as language: enough letters, and nearly every token a plausible word or number.

    Scanner software often adds a text layer of its own OCR; when it is poor, tokens stop looking like words
    (stray symbols, letters glued without vowels) and the page is read again.
    """
    tokens = _TOKEN.findall(text)
    if sum(ch.isalpha() for ch in text) < min_letters or not tokens:
        return False
    plausible = 0
    for token in tokens:
        match = _WORD.match(token)
        if match and (not match.group(1).isalpha() or len(match.group(1)) <= 2 or _VOWELS & set(match.group(1))):
            plausible += 1
    return plausible / len(tokens) >= min_word_share
