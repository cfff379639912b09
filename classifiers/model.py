"""A versioned classifier: one spaCy pipeline per target, with meta.json naming its version, data hash and metrics."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from classifiers import textcat
from classifiers.suggestion import Suggestion
from pipeline.errors import ModelMissing

DEFAULT_TARGETS = ("program", "directorate")


@dataclass(frozen=True)
class Meta:
    name: str
    version: str
    trained_at: str
    data_sha256: str
    targets: tuple[str, ...]
    metrics: dict

    def to_json(self) -> str:
        return json.dumps({**self.__dict__, "targets": list(self.targets)}, ensure_ascii=False, indent=2)


class Classifier:
    """Loaded model; safe to share between worker threads."""

    def __init__(self, folder: Path):
        meta_file = folder / "meta.json"
        if not meta_file.exists():
            raise ModelMissing(str(folder))
        data = json.loads(meta_file.read_text(encoding="utf-8"))
        self.meta = Meta(**{**data, "targets": tuple(data["targets"])})
        self._pipelines = {target: textcat.load(folder / target) for target in self.meta.targets}
        self._lock = threading.Lock()  # spaCy does not promise thread-safe inference

    @property
    def version(self) -> str:
        return self.meta.version

    def suggest(self, text: str, alternatives: int = 3) -> list[Suggestion]:
        """The best label per target with its score and the next `alternatives` labels."""
        result = []
        with self._lock:
            for target, nlp in self._pipelines.items():
                cats = textcat.scores(nlp, [text])[0]
                ranked = sorted(cats.items(), key=lambda item: item[1], reverse=True)
                label, score = ranked[0]
                others = tuple((l, round(s, 4)) for l, s in ranked[1:1 + alternatives])
                result.append(Suggestion(target, label, round(score, 4), others, self.version))
        return result


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: JSON inválido ({error})") from error
    return rows


def train(rows: Sequence[dict], targets: Sequence[str], out: Path, *, name: str = "peticiones", dev_share: float = 0.2,
          seed: int = 0, data_sha256: str = "", progress: Callable[[str, int, float], None] | None = None) -> Meta:
    """Train one pipeline per target on `rows` (dev split held out for early stopping) and save the model."""
    out.mkdir(parents=True, exist_ok=True)
    metrics = {}
    for target in targets:
        labelled = [(r["text"], r[target]) for r in rows if r.get(target) and r.get("text")]
        if not labelled:
            raise ValueError(f"ninguna fila tiene el campo {target!r}")
        train_rows, dev_rows = _split(labelled, dev_share, seed)
        nlp, info = textcat.train(
            [t for t, _ in train_rows], [y for _, y in train_rows], [t for t, _ in dev_rows], [y for _, y in dev_rows],
            seed=seed, progress=(lambda epoch, score, target=target: progress(target, epoch, score)) if progress else None,
        )
        textcat.save(nlp, out / target)
        metrics[target] = {**info, "train_rows": len(train_rows), "dev_rows": len(dev_rows)}
    now = dt.datetime.now(dt.timezone.utc)
    digest = data_sha256 or hashlib.sha256(json.dumps(list(rows), sort_keys=True).encode()).hexdigest()
    meta = Meta(name, f"{name}-{now:%Y%m%d}-{digest[:8]}", now.isoformat(timespec="seconds"), digest,
                tuple(targets), metrics)
    (out / "meta.json").write_text(meta.to_json(), encoding="utf-8")
    return meta


def _split(rows: list, dev_share: float, seed: int) -> tuple[list, list]:
    """Stratified split so every label keeps examples on both sides when it can."""
    by_label: dict[str, list] = {}
    for row in rows:
        by_label.setdefault(row[1], []).append(row)
    rng = random.Random(seed)
    train_rows, dev_rows = [], []
    for label in sorted(by_label):
        group = by_label[label]
        rng.shuffle(group)
        cut = int(round(len(group) * dev_share)) if len(group) >= 3 else 0
        dev_rows += group[:cut]
        train_rows += group[cut:]
    return train_rows, dev_rows
