"""The promotion gate: a candidate model against the active one, on texts neither trained on.

Both models classify the same held-out texts (the most recent confirmed decisions). Per text and target each
gets a 0/1 for its top label and a Brier score for its probabilities (calibration: confident and wrong costs
most). The candidate is *worse beyond noise* on a figure when the paired differences (candidate − active, text by
text) have a one-sided 95% upper bound below zero (or, for Brier, a lower bound above zero): a paired test, so the
texts both models find hard or easy cancel out and a slice of a few dozen texts can still tell.

A candidate that is not worse beyond noise on accuracy and on calibration, for every target, is promoted. So is
one whose active rival cannot suggest labels the office now routes to (a program added to the catalogue). Either
way, where the office routes to labels the active model does not know, the candidate must also not be worse on
the texts whose labels it does know, and must beat, beyond noise, always guessing the commonest label of its
training texts: the active model's blind spot would otherwise excuse a candidate that learned nothing (trained on
shuffled labels, say), however little the active model knows of the rest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from classifiers import evaluation

Z_ONE_SIDED = 1.645  # 95% one-sided
SUMMARY = ("n", "accuracy", "top3_accuracy", "expected_calibration_error", "macro_f1")


@dataclass(frozen=True)
class Verdict:
    promoted: bool
    reason: str  # better_or_equal, covers_new_labels, worse_accuracy, worse_calibration, worse_on_known_labels,
    #              not_better_than_label_shares
    message: str  # Spanish, for staff
    figures: dict  # {"n", "active": {target: {...}}, "candidate": {...}, "paired": {target: {...}}}


def judge(gold: Mapping[str, Sequence[str | None]], active: Mapping[str, Sequence[Mapping[str, float]]],
          candidate: Mapping[str, Sequence[Mapping[str, float]]], active_labels: Mapping[str, set[str]],
          shares: Mapping[str, Mapping[str, float]] | None = None) -> Verdict:
    """Compare two models' probabilities per target on the same texts (`gold`: per target, each text's label
    or None where the decision gave none); `active_labels`: per target, the labels the active model can suggest;
    `shares`: per target, the label shares of the candidate's training texts (the guess of a model that learned
    nothing from the words)."""
    figures: dict = {"n": max((len(v) for v in gold.values()), default=0), "active": {}, "candidate": {},
                     "paired": {}}
    worse: list[tuple[str, str]] = []
    worse_on_known: list[str] = []
    unlearned: list[str] = []  # targets where the candidate does no better than always guessing the commonest label
    unknown: set[str] = set()
    for target, labels in gold.items():
        rows = [i for i, label in enumerate(labels) if label]
        if not rows:
            continue
        truth = [labels[i] for i in rows]
        a, c = [active[target][i] for i in rows], [candidate[target][i] for i in rows]
        figures["active"][target] = _summary(truth, a, target)
        figures["candidate"][target] = _summary(truth, c, target)
        paired = {"accuracy": _paired([_correct(p, g) for p, g in zip(c, truth)],
                                      [_correct(p, g) for p, g in zip(a, truth)]),
                  "brier": _paired([_brier(p, g) for p, g in zip(c, truth)], [_brier(p, g) for p, g in zip(a, truth)])}
        figures["paired"][target] = paired
        if paired["accuracy"]["upper"] < 0:
            worse.append((target, "worse_accuracy"))
        if paired["brier"]["lower"] > 0:
            worse.append((target, "worse_calibration"))
        missing = {g for g in truth} - active_labels.get(target, set())
        unknown |= {f"{target}:{label}" for label in missing}
        known = [i for i, g in enumerate(truth) if g not in missing]
        if missing and shares and target in shares:
            ranked = evaluation.ranked_labels(shares[target])
            guess = ranked[0][0] if ranked else None
            learned = _paired([_correct(p, g) for p, g in zip(c, truth)], [float(g == guess) for g in truth])
            paired["accuracy_over_label_shares"] = learned
            if learned["lower"] <= 0:
                unlearned.append(target)
        if missing and known:
            on_known = _paired([_correct(c[i], truth[i]) for i in known], [_correct(a[i], truth[i]) for i in known])
            paired["accuracy_on_known_labels"] = on_known
            if on_known["upper"] < 0:
                worse_on_known.append(target)
    figures["labels_active_cannot_suggest"] = sorted(unknown)
    if worse_on_known:
        return Verdict(False, "worse_on_known_labels", "El candidato es peor que el modelo activo en las etiquetas "
                       f"que éste conoce ({worse_on_known[0]}) más allá del ruido: se conserva el activo.", figures)
    if unlearned:
        return Verdict(False, "not_better_than_label_shares", "El modelo activo no conoce etiquetas que la oficina ya "
                       "turna, pero el candidato no acierta más que si eligiera siempre la etiqueta más común "
                       f"({unlearned[0]}): se conserva el activo.", figures)
    if not worse:
        return Verdict(True, "better_or_equal", "El candidato no es peor que el modelo activo más allá del ruido: "
                       "se promueve.", figures)
    if unknown:
        return Verdict(True, "covers_new_labels", "El modelo activo no puede sugerir etiquetas que la oficina ya "
                       f"turna ({', '.join(sorted(unknown))}) y el candidato no es peor en las demás: se promueve.",
                       figures)
    target, code = worse[0]
    what = "exactitud" if code == "worse_accuracy" else "calibración"
    return Verdict(False, code, f"El candidato es peor que el modelo activo en {what} ({target}) más allá del "
                   "ruido: se conserva el activo.", figures)


def _summary(truth: Sequence[str], probabilities: Sequence[Mapping[str, float]], target: str) -> dict:
    found = evaluation.evaluate(truth, probabilities, target)
    brier = sum(_brier(p, g) for p, g in zip(probabilities, truth)) / len(truth)
    return {**{k: found[k] for k in SUMMARY}, "brier": round(brier, 4)}


def _correct(probabilities: Mapping[str, float], gold: str) -> float:
    ranked = evaluation.ranked_labels(probabilities)
    return 1.0 if ranked and ranked[0][0] == gold else 0.0


def _brier(probabilities: Mapping[str, float], gold: str) -> float:
    """Multi-class Brier score; a label the model does not know counts as probability 0."""
    return sum((p - (1.0 if label == gold else 0.0)) ** 2 for label, p in probabilities.items()) + (
        0.0 if gold in probabilities else 1.0)


def _paired(candidate: Sequence[float], active: Sequence[float]) -> dict:
    """Mean paired difference (candidate − active) with its one-sided 95% bounds."""
    differences = [c - a for c, a in zip(candidate, active)]
    n = len(differences)
    mean = sum(differences) / n
    spread = math.sqrt(sum((d - mean) ** 2 for d in differences) / (n - 1)) if n > 1 else 0.0
    margin = Z_ONE_SIDED * spread / math.sqrt(n)
    return {"difference": round(mean, 4), "lower": round(mean - margin, 4), "upper": round(mean + margin, 4)}
