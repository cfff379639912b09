"""Metrics of a classifier's scored predictions, the same for `peticiones evaluate`, training and bench/classify.

Input: the gold label of each text and the classifier's probabilities (label → probability). The top label is
the prediction (abstention is judged by accuracy at 50% coverage and by calibration, not by dropping texts); given
also the suggestion the reviewer is shown (None where the classifier abstains), how many texts get one and how
often it is right.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

ECE_BINS = 10


def evaluate(gold: Sequence[str], probabilities: Sequence[Mapping[str, float]], target: str = "label",
             suggested: Sequence[str | None] | None = None) -> dict:
    """{"target","n","macro_f1","accuracy","top3_accuracy","accuracy_at_50pct_coverage",
    "expected_calibration_error","per_label","confusion"} for one target; given what the classifier suggested for
    each text (None where it abstained), also what a reviewer meets (suggestions())."""
    n = len(gold)
    ranked = [ranked_labels(p) for p in probabilities]
    predicted = [r[0][0] if r else None for r in ranked]
    confidence = [r[0][1] if r else 0.0 for r in ranked]
    correct = [p == g for p, g in zip(predicted, gold)]
    top3 = [g in {label for label, _ in r[:3]} for g, r in zip(gold, ranked)]
    per_label, f1, confusion = _per_label(gold, predicted)
    return {
        "target": target,
        "n": n,
        "macro_f1": _round(sum(f1) / len(f1)) if f1 else 0.0,  # over labels in gold or predicted, as scikit-learn
        "accuracy": _round(_mean(correct)),
        "top3_accuracy": _round(_mean(top3)),
        "accuracy_at_50pct_coverage": _round(accuracy_at_coverage(confidence, correct, 0.5)),
        "expected_calibration_error": _round(calibration_error(confidence, correct)),
        **(suggestions(gold, suggested) if suggested is not None else {}),
        "per_label": per_label,
        "confusion": confusion,
    }


def suggestions(gold: Sequence[str], suggested: Sequence[str | None]) -> dict:
    """What the reviewer sees: "suggested_share", the texts that get a suggestion (not abstained);
    "suggested_accuracy", right among those; "one_keystroke_share", texts whose routing the reviewer confirms with
    one keystroke (suggested and right: their product)."""
    made = [(s, g) for s, g in zip(suggested, gold) if s is not None]
    right = sum(1 for s, g in made if s == g)
    return {"suggested_share": _round(len(made) / len(gold)) if gold else 0.0,
            "suggested_accuracy": _round(right / len(made)) if made else 0.0,
            "one_keystroke_share": _round(right / len(gold)) if gold else 0.0}


def ranked_labels(probabilities: Mapping[str, float]) -> list[tuple[str, float]]:
    """(label, probability) pairs, most probable first; ties by label, so the order never depends on dict order."""
    return sorted(probabilities.items(), key=lambda item: (-item[1], item[0]))


def accuracy_at_coverage(confidence: Sequence[float], correct: Sequence[bool], coverage: float) -> float:
    """Accuracy over the `coverage` share of texts the classifier is most confident about."""
    if not confidence:
        return 0.0
    keep = max(1, round(len(confidence) * coverage))
    order = sorted(range(len(confidence)), key=lambda i: -confidence[i])[:keep]
    return _mean([correct[i] for i in order])


def calibration_error(confidence: Sequence[float], correct: Sequence[bool], bins: int = ECE_BINS) -> float:
    """Expected calibration error: |accuracy − mean confidence| per equal-width confidence bin, weighted by size."""
    if not confidence:
        return 0.0
    total = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [i for i, c in enumerate(confidence) if (low < c <= high) or (b == 0 and c == 0.0)]
        if members:
            accuracy = _mean([correct[i] for i in members])
            mean_confidence = sum(confidence[i] for i in members) / len(members)
            total += len(members) / len(confidence) * abs(accuracy - mean_confidence)
    return total


def _per_label(gold: Sequence[str], predicted: Sequence[str | None]) -> tuple[dict, list[float], dict]:
    """Rounded metrics per label, each label's unrounded F1 (for the macro average) and the confusion counts."""
    labels = sorted(set(gold) | {p for p in predicted if p is not None})
    confusion: dict[str, dict[str, int]] = {label: {} for label in sorted(set(gold))}
    for g, p in zip(gold, predicted):
        confusion[g][str(p)] = confusion[g].get(str(p), 0) + 1
    result, f1s = {}, []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted) if g == label and p == label)
        n_pred = sum(1 for p in predicted if p == label)
        support = sum(1 for g in gold if g == label)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[label] = {"precision": _round(precision), "recall": _round(recall), "f1": _round(f1),
                         "support": support}
        f1s.append(f1)
    return result, f1s, confusion


def _mean(values: Sequence[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def _round(value: float) -> float:
    return round(float(value), 4)
