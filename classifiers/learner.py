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
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from scipy.sparse.linalg import LinearOperator, cg
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer, TfidfTransformer
from sklearn.isotonic import IsotonicRegression
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, log_loss, precision_recall_curve
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.preprocessing import normalize

BITS = 14  # per block; 2**14 buckets cost 0.002 macro-F1 against an exact vocabulary on the routing data
CHAR_NGRAMS = (2, 5)  # within each word padded with spaces: robust to OCR and spelling
LAMBDAS = (0.5, 1.0, 2.0)
BETAS = (0.0, 0.25, 0.5, 0.75)
FOLDS = 5
WEIGHT_POWER = 0.5  # halfway between no weighting and fully balanced classes
SELECT_ROWS = 800  # the grid of settings is searched on at most this many texts
EXACT_ROWS = 2000  # up to here the ridge is solved exactly through the texts' dot products (n × n)
RIDGE_TOL = 1e-2
CG_STEPS = 20
RATIO_WEIGHT = 2.0  # the shared features have length sqrt(2) (two unit blocks); the ratio block weighs as much
LOGISTIC_C = 20.0
LOGISTIC_ROWS = 1000  # it only orders the alternatives: a sample is enough, and its cost grows with the rows
LARGE_FOLDS = 2  # internal folds for the calibration scores beyond EXACT_ROWS texts (each fold is a full fit)
BLEND = 0.5  # weight of the logistic probabilities in the order of the alternatives (0.35-0.7 all gained)
MIN_BLOCK = 20  # texts per block of the top-probability map, so that a handful cannot bend it


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


# --- the naive-Bayes ratio block -------------------------------------------------------------------------------

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


# --- fitting ----------------------------------------------------------------------------------------------------

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


@dataclass
class _Setting:
    lam: float
    beta: float
    per_class: bool


def class_weights(y: np.ndarray, n_classes: int, power: float = WEIGHT_POWER) -> np.ndarray:
    """Per-text weight (n / (classes · count of its class)) ** power: rare classes count more, for macro-F1."""
    counts = np.bincount(y, minlength=n_classes).astype(float)
    return (len(y) / ((counts > 0).sum() * counts[y])) ** power


def folds(y: np.ndarray, groups: Sequence[str], k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified by label; texts of one group (identical text) always on one side. None when too few texts."""
    # Fewer folds when no label has k texts (a catalogue's new programs, a few decisions each): scikit-learn
    # refuses to stratify then, and the old learner's rotation gave each such text a fold all the same.
    k = min(k, int(np.bincount(y).max()))
    if k < 2 or len(y) < 2 * k or len(set(groups)) < k:
        return []
    # Integer ids in the order of the sorted texts (the same splits as the texts themselves): given the texts,
    # np.unique inside scikit-learn makes a fixed-width array as wide as the longest one (1.3 GB at 16,000 texts).
    ids = {group: i for i, group in enumerate(sorted(set(groups)))}
    group_ids = np.array([ids[group] for group in groups])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a label with fewer texts than folds
        return list(StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed).split(y, y, group_ids))


def _ridge(blocks: Sequence[sp.csr_matrix], train: np.ndarray, targets: np.ndarray, weight: np.ndarray,
           lams: Sequence[float], kernel: np.ndarray) -> list[np.ndarray]:
    """Per lambda, the coefficients (features × targets) of a weighted ridge on the texts `train` whose features are
    the blocks side by side (no separate intercept: the rows end in a 1), solved exactly through `kernel`, the
    blocks' dot products over all texts (at most EXACT_ROWS). One KernelRidge per lambda: given an array of
    alphas, scikit-learn factorises once per target column."""
    inner = kernel[np.ix_(train, train)]
    out = []
    for lam in lams:
        dual = KernelRidge(alpha=lam, kernel="precomputed").fit(inner, targets, sample_weight=weight).dual_coef_
        out.append(np.vstack([np.asarray(block[train].T @ dual) for block in blocks]))
    return out


def _gram(block: sp.csr_matrix) -> np.ndarray | None:
    """Dot products of all rows of `block`, when few enough to hold (the exact solver's kernel)."""
    return np.asarray((block @ block.T).toarray()) if block.shape[0] <= EXACT_ROWS else None


def _scores(rows, word_block, y, match, n_classes, train, test, lams, per_class, kernel, ratios=None,
            start=None) -> tuple:
    """Per lambda, the scores of `test` from ridges fitted on `train`: (base, prior) with scores(beta) = base +
    beta · prior; and for the last lambda its coefficients (shared, ratio vectors, ratios), which are the model
    when train is every text. `kernel`: _gram(rows), or None for the iterative solver (one lambda; `start`: its
    first guess, a (shared, vectors) pair)."""
    onehot = np.eye(n_classes)[y] * 2 - 1
    weight = class_weights(y[train], n_classes)
    targets = np.hstack([onehot[train], match[train]])  # columns: the classes' ±1, then their label matches
    if per_class and ratios is None:
        ratios = log_count_ratios(word_block[train], y[train], n_classes)
    if kernel is None:
        [lam] = lams
        design = _Design(rows, word_block, ratios if per_class else None, n_classes)
        shared, vectors = design.solve(train, targets, weight, lam, start)
        out = design.forward(test, shared, vectors)
        return [(out[:, :n_classes], match[test] - out[:, n_classes:])], (shared, vectors, ratios)
    if not per_class:
        found = _ridge([rows], train, targets, weight, lams, kernel)
        outs = [rows[test] @ coef for coef in found]
        return [(o[:, :n_classes], match[test] - o[:, n_classes:]) for o in outs], (found[-1], None, None)
    base = [np.zeros((len(test), n_classes)) for _ in lams]
    prior = [np.zeros((len(test), n_classes)) for _ in lams]
    shared = np.zeros((rows.shape[1], 2 * n_classes))
    vectors = np.zeros((word_block.shape[1], 2 * n_classes))
    for c in range(n_classes):
        block = ratio_block(word_block, ratios[c])
        both = kernel + np.asarray((block @ block.T).toarray())
        pair = np.stack([onehot[train, c], match[train, c]], axis=1)
        for i, coef in enumerate(_ridge([rows, block], train, pair, weight, lams, both)):
            out = rows[test] @ coef[: rows.shape[1]] + block[test] @ coef[rows.shape[1]:]
            base[i][:, c], prior[i][:, c] = out[:, 0], match[test, c] - out[:, 1]
        shared[:, [c, n_classes + c]] = coef[: rows.shape[1]]
        vectors[:, [c, n_classes + c]] = coef[rows.shape[1]:]
    return list(zip(base, prior)), (shared, vectors, ratios)


class _Design:
    """Every label's ridge at once, for the iterative solver: target column j (class j mod classes) sees the
    shared rows and, with ratios, the word block times its class's ratios at length sqrt(RATIO_WEIGHT). The
    per-class blocks are never built: their products are the word block's products with columns scaled by the
    ratios and rows by the blocks' norms, so one sparse × dense product serves all labels (the matrix is read
    once per iteration instead of once per label, and nothing is copied per label)."""

    def __init__(self, rows: sp.csr_matrix, word_block: sp.csr_matrix, ratios: np.ndarray | None, n_classes: int):
        self.rows = sp.csr_matrix(rows, dtype=np.float32)
        self.words = sp.csr_matrix(word_block, dtype=np.float32)
        self.ratios = None
        if ratios is not None:
            columns = np.tile(np.arange(n_classes), 2)
            self.ratios = ratios.T[:, columns].astype(np.float32)  # word buckets × target columns
            squares = self.words.multiply(self.words) @ (ratios.T.astype(np.float64) ** 2)
            self.scale = (math.sqrt(RATIO_WEIGHT) / np.maximum(np.sqrt(squares), 1e-12))[:, columns]

    def forward(self, texts: np.ndarray, shared: np.ndarray, vectors: np.ndarray | None) -> np.ndarray:
        """texts × target columns: each column's scores of the texts `texts`."""
        out = np.asarray(self.rows[texts] @ shared.astype(np.float32), dtype=np.float64)
        if self.ratios is not None:
            out += self.scale[texts] * (self.words[texts] @ (self.ratios * vectors).astype(np.float32))
        return out

    def solve(self, train: np.ndarray, targets: np.ndarray, weight: np.ndarray, lam: float,
              start: tuple | None) -> tuple[np.ndarray, np.ndarray | None]:
        """Weighted ridge on the texts `train` for every column of `targets`, by conjugate gradients on the
        normal equations (X^T S X + lam I) w = X^T S t with a diagonal preconditioner, all columns as one
        block-diagonal system (scipy's cg). RIDGE_TOL and CG_STEPS: the order of the scores is what counts."""
        rows, words = self.rows[train], self.words[train]
        rows_t, words_t = rows.T.tocsr(), words.T.tocsr()
        m = targets.shape[1]
        p, q = rows.shape[1], (words.shape[1] if self.ratios is not None else 0)
        scale = self.scale[train] if self.ratios is not None else None
        s = weight[:, None]

        def split(z):
            z = z.reshape(p + q, m)
            return z[:p], z[p:]

        def design(shared, vectors):
            out = rows @ shared.astype(np.float32)
            if q:
                out = out + scale * (words @ (self.ratios * vectors).astype(np.float32))
            return out

        def design_t(u):
            shared = rows_t @ u.astype(np.float32)
            if not q:
                return shared, np.zeros((0, m))
            return shared, self.ratios * (words_t @ (scale * u).astype(np.float32))

        def normal(z):
            shared, vectors = split(np.asarray(z, dtype=np.float64))
            a, b = design_t(s * design(shared, vectors))
            return np.vstack([a + lam * shared, b + lam * vectors]).ravel()

        diagonal_shared = np.asarray(rows.multiply(rows).T @ weight)[:, None] + np.zeros((1, m))
        diagonal = [diagonal_shared]
        if q:
            diagonal.append(self.ratios ** 2 * (words.multiply(words).T @ (weight[:, None] * scale ** 2)))
        inverse = 1.0 / (np.vstack(diagonal) + lam).ravel()
        n = (p + q) * m
        operator = LinearOperator((n, n), matvec=normal, dtype=np.float64)
        preconditioner = LinearOperator((n, n), matvec=lambda z: inverse * z, dtype=np.float64)
        a, b = design_t(s * targets)
        right = np.vstack([a, b]).ravel().astype(np.float64)
        x0 = None if start is None else np.vstack([start[0], start[1] if q else np.zeros((0, m))]).ravel()
        z, _ = cg(operator, right, x0=x0, rtol=RIDGE_TOL, maxiter=CG_STEPS, M=preconditioner)
        shared, vectors = split(z)
        return shared, (vectors if q else None)


def fit(rows: sp.csr_matrix, word_block: sp.csr_matrix, y: np.ndarray, n_classes: int, match: np.ndarray,
        groups: Sequence[str], *, seed: int = 0, progress: Callable[[int, int], None] | None = None) -> Fitted:
    """Choose the settings by internal grouped folds, calibrate on the chosen model's out-of-fold scores, refit on
    all texts. `rows`/`word_block`: Features.transform; `match`: texts × classes label matches."""
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
    if splits:
        scores = np.zeros((n, n_classes))
        for train, test in splits:
            [(base, prior)], (shared, vectors, _) = _scores(rows, word_block, y, match, n_classes, train, test,
                                                            [setting.lam], setting.per_class, kernel)
            scores[test] = base + setting.beta * prior
            if not exact:
                guess = (shared / len(splits), None if vectors is None else vectors / len(splits))
                start = guess if start is None else (start[0] + guess[0],
                                                     None if vectors is None else start[1] + guess[1])
            tick()
        temperature = fit_temperature(scores, y)
        raw = softmax(scores, temperature)
        calibration = fit_top_calibration(raw, y)
        calibrated = calibrate_top(raw, *calibration)
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
    weights = shared[:, :n_classes] - setting.beta * shared[:, n_classes:]
    if setting.per_class:
        ratio_weights = vectors[:, :n_classes] - setting.beta * vectors[:, n_classes:]
    else:
        ratios, ratio_weights = np.zeros((0, word_block.shape[1])), np.zeros((word_block.shape[1], 0))
    tick()
    return Fitted(weights=weights.astype(np.float32), beta=setting.beta, lam=setting.lam, temperature=temperature,
                  calibration=calibration, ratios=ratios.astype(np.float32),
                  ratio_weights=ratio_weights.astype(np.float32),
                  logistic_weights=logistic.coef_.T.astype(np.float32),
                  logistic_bias=logistic.intercept_.astype(np.float32), oof_probabilities=oof, grid=grid)


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


# --- probabilities and calibration -------------------------------------------------------------------------------

def softmax(scores: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.atleast_2d(scores) / temperature
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def macro_f1(y: np.ndarray, predicted: np.ndarray) -> float:
    """Over the labels in y or predicted, as evaluation.py."""
    return float(f1_score(y, predicted, average="macro", zero_division=0.0))


def fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimises the log loss of softmax(scores / T), searched over log T in [0.01, 10]."""
    labels = np.arange(scores.shape[1])
    found = minimize_scalar(lambda t: log_loss(y, softmax(scores, math.exp(t)), labels=labels),
                            bounds=(math.log(0.01), math.log(10.0)), method="bounded", options={"xatol": 1e-3})
    return float(math.exp(found.x))


def fit_top_calibration(probabilities: np.ndarray, y: np.ndarray, min_block: int = MIN_BLOCK) -> tuple[list, list]:
    """Knots of a monotone map from the top probability to how often the top label is right: isotonic regression
    over blocks of `min_block` texts of similar confidence (weighted by size).

    Why: with many labels a softmax temperature alone leaves low confidences too low and high ones too high
    (measured on the routing data: texts at 0.15 right 26% of the time, at 0.97 right 84%)."""
    confidence = probabilities.max(axis=1)
    correct = (probabilities.argmax(axis=1) == y).astype(float)
    order = np.argsort(confidence, kind="stable")
    cuts = np.arange(min_block, len(order) - min_block + 1, min_block)  # the last block takes the remainder
    blocks = [b for b in np.split(order, cuts) if len(b)]
    if len(blocks) < 2:
        return [], []
    x = np.array([confidence[b].mean() for b in blocks])
    target = np.array([correct[b].mean() for b in blocks])
    size = np.array([len(b) for b in blocks], dtype=float)
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(x, target, sample_weight=size)
    return [float(v) for v in iso.X_thresholds_], [float(v) for v in iso.y_thresholds_]


def calibrate_top(probabilities: np.ndarray, xs: Sequence[float], ys: Sequence[float]) -> np.ndarray:
    """Move each row's top probability to the fitted map's value, keeping the order of labels and a sum of 1:
    a top that must rise takes its share from the others in proportion; one that must fall is mixed with the
    uniform distribution (never below it). No library moves one entry of a distribution this way."""
    if not xs:
        return probabilities
    n_classes = probabilities.shape[1]
    rows = np.arange(len(probabilities))
    top = probabilities.argmax(axis=1)
    confidence = probabilities[rows, top]
    mapped = np.clip(np.interp(confidence, xs, ys), 1.0 / n_classes, 1 - 1e-6)
    raise_ = mapped >= confidence
    shrink = np.where(raise_, (1 - mapped) / np.maximum(1 - confidence, 1e-12), 1.0)
    raised = probabilities * shrink[:, None]
    raised[rows, top] = mapped
    mix = np.where(raise_, 1.0, (mapped - 1.0 / n_classes) / np.maximum(confidence - 1.0 / n_classes, 1e-12))
    mix = np.maximum(mix, 1e-3)  # a little of the model's order survives even where it is no better than chance
    lowered = probabilities * mix[:, None] + (1 - mix[:, None]) / n_classes
    return np.where(raise_[:, None], raised, lowered)


def reorder_alternatives(calibrated: np.ndarray, raw: np.ndarray, other: np.ndarray,
                         weight: float = BLEND) -> np.ndarray:
    """Rows whose top label and its (calibrated) probability stay as in `calibrated`, while the rest of the mass
    goes to the other labels in proportion to (1 − weight) · raw + weight · other (`raw`: the ridge's softmax
    before calibration; `other`: the logistic regression's), mixed with an even share where needed so that no
    alternative reaches the top label's probability. Measured (bench/classify, fold seeds 0 / 1): top-3
    0.746 → 0.766 / 0.751 → 0.765 at weight 0.5; macro-F1, accuracy, acc@50% and ECE unchanged."""
    calibrated, raw, other = np.atleast_2d(calibrated), np.atleast_2d(raw), np.atleast_2d(other)
    n_classes = calibrated.shape[1]
    if n_classes < 2:
        return calibrated
    rows = np.arange(len(calibrated))
    top = calibrated.argmax(axis=1)
    kept = calibrated[rows, top]
    blend = (1 - weight) * raw + weight * other
    blend[rows, top] = 0.0
    rest = 1.0 - kept
    share = blend / np.maximum(blend.sum(axis=1, keepdims=True), 1e-12) * rest[:, None]
    even = rest / (n_classes - 1)
    ceiling = kept * (1 - 1e-6)
    highest = share.max(axis=1)
    mix = np.clip(np.where(highest > ceiling, (ceiling - even) / np.maximum(highest - even, 1e-12), 1.0), 0.0, 1.0)
    out = share * mix[:, None] + (1 - mix[:, None]) * even[:, None]
    out[rows, top] = kept
    return out


def abstain_threshold(probabilities: np.ndarray, y: np.ndarray, min_precision: float) -> float:
    """The lowest confidence at which the suggestions kept (confidence ≥ it) are right at least `min_precision`
    of the time, on out-of-fold predictions; 1.0 (always abstain) when no threshold reaches it."""
    correct = probabilities.argmax(axis=1) == y
    if not correct.any():
        return 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        precision, _, thresholds = precision_recall_curve(correct, probabilities.max(axis=1))
    ok = thresholds[precision[:-1] >= min_precision]
    return float(ok.min()) if len(ok) else 1.0
