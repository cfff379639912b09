"""The words of the full-text search: a text folded (lower case, no accents) and cut to Spanish stems, so that
"Reconstrucciones" and "reconstrucción" are one word, "agua" and "AGUAS" another; the terms of what staff type,
read the same way; and the excerpt of a found text with its matching words marked.

SQLite's FTS5 has no Spanish stemmer, so the SQLite index holds these stems (storage/fulltext.py); PostgreSQL stems
with its own 'spanish' configuration, the same Snowball algorithm, and these terms only mark the excerpt there.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

from classifiers.features import normalise

MAX_TERMS = 12  # more words than a search box needs; each one is a condition on the index
MAX_WORD = 40  # a longer "word" is OCR noise or a pasted string: kept whole, not stemmed
EXCERPT_WORDS = 28
# The commonest Spanish function words: in nearly every letter, they find nothing and only slow the index down.
STOPWORDS = frozenset("""a al algo ante antes como con contra cual cuando de del desde donde durante e el ella ellos
en entre era es esa ese eso esta este esto estos fue ha hay la las le les lo los mas me mi mis muy ni no nos o os
para pero por porque que quien se sea ser si sin sobre su sus tambien te tiene todo u un una unas uno unos y ya yo
""".split())
_STEMMER = snowballstemmer.stemmer("spanish")
_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """The stem of one folded word ("reconstrucciones" → "reconstruccion")."""
    return word if len(word) > MAX_WORD or word.isdigit() else _STEMMER.stemWord(word)


def index_words(text: str) -> str:
    """The stems of a text's words, stop words left out, one space between them (what the SQLite index holds)."""
    return " ".join(stem(w) for w in _WORD.findall(normalise(text or "")) if w not in STOPWORDS)


def folded_words(text: str) -> list[str]:
    """The distinct words typed, folded, stop words left out, at most MAX_TERMS: only letters and digits, so that
    FTS syntax (quotes, `*`, NEAR, `-`, parentheses) is never read as such, only as words."""
    return list(dict.fromkeys(w for w in _WORD.findall(normalise(text or "")) if w not in STOPWORDS))[:MAX_TERMS]


def terms(text: str) -> tuple[str, ...]:
    """The distinct stems of what was typed (folded_words, stemmed)."""
    return tuple(dict.fromkeys(stem(w) for w in folded_words(text)))


def excerpt(text: str, wanted: tuple[str, ...], words: int = EXCERPT_WORDS) -> list[tuple[str, bool]]:
    """A stretch of about `words` words of `text` around its first word whose stem is wanted (the text's start when
    none is), as (piece, marked) pairs in order: whoever shows it escapes each piece and marks the marked ones."""
    text = unicodedata.normalize("NFC", " ".join((text or "").split()))
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    if not spans:
        return []
    hits = [i for i, (s, e) in enumerate(spans) if stem(normalise(text[s:e])) in wanted] if wanted else []
    first = max(0, hits[0] - words // 3) if hits else 0
    last = min(len(spans), first + words) - 1
    # Whole from the text's first character or to its last one, punctuation and all, where the stretch reaches it.
    start = spans[first][0] if first > 0 else 0
    end = spans[last][1] if last < len(spans) - 1 else len(text)
    pieces: list[tuple[str, bool]] = [("… ", False)] if first > 0 else []
    at = start
    for i in (h for h in hits if first <= h <= last):
        s, e = spans[i]
        if s > at:
            pieces.append((text[at:s], False))
        pieces.append((text[s:e], True))
        at = e
    if end > at:
        pieces.append((text[at:end], False))
    if last < len(spans) - 1:
        pieces.append((" …", False))
    return pieces
