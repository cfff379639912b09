"""From recognised words to the text people and the classifier read: garbage left out, lines and paragraphs kept.

Cleanup keeps Tesseract from seeing most of what is not writing, but where a speck cluster or a stain's edge sits
on a line it still makes up a token. Such tokens are left out of the text (the words keep their boxes, for the page
view) when they are doubtful (low confidence) and shaped like no word: symbols that are not punctuation, letters
mixed with such symbols, runs of consonants. A doubtful token that is shaped like a word stays, dictionary or not:
measured on the damaged letters, a misread word ("Sohcito", "Prusente") or an e-mail with a slip
("ruben.valenzuela83(GWhotmail.com") is closer to what was written than nothing, and extraction can repair it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from ocr.page import Word

DOUBTFUL = 50.0  # below this confidence a token must be shaped like a word (or punctuation) to stay
NOISE_LINE = 45.0  # mean confidence below which a line with no dictionary word is taken for debris
WORD_SHAPED = 0.5  # a doubtful line with at least this share of word-shaped tokens is kept, dictionary or not
SYMBOL_DOUBT = 75.0  # a token of symbols that are not punctuation stays only when read with this confidence
LONG_WORD = 5  # letters: a dictionary word this long in a doubtful line says it is text (debris: "ES ve qero agro")
DIGIT_SHARE = 0.6  # a doubtful line this much digits may be a phone, a date or a folio: it stays for extraction

_EDGES = "¿¡\"'«»()[]{}.,;:!?…-–—/*"
_CLOSING = set(",.;:?!)]»”…")  # punctuation that closes what comes before it, with no space between
_PUNCTUATION = set(".,;:-–—¿?¡!()\"'«»/_…")
_STRAY = set("<>|{}[]$%€£¥§*+=~^#@&\\`´¨°¬©®")
_VOWELS = set("aeiouáéíóúüyAEIOUÁÉÍÓÚÜY")
_ADDRESS_PART = re.compile(r"mail|\.com|\.mx", re.I)
_IDENTIFIER_CUES = {"tel", "tel.", "tél.", "teléfono", "telefono", "cel", "cel.", "celular", "curp", "rfc", "ine",
                    "correo", "email", "e-mail", "cp", "c.p.", "no.", "núm.", "num.", "folio"}  # "no." but not "no"


def core(token: str) -> str:
    """The word inside its punctuation, lower case: "¿Cuándo?" → "cuándo"."""
    return token.strip(_EDGES).lower()


def is_word(token: str, lexicon: frozenset[str]) -> bool:
    """A word of the language, with or without its accents (OCR drops and adds them)."""
    word = core(token)
    if not word:
        return False
    return word in lexicon or _unaccented(word) in lexicon or (len(word) <= 2 and word.isalpha())


def lines_of(words: Sequence[Word]) -> dict[tuple[int, int, int], list[int]]:
    """The indices of the words of each line (Tesseract's block, paragraph and line), in reading order."""
    lines: dict[tuple[int, int, int], list[int]] = {}
    for i, word in enumerate(words):
        lines.setdefault(word.line, []).append(i)
    return lines


def legible(words: Iterable[Word], lexicon: frozenset[str]) -> tuple[Word, ...]:
    """The words that belong in the page's text: garbage tokens out, and whole lines of noise out."""
    words = tuple(words)
    noise = {key for key, line in lines_of(words).items() if _noise([words[i] for i in line], lexicon)}
    return tuple(word for word in words if word.line not in noise and not _garbage(word))


def _noise(line: list[Word], lexicon: frozenset[str]) -> bool:
    """A line Tesseract made up from debris: read with low confidence and holding no word of the language and
    nothing extraction reads (a line of a stain's texture or of streak clumps that cleanup let through).

    Tesseract's word list holds many short non-words ("aaa", "ans", "ira", and of four letters "stos", "dass",
    "qero"): a streak clump read as "IRA A IR E A er A EN" is all dictionary, so a doubtful line must also hold a
    dictionary word of LONG_WORD letters or more."""
    if not lexicon or sum(w.confidence * len(w.text) for w in line) >= NOISE_LINE * sum(len(w.text) for w in line):
        return False
    if _holds_identifier(line):
        return False
    long_word = any(len(core(w.text)) >= LONG_WORD and is_word(w.text, lexicon) for w in line)
    return (not long_word or lexicon_share(line, lexicon) < 0.3) and _shaped_share(line) < WORD_SHAPED


def _holds_identifier(line: list[Word]) -> bool:
    """Whether a line may hold what extraction reads, slips and all: an e-mail (an "@", a provider's ".com"), a
    cue for a phone, a CURP or a number ("Tel.", "CURP:"), or mostly digits (a phone, a date, a folio). Debris has
    digits too, scattered among its letters and symbols ("$ 4104 44 049146 4 4 dE ¿4401 .eolras"): a digit alone
    does not make a line worth reading."""
    if any("@" in w.text or _ADDRESS_PART.search(w.text) for w in line):
        return True
    if any(w.text.lower().strip("¿¡\"'«»(:,;") in _IDENTIFIER_CUES for w in line):
        return True
    characters = [c for w in line for c in w.text if c.isalnum()]
    return bool(characters) and sum(c.isdigit() for c in characters) >= DIGIT_SHARE * len(characters)


def _shaped_share(line: list[Word]) -> float:
    """The share of a line's characters in tokens shaped like words: four letters or more, with a vowel. A place
    name read with a slip ("Bacgachi, Sc a") is no dictionary word but is mostly such a token; debris is single
    letters and symbols ("p E E $ E pon A 4 at Ho y 4 Cadesr E E E A")."""
    total = sum(len(w.text) for w in line)
    shaped = sum(len(c) for c in (core(w.text) for w in line) if len(c) >= 4 and c.isalpha() and _VOWELS & set(c))
    return shaped / total if total else 0.0


def _garbage(word: Word) -> bool:
    token = word.text
    if not any(c.isalnum() for c in token):
        # punctuation alone read doubtfully is mostly a speck: a grain's dot, a streak's dash
        return word.confidence < (DOUBTFUL if set(token) <= _PUNCTUATION else SYMBOL_DOUBT)
    if word.confidence >= DOUBTFUL:
        return False
    if "@" in token or any(c.isdigit() for c in token):
        return False  # e-mails, numbers, CURPs, phones: extraction reads these, slips and all
    inner = token.strip(_EDGES)
    letters = sum(c.isalpha() for c in inner)
    if sum(c in _STRAY for c in inner) >= 1 and letters < 2 * len(inner) / 3:
        return True
    return len(inner) >= 4 and inner.isalpha() and not _VOWELS & set(inner)


def text_of(words: Iterable[Word]) -> str:
    """Words joined by spaces within a line, lines by newlines, paragraphs by a blank line (Tesseract's layout).

    Closing punctuation Tesseract read as a word of its own (old prints set a space before ";", "?" and often ","
    and ".") is written against the word before it, as Spanish writes it: "Tremebundo ," is "Tremebundo,"."""
    lines: list[str] = []
    current: list[str] = []
    key = paragraph = None
    for word in words:
        if word.line != key and current:
            lines.append(" ".join(current))
            current = []
        if word.line != key and paragraph is not None and word.line[:2] != paragraph:
            lines.append("")
        if current and word.line == key and word.text and set(word.text) <= _CLOSING:
            current[-1] += word.text
        else:
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
    """How much readable text a reading holds: letters of dictionary words past their second, weighted by
    confidence, in words of four letters or more.

    The measure that tells the right way up among candidate turns of one page: upside down or sideways, Tesseract
    still finds words, but almost none of them are words of the language. Short ones are, by chance: a sideways
    reading of a page under a grid of drum streaks made up a thousand tokens and "sen", "ara", "bara" among them
    outweighed the upright reading's few long words ("designó", "encargo", "ATENTAMENTE").
    """
    return sum((len(core(w.text)) - 2) * w.confidence / 100 for w in words
               if len(core(w.text)) >= 4 and is_word(w.text, lexicon))


def _unaccented(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
