"""Text features for the classifier: hashed word and character n-grams weighted by TF-IDF, and catalogue matches.

Pure Python and numpy over token strings: textcat.py (the owner of spaCy) tokenises and hands the tokens here.
"""

from __future__ import annotations

import math
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

BITS = 14  # per block; 2**14 buckets cost 0.002 macro-F1 against an exact vocabulary on the routing data
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)  # within each word padded with spaces (scikit-learn's "char_wb"): robust to OCR and spelling


def normalise(text: str) -> str:
    """Lower case without accents: citizens and OCR both drop accents unpredictably."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _bucket(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) & ((1 << BITS) - 1)


class Hasher:
    """Counts of hashed n-grams; caches each word's character n-grams (words repeat: most of the work)."""

    def __init__(self) -> None:
        self._char_cache: dict[str, list[int]] = {}

    def word_counts(self, words: Sequence[str]) -> Counter:
        counts: Counter = Counter()
        for n in range(WORD_NGRAMS[0], WORD_NGRAMS[1] + 1):
            for i in range(len(words) - n + 1):
                counts[_bucket("w " + " ".join(words[i:i + n]))] += 1
        return counts

    def char_counts(self, words: Sequence[str]) -> Counter:
        counts: Counter = Counter()
        for word in words:
            grams = self._char_cache.get(word)
            if grams is None:
                padded = f" {word} "
                grams = [_bucket("c" + padded[i:i + n]) for n in range(CHAR_NGRAMS[0], CHAR_NGRAMS[1] + 1)
                         for i in range(len(padded) - n + 1)]
                if len(self._char_cache) < 200_000:
                    self._char_cache[word] = grams
            counts.update(grams)
        return counts


@dataclass
class Vectoriser:
    """Two L2-normalised TF-IDF blocks (words, characters) over hashed buckets, concatenated."""

    idf: np.ndarray = field(default_factory=lambda: np.ones(2 << BITS, dtype=np.float32))
    hasher: Hasher = field(default_factory=Hasher)

    @property
    def width(self) -> int:
        return 2 << BITS

    @property
    def words_width(self) -> int:
        """The word block comes first: buckets [0, words_width)."""
        return 1 << BITS

    def _sparse(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Bucket indices and sublinear term frequencies, characters shifted into the second block."""
        word, char = self.hasher.word_counts(words), self.hasher.char_counts(words)
        index = np.fromiter([*word.keys(), *(k + (1 << BITS) for k in char.keys())], dtype=np.int64,
                            count=len(word) + len(char))
        tf = np.fromiter([1.0 + math.log(c) for c in (*word.values(), *char.values())], dtype=np.float32,
                         count=len(word) + len(char))
        return index, tf

    def fit(self, token_lists: Sequence[Sequence[str]]) -> "Vectoriser":
        """Smoothed inverse document frequencies from the training texts."""
        df = np.zeros(self.width, dtype=np.float64)
        for words in token_lists:
            index, _ = self._sparse(words)
            df[index] += 1
        self.idf = (np.log((1 + len(token_lists)) / (1 + df)) + 1).astype(np.float32)
        return self

    def transform_one(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Sparse TF-IDF row (indices, values), each block with unit length."""
        index, tf = self._sparse(words)
        values = tf * self.idf[index]
        half = index >= (1 << BITS)
        for block in (~half, half):
            norm = float(np.sqrt((values[block] ** 2).sum()))
            if norm:
                values[block] /= norm
        return index, values

    def known_words(self, index: np.ndarray) -> int:
        """How many of a row's word n-gram buckets occurred in the training texts (unseen ones have the top idf)."""
        words = index[index < (1 << BITS)]
        return int((self.idf[words] < self.idf[: 1 << BITS].max() - 1e-3).sum())

    def rows(self, token_lists: Sequence[Sequence[str]]) -> list[tuple[np.ndarray, np.ndarray]]:
        return [self.transform_one(words) for words in token_lists]

    def kernel(self, rows: Sequence[tuple[np.ndarray, np.ndarray]], block: int = 512) -> np.ndarray:
        """Dot products of every pair of rows, built from dense blocks of `block` rows so memory stays
        O(block × width + n²) however many texts there are (a dense copy of 5,000 texts would take 650 MB)."""
        n = len(rows)
        out = np.zeros((n, n), dtype=np.float64)
        starts = range(0, n, block)
        for start_i in starts:
            a = self._dense(rows[start_i:start_i + block])
            for start_j in (s for s in starts if s >= start_i):
                b = a if start_j == start_i else self._dense(rows[start_j:start_j + block])  # rebuilt: cheap
                product = a @ b.T
                out[start_i:start_i + len(a), start_j:start_j + len(b)] = product
                out[start_j:start_j + len(b), start_i:start_i + len(a)] = product.T
        return out

    def project(self, rows: Sequence[tuple[np.ndarray, np.ndarray]], coefficients: np.ndarray) -> np.ndarray:
        """Σ_i coefficients[i] ⊗ row_i: the primal weights (width × classes) of a model fitted in dual form."""
        weights = np.zeros((self.width, coefficients.shape[1]), dtype=np.float64)
        for (index, values), c in zip(rows, coefficients):
            weights[index] += np.outer(values, c)  # indices are unique within a row
        return weights.astype(np.float32)

    def _dense(self, rows: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        matrix = np.zeros((len(rows), self.width), dtype=np.float32)
        for row, (index, values) in enumerate(rows):
            matrix[row, index] = values
        return matrix


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # a normalised word or phrase
    weight: float


@dataclass
class LabelMatcher:
    """How strongly a text names each label: its name's distinctive words, or a synonym phrase from the catalogue.

    The score of a label is the largest of (a) the share of its name's weight found in the text, each name word
    weighted 1 / (number of labels whose names use it), so "alcaldía" shared by twelve labels counts little and
    "xochimilco" counts fully, and (b) 1.0 when one of its synonyms appears as a phrase.
    """

    names: dict[str, list[Term]] = field(default_factory=dict)
    synonyms: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)

    @classmethod
    def build(cls, labels: Sequence[str], descriptions: dict[str, Iterable[str]], synonyms: dict[str, Iterable[str]],
              stop_words: Iterable[str], tokenise) -> "LabelMatcher":
        """`descriptions`: label → its names (the label itself is always one); `tokenise`: text → words."""
        stop = {normalise(w) for w in stop_words}
        words_of = {}
        for label in labels:
            words = []
            for name in (label.replace("_", " "), *descriptions.get(label, ())):
                words += [w for w in tokenise(name) if len(w) > 2 and w not in stop and w.isalnum()]
            words_of[label] = list(dict.fromkeys(words))
        used_by = Counter(w for words in words_of.values() for w in words)
        names = {label: [Term((w,), 1.0 / used_by[w]) for w in words] for label, words in words_of.items()}
        phrases = {label: [tuple(tokenise(s)) for s in synonyms.get(label, ()) if tokenise(s)] for label in labels}
        return cls(names, phrases)

    def scores(self, words: Sequence[str], labels: Sequence[str]) -> np.ndarray:
        present = set(words)
        joined = f" {' '.join(words)} "
        out = np.zeros(len(labels), dtype=np.float32)
        for j, label in enumerate(labels):
            terms = self.names.get(label, [])
            total = sum(t.weight for t in terms)
            best = sum(t.weight for t in terms if t.words[0] in present) / total if total else 0.0
            for phrase in self.synonyms.get(label, ()):
                if (len(phrase) == 1 and phrase[0] in present) or f" {' '.join(phrase)} " in joined:
                    best = 1.0
                    break
            out[j] = best
        return out

    def to_json(self) -> dict:
        return {"names": {l: [[list(t.words), t.weight] for t in terms] for l, terms in self.names.items()},
                "synonyms": {l: [list(p) for p in phrases] for l, phrases in self.synonyms.items()}}

    @classmethod
    def from_json(cls, data: dict) -> "LabelMatcher":
        return cls({l: [Term(tuple(w), float(weight)) for w, weight in terms] for l, terms in data["names"].items()},
                   {l: [tuple(p) for p in phrases] for l, phrases in data["synonyms"].items()})
