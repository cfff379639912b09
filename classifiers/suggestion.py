"""What a classifier suggests for one target of one text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Suggestion:
    target: str  # "program", "directorate", or any target a training file names
    label: str | None  # None: below the target's abstain threshold ("sin sugerencia confiable")
    score: float  # calibrated probability that the label (or, when None, the best guess) is right
    alternatives: tuple[tuple[str, float], ...]  # the best other labels, best first (all guesses when label is None)
    model_version: str
