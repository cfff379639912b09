"""The words of the full-text search: a text folded (lower case, no accents) and cut to Spanish stems, so that
"Reconstrucciones" and "reconstrucción" are one word, "agua" and "AGUAS" another; the terms of what staff type,
read the same way; and the excerpt of a found text with its matching words marked.

SQLite's FTS5 has no Spanish stemmer, so the SQLite index holds these stems (storage/fulltext.py); PostgreSQL stems
with its own 'spanish' configuration, the same Snowball algorithm, and these terms only mark the excerpt there.
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
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


@lru_cache(maxsize=100_000)
def _stem_as_written(word: str) -> str:
    # Cached as written: a letter's words repeat, and folding one costs more than looking it up.
    return stem(normalise(word))


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
    found = _WORD.finditer(text)
    head: list[tuple[int, int]] = []  # the first words, shown when none is wanted
    window: deque[tuple[int, int, int]] = deque(maxlen=words // 3 + 1)  # (index, start, end) up to the first hit
    for index, match in enumerate(found):
        if index < words:
            head.append(match.span())
        window.append((index, *match.span()))
        if wanted and _stem_as_written(match.group()) in wanted:
            break
    else:  # no word wanted in it: its start
        return _pieces(text, head, wanted, False, window[-1][0] >= words) if head else []
    spans = [(start, end) for _, start, end in window]
    spans += [match.span() for match, _ in zip(found, range(words - len(spans)))]
    return _pieces(text, spans, wanted, window[0][0] > 0, next(found, None) is not None)


def _pieces(text: str, spans: list[tuple[int, int]], wanted: tuple[str, ...], cut_before: bool,
            cut_after: bool) -> list[tuple[str, bool]]:
    """The text from the first span to the last (whole to the text's ends when not cut), wanted words marked."""
    start = spans[0][0] if cut_before else 0
    end = spans[-1][1] if cut_after else len(text)
    pieces: list[tuple[str, bool]] = [("… ", False)] if cut_before else []
    at = start
    for s, e in spans:
        if wanted and _stem_as_written(text[s:e]) in wanted:
            if s > at:
                pieces.append((text[at:s], False))
            pieces.append((text[s:e], True))
            at = e
    if end > at:
        pieces.append((text[at:end], False))
    if cut_after:
        pieces.append((" …", False))
    return pieces
