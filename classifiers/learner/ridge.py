"""The class-weighted ridge scores and their solver: exact through the texts' dot products up to EXACT_ROWS texts,
conjugate gradients on one block-diagonal system beyond; the grouped folds they are measured on."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, cg
from sklearn.kernel_ridge import KernelRidge
from sklearn.model_selection import StratifiedGroupKFold

from classifiers.learner.features import RATIO_WEIGHT, log_count_ratios, ratio_block

WEIGHT_POWER = 0.5  # halfway between no weighting and fully balanced classes
EXACT_ROWS = 2000  # up to here the ridge is solved exactly through the texts' dot products (n × n)
RIDGE_TOL = 1e-2
CG_STEPS = 20


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
