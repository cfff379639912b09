"""Owner of rapidfuzz: how alike two OCR'd words are, and the closest of a list of known spellings."""

from __future__ import annotations

import re

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

# Glyphs Tesseract reads for others inside a word, undone before comparing a word with known spellings:
# "Hermosi1lo", "Cajerne" (rn for m), "Nav0joa", "Caborc|".
_GLYPHS = [("rn", "m"), ("vv", "w"), ("cl", "d"), ("1", "l"), ("|", "l"), ("!", "l"), ("0", "o"), ("5", "s"),
           ("8", "b"), ("@", "a")]


def unglyph(word: str) -> str:
    """`word` (already folded to lower case) with the usual OCR glyph confusions undone."""
    for wrong, right in _GLYPHS:
        word = word.replace(wrong, right)
    return re.sub(r"\s+", " ", word).strip()


def similarity(a: str, b: str) -> float:
    """1 - normalised edit distance: 1.0 for the same string."""
    return Levenshtein.normalized_similarity(a, b)


def distance(a: str, b: str) -> int:
    return Levenshtein.distance(a, b)


def closest(word: str, choices: list[str] | tuple[str, ...], cutoff: float) -> tuple[str, float] | None:
    """The choice most like `word` with its similarity, when it reaches `cutoff` and no other choice ties it."""
    # rapidfuzz's cutoff dropped what reaches it exactly: 0.8 let "altor" (one slip off "altar", 0.8) through to
    # nothing. Asked a step lower, and what falls short of the cutoff dropped here.
    found = process.extract(word, choices, scorer=Levenshtein.normalized_similarity, limit=2,
                            score_cutoff=cutoff - 0.01)
    found = [hit for hit in found if hit[1] >= cutoff - 1e-9]
    if not found or (len(found) > 1 and found[1][1] >= found[0][1]):
        return None
    return found[0][0], found[0][1]
