"""The training corpus: the seed rows shipped in models/seed plus the rows reviewers' decisions give, one row per
distinct text, ready for `peticiones train`.

A text that is in both keeps the reviewer's labels: a person read that very petition. Texts count as the same when
they match after lower-casing, dropping accents and collapsing spaces (features.normalise), as the classifier's
own folds group them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from classifiers.features import normalise

SEED = Path(__file__).resolve().parent.parent / "models" / "seed" / "peticiones.jsonl"


def merge(seed: Iterable[dict], reviewed: Iterable[dict]) -> tuple[list[dict], dict[str, int]]:
    """The rows to train on, and how many came from each source ("semilla", "revision") after duplicates."""
    chosen: dict[str, dict] = {}
    for source, rows in (("semilla", seed), ("revision", reviewed)):
        for row in rows:
            text = str(row.get("text") or "")
            if text.strip():
                chosen[" ".join(normalise(text).split())] = {**row, "source": row.get("source", source)}
    counts = {"semilla": 0, "revision": 0}
    for row in chosen.values():
        counts[row["source"]] = counts.get(row["source"], 0) + 1
    return list(chosen.values()), counts


def to_jsonl(rows: Iterable[dict]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")
