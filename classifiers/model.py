"""A versioned classifier: one spaCy pipeline per target, with meta.json naming its version, data hash, metrics,
abstain thresholds and the program → directorate map it keeps its suggestions consistent with."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from classifiers import evaluation
from classifiers.catalogue import OTHER_AUTHORITY, Catalogue, load_default
from classifiers.suggestion import Suggestion
from classifiers.errors import ModelMissing

DEFAULT_TARGETS = ("program", "directorate")
PARENT, CHILD = "program", "directorate"  # a confident program decides the directorate (catalogue map)
MIN_PRECISION = 0.8  # a suggestion is shown only where out-of-fold suggestions were right this often
ALTERNATIVES = 3
SUMMARY = ("n", "macro_f1", "accuracy", "top3_accuracy", "accuracy_at_50pct_coverage", "expected_calibration_error")


@dataclass(frozen=True)
class Meta:
    name: str
    version: str
    trained_at: str
    data_sha256: str
    targets: tuple[str, ...]
    metrics: dict  # per target: labels, settings chosen, out-of-fold metrics ("cv")
    thresholds: dict = field(default_factory=dict)  # per target: below this score the label is None
    hierarchy: dict = field(default_factory=dict)  # {"parent", "child", "map": {program: directorate}}

    def to_json(self) -> str:
        return json.dumps({**self.__dict__, "targets": list(self.targets)}, ensure_ascii=False, indent=2)


class Classifier:
    """Loaded model; safe to share between worker threads."""

    def __init__(self, folder: Path):
        data = read_meta(folder)
        self.meta = Meta(**{**data, "targets": tuple(data["targets"])})
        self._pipelines = {target: _textcat().load(folder / target) for target in self.meta.targets}
        self._lock = threading.Lock()  # spaCy does not promise thread-safe inference

    @property
    def version(self) -> str:
        return self.meta.version

    def probabilities(self, texts: Sequence[str]) -> dict[str, list[dict[str, float]]]:
        """Per target, each text's label probabilities; the child target (directorate) averaged with what the
        program probabilities imply through the catalogue map, so the two targets tell one story."""
        return self._predict(texts)[0]

    def _predict(self, texts: Sequence[str]) -> tuple[dict[str, list[dict[str, float]]], list[bool]]:
        """Probabilities per target, and per text whether any target's model knew any of its words."""
        with self._lock:
            predicted = {target: _textcat().predict(nlp, texts) for target, nlp in self._pipelines.items()}
        result = {target: [cats for cats, _ in rows] for target, rows in predicted.items()}
        evidence = [any(rows[i][1] for rows in predicted.values()) for i in range(len(texts))]
        mapping = self.meta.hierarchy.get("map", {})
        parent, child = self.meta.hierarchy.get("parent"), self.meta.hierarchy.get("child")
        if mapping and parent in result and child in result:
            result[child] = [_joint(p, c, mapping) for p, c in zip(result[parent], result[child])]
        return result, evidence

    def suggest(self, text: str, alternatives: int = ALTERNATIVES,
                inactive: Mapping[str, Collection[str]] | None = None) -> list[Suggestion]:
        """Per target: the label (None when its score is below the target's abstain threshold, or when the text
        has no word the model knows), its score and the `alternatives` best other labels; a confident program
        brings its directorate from the catalogue map. `inactive`: per target, labels never to suggest nor offer
        (the catalogue's deactivated codes)."""
        return self.assess([text], alternatives, inactive)[1][0]

    def assess(self, texts: Sequence[str], alternatives: int = ALTERNATIVES,
               inactive: Mapping[str, Collection[str]] | None = None
               ) -> tuple[dict[str, list[dict[str, float]]], list[list[Suggestion]]]:
        """Both at once for many texts (what `peticiones evaluate` measures): the probabilities per target, as
        probabilities() gives them, and each text's suggestions, as suggest() gives them."""
        predicted, evidence = self._predict(texts)
        suggestions = [self._choose({t: rows[i] for t, rows in predicted.items()}, evidence[i], alternatives,
                                    inactive or {})
                       for i in range(len(texts))]
        return predicted, suggestions

    def _choose(self, probabilities: dict[str, dict[str, float]], evidence: bool,
                alternatives: int, inactive: Mapping[str, Collection[str]]) -> list[Suggestion]:
        # An inactive label is taken out of the running before choosing, not blanked afterwards: the best active
        # label then stands on its own score against the same abstain threshold (it mostly abstains, since the
        # retired label held the probability), and the alternatives shown are active labels only, still three.
        # Scores are not renormalised: each stays the model's calibrated probability of its label.
        ranked = {t: [(label, score) for label, score in evaluation.ranked_labels(probabilities[t])
                      if label not in inactive.get(t, ())] for t in self.meta.targets}
        chosen: dict[str, tuple[str | None, float]] = {}
        for target in self.meta.targets:
            label, score = ranked[target][0] if ranked[target] else (None, 0.0)
            if score < self.meta.thresholds.get(target, 0.0) or not evidence:
                label = None
            chosen[target] = (label, score)
        parent, child = self.meta.hierarchy.get("parent"), self.meta.hierarchy.get("child")
        program = chosen.get(parent, (None, 0.0))[0]
        if program and child in chosen and program in self.meta.hierarchy.get("map", {}):
            directorate = self.meta.hierarchy["map"][program]
            if directorate in probabilities[child] and directorate not in inactive.get(child, ()):
                # If the program is right, so is its directorate: at least as likely as the program.
                chosen[child] = (directorate, max(probabilities[child][directorate], chosen[parent][1]))
        result = []
        for target in self.meta.targets:
            label, score = chosen[target]
            others = tuple((l, round(s, 4)) for l, s in ranked[target] if l != label)[:alternatives]
            result.append(Suggestion(target, label, round(score, 4), others, self.version))
        return result


def _textcat():
    """classifiers.textcat, imported when first used: spaCy and scikit-learn take over a second to load, and most
    commands (status, users, db...) never classify."""
    from classifiers import textcat

    return textcat


def read_meta(folder: Path) -> dict:
    """A model folder's meta.json as train() wrote it (cheap: no spaCy); ModelMissing when the folder has none,
    ValueError when it is not JSON."""
    try:
        return json.loads((Path(folder) / "meta.json").read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ModelMissing(str(folder)) from error


def _joint(program: dict[str, float], directorate: dict[str, float], mapping: dict[str, str]) -> dict[str, float]:
    implied = {label: 0.0 for label in directorate}
    covered = 0.0
    for label, p in program.items():
        if mapping.get(label) in implied:
            implied[mapping[label]] += p
            covered += p
    if covered <= 0:
        return directorate
    joint = {label: 0.5 * directorate[label] + 0.5 * implied[label] / covered for label in directorate}
    total = sum(joint.values())
    return {label: p / total for label, p in joint.items()}


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: JSON inválido ({error})") from error
    return rows


def catalogue_terms(catalogue: Catalogue, target: str) -> tuple[dict, dict]:
    """Names and synonyms of each label of a target from the catalogue: a text that names a program, or one of
    its synonyms, usually belongs to it; a directorate inherits its programs' synonyms."""
    names: dict[str, list[str]] = {}
    synonyms: dict[str, list[str]] = {}
    for d in catalogue.directorates:
        names.setdefault(d.code, []).append(d.name)
    for p in catalogue.programs:
        names.setdefault(p.code, []).append(p.name)
        synonyms.setdefault(p.code, []).extend(p.synonyms)
        if target == CHILD:
            synonyms.setdefault(p.directorate, []).extend(p.synonyms)
    return names, synonyms


def train(rows: Sequence[dict], targets: Sequence[str], out: Path, *, name: str = "peticiones", seed: int = 0,
          data_sha256: str = "", catalogue: Catalogue | None = None, min_precision: float = MIN_PRECISION,
          progress: Callable[[str, int, int], None] | None = None) -> Meta:
    """Train one pipeline per target on all `rows` and save the model; its metrics, settings and abstain
    thresholds come from five grouped folds inside the rows (out-of-fold predictions)."""
    catalogue = catalogue or load_default()
    out.mkdir(parents=True, exist_ok=True)
    metrics, thresholds = {}, {}
    for target in targets:
        labelled = [(r["text"], str(r[target])) for r in rows if r.get(target) and r.get("text")]
        if not labelled:
            raise ValueError(f"ninguna fila tiene el campo {target!r}")
        names, synonyms = catalogue_terms(catalogue, target)
        texts, labels = [t for t, _ in labelled], [y for _, y in labelled]
        nlp, info = _textcat().train(
            texts, labels, descriptions=names, synonyms=synonyms, seed=seed, min_precision=min_precision,
            progress=(lambda done, total, target=target: progress(target, done, total)) if progress else None)
        _textcat().save(nlp, out / target)
        cv = evaluation.evaluate(labels, info.pop("oof"), target)
        thresholds[target] = info.pop("abstain_below")
        metrics[target] = {**info, "rows": len(labelled), "cv": {k: cv[k] for k in SUMMARY},
                           "cv_per_label_f1": {label: v["f1"] for label, v in cv["per_label"].items()}}
    now = dt.datetime.now(dt.timezone.utc)
    digest = data_sha256 or hashlib.sha256(json.dumps(list(rows), sort_keys=True).encode()).hexdigest()
    # The time is part of the version: retraining the same data with other code must not reuse a version.
    meta = Meta(name, f"{name}-{now:%Y%m%d-%H%M%S}-{digest[:8]}", now.isoformat(timespec="seconds"), digest,
                tuple(targets), metrics, thresholds, _hierarchy(rows, targets, catalogue))
    (out / "meta.json").write_text(meta.to_json(), encoding="utf-8")
    return meta


def _hierarchy(rows: Sequence[dict], targets: Sequence[str], catalogue: Catalogue) -> dict:
    """The program → directorate map for the programs this model knows: the catalogue's, else the directorate
    most often paired with the program in the training rows; "otra_autoridad" maps to itself."""
    if PARENT not in targets or CHILD not in targets:
        return {}
    pairs = Counter((str(r[PARENT]), str(r[CHILD])) for r in rows if r.get(PARENT) and r.get(CHILD))
    children = {child for _, child in pairs}
    mapping = {}
    for program in sorted({p for p, _ in pairs}):
        directorate = OTHER_AUTHORITY if program == OTHER_AUTHORITY else catalogue.directorate_of(program)
        if directorate not in children:
            directorate = max((c for p, c in pairs if p == program), key=lambda c: pairs[(program, c)])
        mapping[program] = directorate
    return {"parent": PARENT, "child": CHILD, "map": mapping}
