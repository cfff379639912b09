"""The features of a text: hashed word and character n-gram counts weighted by TF-IDF, and the naive-Bayes
log-count ratios of the word block (NBSVM)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize

BITS = 14  # per block; 2**14 buckets cost 0.002 macro-F1 against an exact vocabulary on the routing data
CHAR_NGRAMS = (2, 5)  # within each word padded with spaces: robust to OCR and spelling
RATIO_WEIGHT = 2.0  # the shared features have length sqrt(2) (two unit blocks); the ratio block weighs as much


def _word_grams(words: Sequence[str]) -> list[str]:
    return [*words, *(f"{a} {b}" for a, b in zip(words, words[1:]))]


def _identity(words: Sequence[str]) -> Sequence[str]:
    return words


class Features:
    """Token lists → sparse rows [word TF-IDF | character TF-IDF | 1], and the word block alone."""

    def __init__(self, word_idf: np.ndarray | None = None, char_idf: np.ndarray | None = None):
        self.words = HashingVectorizer(analyzer=_word_grams, n_features=1 << BITS, alternate_sign=False, norm=None)
        self.chars = HashingVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, n_features=1 << BITS,
                                       alternate_sign=False, norm=None, lowercase=False)
        self.word_tfidf = _tfidf(word_idf)
        self.char_tfidf = _tfidf(char_idf)

    @property
    def width(self) -> int:
        return (2 << BITS) + 1

    @property
    def words_width(self) -> int:
        return 1 << BITS

    def counts(self, token_lists: Sequence[Sequence[str]]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Hashed word-gram and character-gram counts (texts × buckets)."""
        words = self.words.transform(token_lists)
        per_text = CountVectorizer(analyzer=_identity, lowercase=False)
        try:
            occurrences = per_text.fit_transform(token_lists)
        except ValueError:  # no text has any word
            return words, sp.csr_matrix((len(token_lists), 1 << BITS))
        distinct = per_text.get_feature_names_out()
        chars = (occurrences @ self.chars.transform(distinct)).tocsr()
        return sp.csr_matrix(words), chars

    def fit(self, token_lists: Sequence[Sequence[str]]) -> "Features":
        self.fit_transform(token_lists)
        return self

    def fit_transform(self, token_lists: Sequence[Sequence[str]]) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]:
        """fit, then transform, counting the n-grams once."""
        words, chars = self.counts(token_lists)
        self.word_tfidf.fit(words)
        self.char_tfidf.fit(chars)
        return self._rows(words, chars)

    def transform(self, token_lists: Sequence[Sequence[str]]) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]:
        """The rows, their word blocks, and per text how many of its word n-gram buckets training saw."""
        return self._rows(*self.counts(token_lists))

    def _rows(self, words: sp.csr_matrix, chars: sp.csr_matrix) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]:
        # An n-gram no training text had gets the top idf and carries no weight in the model, yet it would count
        # in each row's length: OCR junk ("3 EEN: 4 $ q") would shrink the words the model knows and its
        # confidence with them. Such buckets are dropped before the rows are scaled to unit length.
        words, chars = _seen(words, self.word_tfidf.idf_), _seen(chars, self.char_tfidf.idf_)
        known = np.diff(words.indptr)
        word_block = sp.csr_matrix(self.word_tfidf.transform(words))
        ones = sp.csr_matrix(np.ones((words.shape[0], 1)))
        rows = sp.hstack([word_block, self.char_tfidf.transform(chars), ones], format="csr")
        return rows, word_block, known

    @property
    def idf(self) -> tuple[np.ndarray, np.ndarray]:
        return self.word_tfidf.idf_, self.char_tfidf.idf_


def _seen(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """`counts` without the buckets no training text had (those at the top idf)."""
    seen = sp.csr_matrix(counts.multiply((idf < idf.max() - 1e-3)[None, :]))
    seen.eliminate_zeros()
    return seen


def _tfidf(idf: np.ndarray | None) -> TfidfTransformer:
    transformer = TfidfTransformer(sublinear_tf=True)
    if idf is not None:  # a saved model: the fitted state is its idf vector
        transformer.idf_ = idf.astype(np.float64)
        transformer.n_features_in_ = len(idf)
    return transformer


def log_count_ratios(word_block: sp.csr_matrix, y: np.ndarray, n_classes: int) -> np.ndarray:
    """classes × word buckets: log(share of label-c texts' buckets that are j / the other texts' share), counted on
    binarised rows with add-one smoothing."""
    present = (word_block > 0).astype(np.float64)
    per_class = np.asarray((present.T @ np.eye(n_classes)[y]).T)  # classes × buckets
    p = per_class + 1.0
    q = per_class.sum(axis=0, keepdims=True) - per_class + 1.0
    return (np.log(p / p.sum(axis=1, keepdims=True)) - np.log(q / q.sum(axis=1, keepdims=True))).astype(np.float32)


def ratio_block(word_block: sp.csr_matrix, ratio: np.ndarray) -> sp.csr_matrix:
    """Each text's word block times one label's ratios, at length sqrt(RATIO_WEIGHT)."""
    return normalize(sp.csr_matrix(word_block.multiply(ratio[None, :])), copy=False) * math.sqrt(RATIO_WEIGHT)


def ratio_scores(word_block: sp.csr_matrix, ratios: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """texts × classes: the ratio blocks' part of each label's score, without building the blocks."""
    dots = np.asarray(word_block @ (ratios.T * vectors).astype(np.float64))
    norms = np.sqrt(np.asarray(word_block.multiply(word_block) @ (ratios.T.astype(np.float64) ** 2)))
    return math.sqrt(RATIO_WEIGHT) * dots / np.maximum(norms, 1e-12)
