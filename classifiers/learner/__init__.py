"""Owner of scikit-learn (and of scipy's sparse matrices): the classifier's features, its linear models and the
calibration of its scores, in time linear in the number of training texts.

Features of a text (its normalised words, as textcat.py tokenises them): hashed word 1-2-gram and character
2-5-gram ("char_wb") counts, each block weighted by sublinear TF-IDF and scaled to unit length, and a constant 1
(the bias, regularised like the weights). The character counts of a batch are those of its distinct words times
the words' counts in each text (words repeat: a fifth of the hashing it would take text by text). Hashing, and
the word digests textcat.py keeps, mean a model carries none of the petitioners' words in plain text.

Scores: a class-weighted ridge on ±1 targets (weights (n / (classes · count)) ** 0.5, for macro-F1) plus beta
times the catalogue label match, s_c(x) = w_c · x + beta · m_c(x); fitting the targets ±1 − beta · m turns the
match into a prior the ridge corrects. Optionally, per label, its word block scaled by naive-Bayes log-count
ratios (NBSVM, Wang & Manning 2012) beside the shared features: one ridge per label. Lambda, beta and the ratio
features are chosen by the macro-F1 of internal grouped folds (at most SELECT_ROWS texts: settings do not need a
year of decisions); the chosen model's out-of-fold scores, over all texts, fit the softmax temperature, the
isotonic map of the top probability and the abstain threshold. A multinomial logistic regression on the same
features reorders the labels after the top one (it ranks the runners-up better; top label and score untouched).

Ridge solver: exact (Cholesky of the texts' dot products, one factorisation per lambda for every label) up to
EXACT_ROWS texts. Beyond, where an n × n matrix would not scale: scipy's conjugate gradients on the normal
equations, every label's ridge as one block-diagonal system whose products read the sparse rows once per step
for all labels (at most CG_STEPS steps, tolerance RIDGE_TOL: the order of the scores is what counts; on 640
routing texts 10-20 steps left held-out accuracy as the exact solve's), the calibration scores from LARGE_FOLDS
internal folds and the final fit started from their average. Measured by bench/scale (wall / CPU, peak memory,
classification; 1 BLAS thread, 2 shared cores, load about 2): see bench/classify's log, session 10.

The package owns scikit-learn and scipy: features.py (the features of a text), ridge.py (the ridge scores and
their solver), calibration.py (from scores to probabilities, and the abstain threshold); the choice of settings and
the fit here.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from classifiers.learner import damage
from classifiers.learner.calibration import (abstain_threshold, calibrate_top, damage_confidence, fit_temperature,
                                            fit_top_calibration, macro_f1, reorder_alternatives, softmax,
                                            unknown_share)
from classifiers.learner.damage import Damaged, vocabulary
from classifiers.learner.features import Features, ratio_scores
from classifiers.learner.ridge import EXACT_ROWS, _gram, _scores, folds

# Read as learner.NAME by the classifier's component (textcat.py): the package is the one door to scikit-learn.
__all__ = ["Damaged", "Features", "Fitted", "abstain_threshold", "calibrate_top", "damage_confidence", "fit",
           "reorder_alternatives", "ratio_scores", "softmax", "unknown_share", "vocabulary"]

LAMBDAS = (0.5, 1.0, 2.0)
BETAS = (0.0, 0.25, 0.5, 0.75)
FOLDS = 5
SELECT_ROWS = 800  # the grid of settings is searched on at most this many texts
LOGISTIC_C = 20.0
LOGISTIC_ROWS = 1000  # it only orders the alternatives: a sample is enough, and its cost grows with the rows
LARGE_FOLDS = 2  # internal folds for the calibration scores beyond EXACT_ROWS texts (each fold is a full fit)


@dataclass
class Fitted:
    weights: np.ndarray  # features × classes (the last row: the bias)
    beta: float
    lam: float
    temperature: float
    calibration: tuple[list, list]  # knots of the top-probability map
    ratios: np.ndarray  # classes × word buckets; empty without ratio features
    ratio_weights: np.ndarray  # word buckets × classes
    logistic_weights: np.ndarray  # features × classes
    logistic_bias: np.ndarray
    oof_probabilities: np.ndarray  # texts × classes: out-of-fold, calibrated, alternatives reordered
    grid: dict = field(default_factory=dict)  # "lambda=…,beta=…[,ratios]" → out-of-fold macro-F1
    damage_map: list = field(default_factory=list)  # calibration.fit_damage_map's coefficients; empty: none
    oof_damaged: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # the damaged copies' out-of-fold
    # probabilities (calibrated); none without copies or folds


@dataclass
class _Setting:
    lam: float
    beta: float
    per_class: bool


def fit(rows: sp.csr_matrix, word_block: sp.csr_matrix, y: np.ndarray, n_classes: int, match: np.ndarray,
        groups: Sequence[str], *, damaged: Damaged | None = None, seed: int = 0,
        progress: Callable[[int, int], None] | None = None) -> Fitted:
    """Choose the settings by internal grouped folds, calibrate on the chosen model's out-of-fold scores (and on
    those of `damaged`, OCR-damaged copies of the texts, when given), refit on all texts. `rows`/`word_block`:
    Features.transform; `match`: texts × classes label matches."""
    n = len(y)
    exact = n <= EXACT_ROWS
    splits = folds(y, groups, FOLDS if exact else LARGE_FOLDS, seed)
    steps = 4 + len(splits)
    tick = _ticker(progress, steps)
    setting, grid = _choose(rows, word_block, y, n_classes, match, groups, seed)
    tick()
    kernel = _gram(rows)
    everything = np.arange(n)
    start = None  # the iterative solver's first guess for the final fit: the folds' average
    damage_map, oof_damaged = [], np.zeros((0, n_classes))
    if splits:
        scores = np.zeros((n, n_classes))
        held = None if damaged is None else damage.OutOfFold(damaged, n, n_classes)
        for train, test in splits:
            [(base, prior)], model = _scores(rows, word_block, y, match, n_classes, train, test, [setting.lam],
                                             setting.per_class, kernel)
            scores[test] = base + setting.beta * prior
            if held is not None:
                held.add(train, test, model, setting.beta)
            if not exact:
                shared, vectors = model[0], model[1]
                guess = (shared / len(splits), None if vectors is None else vectors / len(splits))
                start = guess if start is None else (start[0] + guess[0],
                                                     None if vectors is None else start[1] + guess[1])
            tick()
        temperature = fit_temperature(scores, y)
        raw = softmax(scores, temperature)
        if held is None:
            calibration = fit_top_calibration(raw, y)
            calibrated = calibrate_top(raw, *calibration)
        else:
            damage_map, calibration, calibrated, oof_damaged = held.calibrate(raw, y, temperature)
        logistic, other = _logistic_out_of_fold(rows, y, n_classes, splits, raw, seed)
        oof = reorder_alternatives(calibrated, raw, other)
    else:  # too few texts to hold any out: a neutral temperature, no calibration, no abstaining data
        temperature, calibration = 0.3, ([], [])
        oof = np.full((n, n_classes), 1.0 / n_classes)
        logistic = _logistic(rows, y, n_classes, everything)
    tick()
    _, (shared, vectors, ratios) = _scores(rows, word_block, y, match, n_classes, everything, everything[:0],
                                           [setting.lam], setting.per_class, kernel, start=start)
    tick()
    weights = damage.combined(shared, setting.beta, n_classes)
    if setting.per_class:
        ratio_weights = damage.combined(vectors, setting.beta, n_classes)
    else:
        ratios, ratio_weights = np.zeros((0, word_block.shape[1])), np.zeros((word_block.shape[1], 0))
    tick()
    return Fitted(weights=weights.astype(np.float32), beta=setting.beta, lam=setting.lam, temperature=temperature,
                  calibration=calibration, ratios=ratios.astype(np.float32),
                  ratio_weights=ratio_weights.astype(np.float32),
                  logistic_weights=logistic.coef_.T.astype(np.float32),
                  logistic_bias=logistic.intercept_.astype(np.float32), oof_probabilities=oof, grid=grid,
                  damage_map=damage_map, oof_damaged=oof_damaged)


def _logistic_out_of_fold(rows, y, n_classes, splits, raw, seed) -> tuple[LogisticRegression, np.ndarray]:
    """The logistic regression of the model, and out-of-fold probabilities of every text from one that never saw
    it. Up to 2 · LOGISTIC_ROWS texts: one per internal fold, then one on all (at most LOGISTIC_ROWS of them).
    Beyond, the model's one alone, fitted on LOGISTIC_ROWS texts, answers for all the others; the texts it was
    fitted on keep the ridge's own order (`raw`): one fit however many texts, instead of one per fold plus one."""
    n = len(y)
    if n <= 2 * LOGISTIC_ROWS:
        other = np.zeros((n, n_classes))
        for train, test in splits:
            other[test] = _logistic(rows, y, n_classes, _sample(train, seed)).predict_proba(rows[test])
        return _logistic(rows, y, n_classes, _sample(np.arange(n), seed)), other
    fitted_on = _sample(np.arange(n), seed)
    model = _logistic(rows, y, n_classes, fitted_on)
    other = raw.copy()
    outside = np.ones(n, dtype=bool)
    outside[fitted_on] = False
    other[outside] = model.predict_proba(rows[outside])
    return model, other


def _sample(texts: np.ndarray, seed: int) -> np.ndarray:
    """At most LOGISTIC_ROWS of `texts`: the logistic regression only orders the alternatives."""
    if len(texts) <= LOGISTIC_ROWS:
        return texts
    return np.sort(np.random.default_rng(seed).choice(texts, LOGISTIC_ROWS, replace=False))


def _ticker(progress, steps: int) -> Callable[[], None]:
    done = [0]

    def tick() -> None:
        done[0] += 1
        if progress:
            progress(min(done[0], steps), steps)
    return tick


def _choose(rows, word_block, y, n_classes, match, groups, seed) -> tuple[_Setting, dict]:
    """The (lambda, beta, ratio features) with the best out-of-fold macro-F1 on at most SELECT_ROWS texts;
    the ratio features only where they beat the plain model (the routing data: yes; the seed corpus: no)."""
    sample = np.arange(len(y))
    if len(y) > SELECT_ROWS:
        sample = np.sort(np.random.default_rng(seed).choice(len(y), SELECT_ROWS, replace=False))
    ys, gs = y[sample], [groups[i] for i in sample]
    splits = folds(ys, gs, FOLDS, seed)
    if not splits:
        return _Setting(1.0, 0.5, False), {}
    rs, ws, ms = rows[sample], word_block[sample], match[sample]
    kernel = _gram(rs)
    grid: dict = {}
    for per_class in (False, True):
        base = [np.zeros((len(ys), n_classes)) for _ in LAMBDAS]
        prior = [np.zeros((len(ys), n_classes)) for _ in LAMBDAS]
        for train, test in splits:
            found, _ = _scores(rs, ws, ys, ms, n_classes, train, test, LAMBDAS, per_class, kernel)
            for i, (b, p) in enumerate(found):
                base[i][test], prior[i][test] = b, p
        for i, lam in enumerate(LAMBDAS):
            for beta in BETAS:
                grid[(lam, beta, per_class)] = macro_f1(ys, (base[i] + beta * prior[i]).argmax(axis=1))
    best = {pc: max((k for k in grid if k[2] == pc), key=lambda k: (round(grid[k], 4), -abs(k[0] - 1.0), -k[1]))
            for pc in (False, True)}
    chosen = best[True] if round(grid[best[True]], 4) > round(grid[best[False]], 4) else best[False]
    named = {f"lambda={k[0]},beta={k[1]}" + (",ratios" if k[2] else ""): round(v, 4) for k, v in grid.items()}
    return _Setting(*chosen), named


def _logistic(rows: sp.csr_matrix, y: np.ndarray, n_classes: int, texts: np.ndarray) -> LogisticRegression:
    """A multinomial logistic regression (C=20) on the texts `texts`, knowing every class."""
    rows, y = rows[texts], y[texts]
    model = LogisticRegression(C=LOGISTIC_C, max_iter=50, tol=1e-3)
    present = np.unique(y)
    if len(present) < 2:
        model.coef_, model.intercept_ = np.zeros((n_classes, rows.shape[1])), np.zeros(n_classes)
        model.classes_ = np.arange(n_classes)
        return model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lbfgs stopping at max_iter: its order of the runners-up is what counts
        model.fit(rows, y)
    if len(present) < n_classes:  # a class missing from a fold's training part: never among its alternatives
        coef = np.zeros((n_classes, rows.shape[1]))
        bias = np.full(n_classes, -30.0)
        coef[present], bias[present] = model.coef_, model.intercept_
        model.coef_, model.intercept_, model.classes_ = coef, bias, np.arange(n_classes)
    return model
