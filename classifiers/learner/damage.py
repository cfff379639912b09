"""Calibration that holds on OCR text: the chosen model's out-of-fold scores of OCR-damaged copies of the training
texts (classifiers/ocrnoise.py), beside the clean ones, teach the top-probability map how much a damaged text's
probability means.

Measured by bench/keystroke (800 routing texts written into letters and damaged by noise fitted on real letters):
recognition damage lowers the top probability more than the chance that the top label is right, so the gate,
fitted on clean texts only, abstained far more on OCR text while being more accurate there. The map now reads the
top probability together with the text's unknown share (calibration.unknown_share), fitted on both kinds of text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np

from classifiers.learner.calibration import (calibrate_top, damage_confidence, fit_damage_map, fit_top_calibration,
                                            softmax, unknown_share)
from classifiers.learner.features import Features, ratio_scores


@dataclass
class Damaged:
    """Damaged copies of (a sample of) the training texts: which text each copies, their words, their label
    matches, the Features of the clean texts, the content-word keys of every clean text (textcat.word_key) and
    the function that gives a copy's. A fold's copies are featurised and keyed when scored: held as rows and
    keys, a thousand copies would weigh more than their words."""

    of: np.ndarray  # per copy, the index of the text it copies
    words: Sequence[Sequence[str]]
    match: np.ndarray
    features: Features
    keys: Sequence[Collection[str]]
    keys_of: Callable[[Sequence[str]], Collection[str]]


def vocabulary(keys: Sequence[Collection[str]], texts: Sequence[int], asked: set[str] | None = None) -> frozenset[str]:
    """The keys two or more of `texts` have: the vocabulary of a model trained on them; only those `asked` for
    when given (a fold needs only its test texts' keys: counting every key would double a large training's
    memory)."""
    seen = Counter(key for i in texts for key in keys[i] if asked is None or key in asked)
    return frozenset(key for key, count in seen.items() if count >= 2)


class OutOfFold:
    """The copies' out-of-fold scores and every text's and copy's unknown share, fold by fold; then the maps."""

    def __init__(self, damaged: Damaged, n: int, n_classes: int):
        self.damaged, self.n_classes = damaged, n_classes
        self.scores = np.zeros((len(damaged.of), n_classes))
        self.shares, self.copy_shares = np.zeros(n), np.zeros(len(damaged.of))

    def add(self, train: np.ndarray, test: np.ndarray, model: tuple, beta: float) -> None:
        """A fold: `model`, its ridge fitted on `train` (_scores' coefficients), scores the copies of `test`."""
        d = self.damaged
        held = np.flatnonzero(np.isin(d.of, test))
        self.scores[held] = fold_scores(d, held, model, beta, self.n_classes)
        copy_keys = [d.keys_of(d.words[i]) for i in held]
        asked = {key for keys in [*(d.keys[i] for i in test), *copy_keys] for key in keys}
        known = vocabulary(d.keys, train, asked)
        self.shares[test] = [unknown_share(d.keys[i], known) for i in test]
        self.copy_shares[held] = [unknown_share(keys, known) for keys in copy_keys]

    def calibrate(self, raw: np.ndarray, y: np.ndarray, temperature: float
                  ) -> tuple[list[float], tuple[list, list], np.ndarray, np.ndarray]:
        """The damage map and the top-probability map fitted on the clean texts' out-of-fold probabilities (`raw`)
        and the copies' together; both calibrated by them."""
        copies = softmax(self.scores, temperature)
        pooled, labels = np.vstack([raw, copies]), np.concatenate([y, y[self.damaged.of]])
        shares = np.concatenate([self.shares, self.copy_shares])
        coefficients = fit_damage_map(pooled, labels, shares)
        read = damage_confidence(pooled, shares, coefficients)
        calibration = fit_top_calibration(pooled, labels, read=read)
        n = len(raw)
        return (coefficients, calibration, calibrate_top(raw, *calibration, read=read[:n]),
                calibrate_top(copies, *calibration, read=read[n:]))


def combined(coefficients: np.ndarray, beta: float, n_classes: int) -> np.ndarray:
    """The weights of a ridge's coefficients (_scores: the labels' columns, then the label matches'), as the saved
    component uses them: w - beta * w_match."""
    return coefficients[:, :n_classes] - beta * coefficients[:, n_classes:]


def fold_scores(damaged: Damaged, held: np.ndarray, model: tuple, beta: float, n_classes: int) -> np.ndarray:
    """Scores of the copies `held` by a fold's ridge (`model`: _scores' shared coefficients, ratio
    vectors and ratios), as the saved component scores a text: w · x + beta · match (+ the ratio blocks' part)."""
    shared, vectors, ratios = model
    rows, word_block, _ = damaged.features.transform([damaged.words[i] for i in held])
    scores = np.asarray(rows @ combined(shared, beta, n_classes)) + beta * damaged.match[held]
    if vectors is not None:
        scores += ratio_scores(word_block, ratios, combined(vectors, beta, n_classes))
    return scores
