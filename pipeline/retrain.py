"""The model learns the office's decisions, safely: versions kept, a candidate trained on confirmed decisions,
gated against the active model on the most recent ones, promoted or refused, and any version activated again.

Versions live under HOME/modelos/<version>/ (the shipped model stays where it ships and is the first version); the
database says which one is active, and every worker picks a newly active one up without a restart
(Context.classifier). A training writes into a hidden folder and is renamed into place only when complete, so an
interrupted one leaves nothing a worker could load; one retraining runs at a time across processes and machines
(a lock row in the database).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import func, select

from classifiers import corpus as training
from classifiers import gate
from classifiers.model import DEFAULT_TARGETS, Classifier, Meta, read_jsonl
from classifiers.model import train as train_model
from pipeline import paths
from pipeline.context import Context
from pipeline.errors import PeticionesError
from storage import catalogue, decisions, events, locks, model_versions
from storage.events import EventKind
from storage.files import write_atomic
from storage.tables import Decision, Event, ModelVersion, aware, utcnow

log = logging.getLogger(__name__)

LOCK = "retrain"
EVENT = EventKind.model_retrain
FOLDER = paths.MODELS
RECORD = "version.json"  # beside meta.json in each version's folder: counts per label and the gate


class UnknownVersion(PeticionesError):
    code = "model_version_unknown"
    http_status = 404
    user_message = "No hay un modelo con esa versión. Vea las versiones con «peticiones models list»."


class ModelCorrupt(PeticionesError):
    code = "model_corrupt"
    http_status = 409
    user_message = ("La carpeta de ese modelo está dañada o incompleta y no se puede cargar; el modelo activo no "
                    "cambió.")


class RetrainBusy(PeticionesError):
    code = "retrain_busy"
    http_status = 409
    user_message = "Ya hay un reentrenamiento en curso (en este u otro equipo). Intente más tarde."


@dataclass(frozen=True)
class Outcome:
    """What `peticiones retrain --json` prints."""

    active: str | None  # the version active after this run
    candidate: str | None  # the version trained, None when nothing was trained
    promoted: bool
    reason: str  # stable code: better_or_equal, covers_new_labels, worse_accuracy, too_few_decisions, ...
    message: str  # Spanish
    gate: dict | None


def activate(ctx: Context, version: str, actor: str) -> ModelVersion:
    """Make a recorded version the active one after loading it whole: a folder that does not load is refused with
    ModelCorrupt and the active model stays."""
    with ctx.sessions() as session:
        row = model_versions.get(session, version)
        if row is None:
            raise UnknownVersion(version)
        folder = Path(row.folder)
    _check_loads(folder)
    with ctx.sessions.begin() as session:
        return model_versions.activate(session, version, actor, "activated_by_hand")


def retrain(ctx: Context, actor: str) -> Outcome:
    """Train a candidate on the office's confirmed decisions, gate it against the active model on the most recent
    ones (which it did not train on) and, when it passes, put in service the same training on every decision.
    Raises RetrainBusy when another retraining runs."""
    if not locks.acquire(ctx.sessions, LOCK, ctx.worker, ctx.settings.retrain_lock_seconds):
        raise RetrainBusy()
    try:
        outcome = _retrain(ctx, actor)
    finally:
        locks.release(ctx.sessions, LOCK, ctx.worker)
    with ctx.sessions.begin() as session:
        events.record(session, EVENT, actor, None, **{k: v for k, v in asdict(outcome).items() if k != "gate"},
                      gate_n=(outcome.gate or {}).get("n"))
    return outcome


def due(ctx: Context, now: dt.datetime | None = None) -> bool:
    """True when the service should retrain: `retrain_hours` since the last run (or never run), or
    `retrain_min_new` routing decisions since it; both off at 0."""
    settings = ctx.settings
    now = now or utcnow()
    with ctx.sessions() as session:
        last = session.scalar(select(func.max(Event.at)).where(Event.kind == EVENT.value))
        since = last or dt.datetime.min.replace(tzinfo=dt.timezone.utc)
        new = session.scalar(select(func.count()).select_from(Decision)
                             .where(Decision.kind == "route", Decision.decided_at > since)) or 0
    if settings.retrain_min_new and new >= settings.retrain_min_new:
        return True
    if settings.retrain_hours and (last is None or aware(now) - aware(last) >= dt.timedelta(
            hours=settings.retrain_hours)):
        return last is not None or new > 0
    return False


def _retrain(ctx: Context, actor: str) -> Outcome:
    settings = ctx.settings
    with ctx.sessions() as session:
        reviewed = decisions.reviewed_rows(session)
        inactive = catalogue.inactive_labels(session)
        office = catalogue.load(session)
        current = model_versions.active(session)
        active_version, active_folder = (current.version, Path(current.folder)) if current else (None, None)
    reviewed, _ = training.without_inactive(reviewed, inactive)
    if len(reviewed) < settings.retrain_min_decisions:
        return Outcome(active_version, None, False, "too_few_decisions",
                       f"Hay {len(reviewed)} decisiones confirmadas; se necesitan al menos "
                       f"{settings.retrain_min_decisions} para reentrenar. No se cambió nada.", None)
    reviewed.sort(key=lambda row: (row["decided_at"], row["document_id"]))
    held = max(settings.retrain_min_holdout, round(len(reviewed) * settings.retrain_holdout_share))
    held = min(held, len(reviewed) // 2)
    train_rows, slice_rows = reviewed[:-held], reviewed[-held:]
    seed_rows, _ = training.without_inactive(read_jsonl(training.SEED), inactive)
    rows = _corpus(seed_rows, train_rows, settings.retrain_seed_below)
    counts = _counts(rows)
    folder, meta = _train(ctx, rows, office)
    candidate = meta.version
    if active_folder is None:
        verdict = gate.Verdict(True, "no_active_model", "No había modelo activo: se activa el candidato.", {})
    else:
        verdict = _gate(slice_rows, Classifier(active_folder), Classifier(folder), counts)
    figures = {"promoted": verdict.promoted, "reason": verdict.reason, **verdict.figures, "n": len(slice_rows)}
    with ctx.sessions.begin() as session:
        _register(session, folder, meta, len(rows), counts, figures)
    active = active_version
    if verdict.promoted:
        # The recipe passed: the model put in service is the same training on every decision, the held-out most
        # recent ones included (they are the office's current practice); its gate names the candidate it refits.
        # Should this training fail, the candidate stays recorded and the active model stays in service.
        every = _corpus(seed_rows, reviewed, settings.retrain_seed_below)
        refit, refit_meta = _train(ctx, every, office)
        active = refit_meta.version
        with ctx.sessions.begin() as session:
            _register(session, refit, refit_meta, len(every), _counts(every), {**figures, "refit_of": candidate})
            figures["refit"] = active
            session.get(ModelVersion, candidate).gate = dict(figures)
            _write_record(folder, counts, figures)
            model_versions.activate(session, active, actor, verdict.reason)
    return Outcome(active, candidate, verdict.promoted, verdict.reason, verdict.message,
                   {k: v for k, v in figures.items() if k not in ("promoted", "reason")})


def _corpus(seed: list[dict], office: list[dict], below: int) -> list[dict]:
    """The office's decisions, with the seed's texts of the labels it has decided fewer than `below` times; a
    reviewer's label for a text wins over the seed's for the same text."""
    rows, _ = training.merge(_seed_for_thin_labels(seed, office, below), office)
    return rows


def _register(session, folder: Path, meta: Meta, n: int, counts: dict, gate_figures: dict) -> None:
    """Record a trained folder as a version, and write the same record beside its meta.json."""
    model_versions.register(session, version=meta.version, folder=str(folder), trained_at=meta.trained_at,
                            data_sha256=meta.data_sha256, n=n, counts=counts, gate=gate_figures)
    _write_record(folder, counts, gate_figures)


def _write_record(folder: Path, counts: dict, gate_figures: dict) -> None:
    """RECORD in the version's folder: its training texts per label and its gate, so that a folder copied or kept
    apart from the database still says what it learned from and why it was or was not promoted."""
    write_atomic(folder / RECORD, json.dumps({"counts": counts, "gate": gate_figures}, ensure_ascii=False,
                                             indent=2).encode("utf-8"))


def _seed_for_thin_labels(seed: list[dict], office: list[dict], below: int) -> list[dict]:
    """The seed rows whose program or directorate the office has decided fewer than `below` times: the seed
    speaks only where the office has not yet."""
    decided = _counts(office)
    return [row for row in seed
            if any(row.get(t) and decided[t].get(row[t], 0) < below for t in DEFAULT_TARGETS)]


def _train(ctx: Context, rows: list[dict], office) -> tuple[Path, Meta]:
    """Train into a hidden folder beside the versions, then rename it to its version: complete or absent."""
    home = ctx.settings.home / FOLDER
    home.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=".entrenando-", dir=home))
    try:
        digest = hashlib.sha256(training.to_jsonl(rows)).hexdigest()
        meta = train_model(rows, list(DEFAULT_TARGETS), partial, name="peticiones", data_sha256=digest,
                           catalogue=office)
        final = home / meta.version
        partial.rename(final)
        return final, meta
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def _gate(rows: list[dict], active: Classifier, candidate: Classifier, counts: dict) -> gate.Verdict:
    texts = [row["text"] for row in rows]
    gold = {target: [row.get(target) for row in rows] for target in DEFAULT_TARGETS}
    known = {target: set(active.meta.metrics.get(target, {}).get("labels", ())) for target in DEFAULT_TARGETS}
    shares = {target: {label: n / sum(per.values()) for label, n in per.items()}
              for target, per in counts.items() if per}
    return gate.judge(gold, active.probabilities(texts), candidate.probabilities(texts), known, shares)


def _check_loads(folder: Path) -> None:
    """Load a model folder whole and classify one text with it, or raise ModelCorrupt."""
    try:
        Classifier(folder).suggest("Solicito apoyo para mi familia.")
    except Exception as error:  # any failure to load means the folder cannot serve: say so, change nothing
        raise ModelCorrupt(f"{folder}: {type(error).__name__}: {error}") from error


def _counts(rows: list[dict]) -> dict:
    """Per target, how many rows carry each label."""
    counts: dict = {target: {} for target in DEFAULT_TARGETS}
    for row in rows:
        for target in DEFAULT_TARGETS:
            if row.get(target):
                counts[target][row[target]] = counts[target].get(row[target], 0) + 1
    return counts
