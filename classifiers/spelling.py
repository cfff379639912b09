"""Words OCR misread by one letter, read as the Spanish word they almost are, for the classifier.

Recognition of a damaged scan changes, drops or adds a letter inside words ("escombroi", "septiempbre",
"particulat"). Each such word is a feature the model never saw: it takes weight from the request's words, and it
raises the text's share of unknown words, which lowers the suggestion's confidence. So a word that is not in
Spanish's dictionary (Tesseract's own word list, ocr.tesseract.lexicon) and lies one slip of recognition (a letter
read for one of like shape, one too many, one lost) from exactly one word of it is read as that word. Left as
written: words in capitals (acronyms: SEDUVI is no misread "sedavi"); words with a capital inside a sentence, names
of people and places the dictionary lacks but has a word one letter off (Pesqueira, Ceceña, Horcasitas); short
words, which lie one slip from too many others. Only what the classifier reads changes: the text reviewers see and
search stays as recognised.

Measured with bench/keystroke (800 routing texts in letters, damaged by noise fitted on the real letters; fold seed
0): one-keystroke share from OCR text 0.275 -> 0.295, from clean text 0.323 -> 0.335 (ratio 0.85 -> 0.88);
petitions_dev 0.267 / 0.300 -> 0.433 / 0.400. Mending any letter for any other, and capitals inside a sentence too,
scored 0.299 / 0.330, but "deportaron" became "reportaron", "Pesqueira" "pesquera", "SEDUVI" "sedavi".
"""

from __future__ import annotations

import re
import string
import threading
from functools import lru_cache

from classifiers.features import normalise
from ocr import tesseract  # the owner of Tesseract, and of its word list

LANGUAGE = "spa"
MIN_LENGTH = 5  # letters: shorter words lie one slip from too many others ("casa": cada, cama, capa, caza...)
# The word list's longest words have 16 letters ("hispanohablantes"), Spanish's 23; a longer "word" is no misread
# one, and its one-slip neighbours are 27 times its length strings of its length: a 30,000-letter token took 88 s.
MAX_LENGTH = 30
_TOKEN = re.compile(r"\S+")
_EDGE = re.compile(r"^([^\w]*)(.*?)([^\w]*)$", re.DOTALL)
_SENTENCE_END = frozenset(".!?:")
_LEADING = "¿¡(\"'“«"  # what may stand before a word: "¿Cuál", "(Pesqueira"
_LETTERS = string.ascii_lowercase  # normalise() leaves no accents and no ñ
# Letters Tesseract takes for one another on a damaged page: round ones, upright strokes, open bowls, humps,
# descenders. Any other letter for a letter is as likely a different word ("deportaron", "reportaron").
_SHAPES = ("aceo", "iljtfr", "unv", "nhb", "mn", "gqy")
_LOOKALIKES = {c: "".join(sorted({o for group in _SHAPES if c in group for o in group} - {c})) for c in _LETTERS}


def mended(text: str) -> str:
    """`text` with each misread word put back (see the module docstring); unchanged without a dictionary."""
    if not dictionary():
        return text
    return "\n".join(_mended_line(line) for line in text.split("\n"))


def _mended_line(line: str) -> str:
    out, last = [], 0
    opening = True  # a capital here starts a sentence; elsewhere it starts a name
    for m in _TOKEN.finditer(line):
        token = m.group()
        first = token.lstrip(_LEADING)[:1]
        name = first.isupper() and not (opening or token[0] in "¿¡")  # Spanish opens questions and exclamations
        out += [line[last:m.start()], token if name else _mended_token(token)]
        last, opening = m.end(), token[-1] in _SENTENCE_END
    out.append(line[last:])
    return "".join(out)


@lru_cache(maxsize=1 << 16)  # words repeat within a letter and across the training texts
def _mended_token(token: str) -> str:
    before, core, after = _EDGE.match(token).groups()
    plain = normalise(core)
    if not MIN_LENGTH <= len(plain) <= MAX_LENGTH or not plain.isalpha() or core.isupper():
        return token
    words = dictionary()
    if plain in words:
        return token
    found = {candidate for candidate in _one_edit(plain) if candidate in words}
    return f"{before}{found.pop()}{after}" if len(found) == 1 else token


def _one_edit(word: str) -> set[str]:
    """The strings one slip of recognition away from `word`: a letter read for one of like shape, or one too many
    or one lost."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + c + b[1:] for a, b in splits if b for c in _LOOKALIKES.get(b[0], "")}
            | {a + c + b for a, b in splits for c in _LETTERS}) - {word}


_DICTIONARY: frozenset[str] = frozenset()
_LOCK = threading.Lock()


def dictionary() -> frozenset[str]:
    """Spanish's words, normalised; read once a process (empty, and asked again, while Tesseract is missing)."""
    global _DICTIONARY
    if _DICTIONARY:
        return _DICTIONARY  # asked for every word a text has: no lock once the list is read
    with _LOCK:
        if not _DICTIONARY:
            _DICTIONARY = frozenset(normalise(word) for word in tesseract.lexicon(LANGUAGE))
        return _DICTIONARY
