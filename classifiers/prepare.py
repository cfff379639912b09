"""What the classifier reads of a text: words OCR misread by a letter put back (classifiers/spelling.py), the letter's
frame cut out (classifiers/template.py) and OCR junk dropped.

Recognition of a damaged scan leaves pieces that are not words: symbol runs from a scanner border ("= 7 : Ñ = Tm -
CN pa"), letters and digits glued together ("y3", "1P"), stray letters at the ends of lines ("ES", "Ñ", "ba"), a
word broken at a line end ("recons-\\ntrucción"). In a TF-IDF row each of them is a rare feature that takes weight
from the words of the request, so a letter read by OCR scored lower than its clean text and lost its suggestion.
A token stays when it is plausibly a word: alphabetic with a vowel (or an upper-case acronym such as CDMX), a
short word Spanish has, a number (an article, a street number, a year, a folio whose digits name the agency), an
ordinal like "19S"/"2do", or a code of letters and digits at least CODE_LENGTH long. A line where less than half the characters are in such words of three letters or more is junk as a whole
(a border column, a stain read as letters).

Pure text in, text out, so that any learner behind it (the hand-written one now, scikit-learn later) reads the same.
"""

from __future__ import annotations

import re
from functools import lru_cache

from classifiers import spelling, template
from classifiers.features import normalise

# Spanish words of one or two letters (spaCy's stop words of that length), abbreviations letters use, and roman
# numerals ("fracción II"): the short tokens that are words. Any other short token is taken for OCR junk.
SHORT_WORDS = frozenset(
    "a al da de e el en es ha he ir la le lo me mi ni no o os se si su te ti tu u un va y ya yo "
    "av c cp df dr ed mx pb sr ii iii iv v vi vii viii ix x xi xii".split())
VOWELS = frozenset("aeiouy")
# Words without vowels that are not junk in any case: file formats, "cdmx" as citizens write it.
CONSONANT_WORDS = frozenset("pdf csv xls xlsx xml dwg kmz shp www http https html cdmx".split())
CODE_LENGTH = 6  # letters and digits mixed this long are a code (a school's, a folio, a CURP), not OCR junk
_ORDINAL = re.compile(r"\d{2,4}[a-z]|\d{1,4}(?:er|do|ro|to|vo|no|mo|ra|da|ta|va|na|ma)")  # "19S", "2do"; not "1P"
_EDGE = re.compile(r"^[^\w]+|[^\w]+$")
_INNER = re.compile(r"[^\w]+")
_HYPHEN_BREAK = re.compile(r"(\w)-[ \t]*\n[ \t]*(\w)")


def prepare(text: str) -> str:
    """The text as the classifier should read it: misread words mended, no letter frame, no junk tokens or lines."""
    text = spelling.mended(_HYPHEN_BREAK.sub(r"\1\2", text))
    text = template.strip(text)
    lines = []
    for line in text.split("\n"):
        chunks = line.split()
        kept = [c for c in chunks if plausible(c)]
        if kept and not _junk_line(chunks, kept):
            lines.append(" ".join(kept))
    return "\n".join(lines)


def _junk_line(chunks: list[str], kept: list[str]) -> bool:
    """Less than half of the line's characters are in plausible words of three letters or digits or more: a
    border column or stain read as letters ("si +y+. lA E .. to e L 1% + nas as ES pd AA AE", "e Se E)")."""
    content = sum(len(w) for w in map(_core, kept) if len(w) >= 3)
    return content * 2 < sum(len(_core(c)) or len(c) for c in chunks)  # "Bajo.........." counts as its word


@lru_cache(maxsize=1 << 16)  # pieces repeat within a letter and across letters
def plausible(chunk: str) -> bool:
    """Whether a whitespace-separated piece of OCR text can be a word of the request (see the module docstring)."""
    if "@" in chunk:
        return False  # an e-mail address: the petitioner's, not the subject
    core = _core(chunk)
    if not core:
        return False
    word = normalise(core)
    if not word.isalnum():
        # Inner punctuation: kept when its parts are words ("y/o"), one of them is a long word ("empresa(as)",
        # "febrero-octubre"), or it is an abbreviation in capitals ("D.F"); not "Ci.al" or "1P-*".
        parts = [p for p in _INNER.split(word) if p]
        if not parts:
            return False
        if all(_plausible_word(p, p) for p in parts) or any(len(p) >= 3 and _plausible_word(p, p) for p in parts):
            return True
        return core.isupper() and all(len(p) == 1 and p.isalpha() for p in parts)
    return _plausible_word(word, core)


@lru_cache(maxsize=1 << 16)
def _core(chunk: str) -> str:
    return _EDGE.sub("", chunk).replace("_", "")


def _plausible_word(word: str, raw: str) -> bool:
    if word.isdigit():
        return True
    if word.isalpha():
        if len(word) <= 2:
            return word in SHORT_WORDS
        if set(word) & VOWELS:
            return True
        # Acronyms without vowels are written in capitals (CDMX, CdMx); a few words in any case ("archivo pdf", "la cdmx").
        return sum(c.isupper() for c in raw) >= 2 or word in CONSONANT_WORDS
    # Letters and digits: an ordinal ("19S", "2do") or a code long enough not to be OCR junk ("09DPR3054M", a
    # school's key; a folio); "y3" and "1P" are junk.
    return bool(_ORDINAL.fullmatch(word)) or len(word) >= CODE_LENGTH
