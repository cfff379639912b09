"""What a classifier suggests for one target of one text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Suggestion:
    target: str  # "program", "directorate", or any target a training file names
    label: str | None
    score: float
    alternatives: tuple[tuple[str, float], ...]  # the next best labels, best first
    model_version: str
