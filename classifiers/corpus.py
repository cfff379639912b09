"""The training corpus: the seed rows shipped in models/seed plus the rows reviewers' decisions give, one row per
distinct text, ready for `peticiones train`.

A text that is in both keeps the reviewer's labels: a person read that very petition. Texts count as the same when
they match after lower-casing, dropping accents and collapsing spaces (features.normalise), as the classifier's
own folds group them.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from classifiers.features import normalise
from classifiers.shipped import shipped

SEED = shipped("seed", "peticiones.jsonl")  # models/seed, in the source tree or installed with the wheel


def merge(seed: Iterable[dict], reviewed: Iterable[dict]) -> tuple[list[dict], dict[str, int]]:
    """The rows to train on, and how many came from each source ("semilla", "revision") after duplicates."""
    chosen: dict[str, dict] = {}
    for source, rows in (("semilla", seed), ("revision", reviewed)):
        for row in rows:
            text = str(row.get("text") or "")
            if text.strip():
                chosen[" ".join(normalise(text).split())] = {**row, "source": row.get("source", source)}
    rows = list(chosen.values())
    return rows, sources(rows)


def sources(rows: Iterable[dict]) -> dict[str, int]:
    """How many rows came from each source ("semilla", "revision")."""
    counts = {"semilla": 0, "revision": 0}
    for row in rows:
        counts[row["source"]] = counts.get(row["source"], 0) + 1
    return counts


def without_inactive(rows: list[dict], inactive: Mapping[str, Collection[str]]) -> tuple[list[dict], int]:
    """The rows none of whose labels an admin deactivated, and how many were left out. A whole row goes, not only
    its retired label: applied after `merge`, so a reviewer's routing to a retired program also takes the seed's
    copy of that text with it instead of letting the seed's older label stand."""
    kept = [row for row in rows if not any(row.get(target) in labels for target, labels in inactive.items())]
    return kept, len(rows) - len(kept)


def to_jsonl(rows: Iterable[dict]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")
