"""From scores to probabilities: the softmax temperature, the isotonic map of the top probability, the order of
the alternatives, the abstain threshold; and macro-F1, the measure the settings are chosen by."""

from __future__ import annotations

import math
import warnings
from collections.abc import Collection, Sequence

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, log_loss, precision_recall_curve

BLEND = 0.5  # weight of the logistic probabilities in the order of the alternatives (0.35-0.7 all gained)
MIN_BLOCK = 20  # texts per block of the top-probability map, so that a handful cannot bend it
DAMAGE_C = 1.0  # the damage map's regularisation: three coefficients from hundreds of texts


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


def unknown_share(keys: Collection[str], vocabulary: Collection[str]) -> float:
    """The share of a text's distinct content words (their keys) that no two training texts had: what recognition
    damage raises ("vecincs", "esructural", "quedoen"), and the model's scores fall with it."""
    return sum(key not in vocabulary for key in keys) / len(keys) if keys else 0.0


def fit_damage_map(probabilities: np.ndarray, y: np.ndarray, damage: np.ndarray) -> list[float]:
    """Coefficients of a logistic regression of "the top label is right" on the top probability's logit, the
    text's unknown share and their product. Fitted on clean texts and on OCR-damaged copies of them: a damaged
    text's top probability falls more than its chance of being right (its remaining words still point the right
    way), so the same probability means more on a damaged text."""
    logit = _logit(probabilities.max(axis=1))
    correct = probabilities.argmax(axis=1) == y
    if correct.all() or not correct.any():
        return []
    model = LogisticRegression(C=DAMAGE_C).fit(np.column_stack([logit, damage, logit * damage]), correct)
    return [float(v) for v in (*model.coef_[0], model.intercept_[0])]


def damage_confidence(probabilities: np.ndarray, damage: np.ndarray, coefficients: Sequence[float]) -> np.ndarray:
    """The confidence the top-probability map reads: fit_damage_map's estimate, or the top probability without
    a map (a model trained before it)."""
    top = probabilities.max(axis=1)
    if not coefficients:
        return top
    a, b, c, bias = coefficients
    logit = _logit(top)
    return 1.0 / (1.0 + np.exp(-(a * logit + b * damage + c * logit * damage + bias)))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def fit_top_calibration(probabilities: np.ndarray, y: np.ndarray, min_block: int = MIN_BLOCK,
                        read: np.ndarray | None = None) -> tuple[list, list]:
    """Knots of a monotone map from the top probability to how often the top label is right: isotonic regression
    over blocks of `min_block` texts of similar confidence (weighted by size).

    Why: with many labels a softmax temperature alone leaves low confidences too low and high ones too high
    (measured on the routing data: texts at 0.15 right 26% of the time, at 0.97 right 84%)."""
    confidence = probabilities.max(axis=1) if read is None else read
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


def calibrate_top(probabilities: np.ndarray, xs: Sequence[float], ys: Sequence[float],
                  read: np.ndarray | None = None) -> np.ndarray:
    """Move each row's top probability to the fitted map's value, keeping the order of labels and a sum of 1:
    a top that must rise takes its share from the others in proportion; one that must fall is mixed with the
    uniform distribution (never below it). No library moves one entry of a distribution this way. `read`: the
    confidence the map reads, when not the top probability itself (damage_confidence)."""
    if not xs:
        return probabilities
    n_classes = probabilities.shape[1]
    rows = np.arange(len(probabilities))
    top = probabilities.argmax(axis=1)
    confidence = probabilities[rows, top]
    mapped = np.clip(np.interp(confidence if read is None else read, xs, ys), 1.0 / n_classes, 1 - 1e-6)
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
