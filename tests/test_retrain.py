"""The model learns from reviewers' decisions, safely: versions, retrain, the gate, activation, the lock, and
workers that pick up a newly active model without a restart (issue 12)."""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil

import pytest

from classifiers import gate
from classifiers.model import Classifier, read_jsonl
from classifiers.model import train as train_model
from classifiers.corpus import SEED
from pipeline import retrain
from pipeline.context import Context
from pipeline.settings import Settings
from review.turnos import routing
from storage import locks, model_versions
from storage.tables import Role
from tests.review_helpers import actor, document_in_review, make_user, version_of

SEED_ROWS = read_jsonl(SEED)


def office(home, **overrides) -> Settings:
    """Settings for a small office: retraining needs few decisions, holds out the last 20, no seed corpus."""
    values = dict(home=home, workers=1, model_check_seconds=0.0, retrain_min_decisions=40, retrain_min_holdout=20,
                  retrain_holdout_share=0.2, retrain_seed_below=0, retrain_hours=0, retrain_min_new=0)
    return Settings(**{**values, **overrides})


def route_all(ctx, rows: list[dict], labels: list[str] | None = None) -> None:
    """Each row becomes a document in review, routed by a reviewer to its program (or to `labels`' one)."""
    make_user(ctx, "ana", Role.revisor)
    who = actor(ctx, "ana")
    for i, row in enumerate(rows):
        document_id = document_in_review(ctx, text=row["text"], program=None)
        routing.confirm(ctx, who, document_id, version=version_of(ctx, document_id),
                        program=labels[i] if labels else row["program"])


def active_version(ctx) -> str:
    with ctx.sessions() as session:
        return model_versions.active(session).version


@pytest.fixture(scope="module")
def weak_model(tmp_path_factory):
    """A first model trained on 3 texts per program: what a retrain on the office's decisions must beat."""
    by_program: dict[str, list[dict]] = {}
    for row in SEED_ROWS:
        by_program.setdefault(row["program"], []).append(row)
    rows = [row for group in by_program.values() for row in group[:3]]
    folder = tmp_path_factory.mktemp("debil") / "modelo"
    train_model(rows, ["program", "directorate"], folder, name="debil")
    return folder, {row["text"] for row in rows}


def test_the_shipped_model_is_the_first_active_version(ctx):
    shipped = json.loads((ctx.settings.model / "meta.json").read_text(encoding="utf-8"))["version"]
    with ctx.sessions() as session:
        listed = model_versions.listed(session)
    assert [(row.version, row.active) for row in listed] == [(shipped, True)]
    assert ctx.classifier.version == shipped


def test_a_retrain_with_too_few_decisions_says_so_and_changes_nothing(home):
    ctx = Context.open(office(home))
    try:
        before = active_version(ctx)
        route_all(ctx, SEED_ROWS[:5])
        outcome = retrain.retrain(ctx, "prueba")
        assert (outcome.promoted, outcome.candidate, outcome.reason) == (False, None, "too_few_decisions")
        assert "5 decisiones" in outcome.message and "No se cambió nada" in outcome.message
        assert active_version(ctx) == before
        assert not (home / "modelos").exists() or not any((home / "modelos").iterdir())
    finally:
        ctx.close()


@pytest.mark.slow
def test_retrain_promotes_what_the_office_taught_workers_pick_it_up_and_the_old_version_comes_back(home, weak_model):
    folder, seen = weak_model
    ctx = Context.open(office(home, model=folder))
    try:
        first = active_version(ctx)
        assert ctx.classifier.version == first
        rows = [row for row in SEED_ROWS if row["text"] not in seen]
        random.Random(0).shuffle(rows)
        route_all(ctx, rows[:150])
        outcome = retrain.retrain(ctx, "prueba")
        assert outcome.promoted and outcome.reason == "better_or_equal", outcome
        assert outcome.active not in (outcome.candidate, first) and outcome.gate["refit"] == outcome.active
        gate_figures = outcome.gate
        assert gate_figures["n"] == 30  # 20% of 150, the most recent decisions
        assert gate_figures["candidate"]["program"]["accuracy"] > gate_figures["active"]["program"]["accuracy"]
        assert not [p for p in (home / "modelos").iterdir() if p.name.startswith(".")]  # no half-trained folder
        # The candidate was judged on the 30 decisions it did not see; the model put in service is the same
        # training on all 150.
        assert Classifier(home / "modelos" / outcome.candidate).meta.metrics["program"]["rows"] == 120
        assert Classifier(home / "modelos" / outcome.active).meta.metrics["program"]["rows"] == 150
        # The worker's classifier follows the database without a restart.
        assert ctx.classifier.version == outcome.active == active_version(ctx)
        # Rolling back: the first version serves again.
        retrain.activate(ctx, first, "prueba")
        assert ctx.classifier.version == first == active_version(ctx)
        with ctx.sessions() as session:
            rows_listed = {row.version: row for row in model_versions.listed(session)}
        assert rows_listed[outcome.candidate].gate["promoted"] is True
        assert rows_listed[outcome.candidate].gate["refit"] == outcome.active
        assert rows_listed[outcome.active].gate["refit_of"] == outcome.candidate
        # Each version's folder says, beside its meta.json, what it learned from and its gate.
        record = json.loads((home / "modelos" / outcome.candidate / "version.json").read_text(encoding="utf-8"))
        assert record["gate"]["refit"] == outcome.active and sum(record["counts"]["program"].values()) == 120
        assert not rows_listed[outcome.active].active and rows_listed[first].active
    finally:
        ctx.close()


@pytest.mark.slow
def test_the_gate_refuses_a_candidate_trained_on_shuffled_labels(home):
    ctx = Context.open(office(home))
    try:
        shipped = active_version(ctx)
        rows = SEED_ROWS[:120]
        programs = [row["program"] for row in rows]
        shuffled = programs[:100]
        random.Random(1).shuffle(shuffled)
        route_all(ctx, rows, shuffled + programs[100:])  # the 20 most recent are decided right
        outcome = retrain.retrain(ctx, "prueba")
        assert not outcome.promoted and outcome.reason == "worse_accuracy", outcome
        assert "peor que el modelo activo en exactitud" in outcome.message
        assert outcome.active == shipped == active_version(ctx) == ctx.classifier.version
        with ctx.sessions() as session:
            refused = model_versions.get(session, outcome.candidate)
            assert refused is not None and not refused.active and refused.gate["reason"] == "worse_accuracy"
        paired = outcome.gate["paired"]["program"]["accuracy"]
        assert paired["upper"] < 0
    finally:
        ctx.close()


def test_a_corrupt_model_folder_is_refused_at_activation_and_the_active_model_stays(ctx, tmp_path):
    shipped = active_version(ctx)
    broken = tmp_path / "roto"
    shutil.copytree(ctx.settings.model, broken)
    next(broken.glob("program/**/weights.npy")).write_bytes(b"no es un arreglo")
    with ctx.sessions.begin() as session:
        model_versions.register(session, version="peticiones-roto", folder=str(broken), trained_at="", data_sha256="",
                                n=0, counts={})
    with pytest.raises(retrain.ModelCorrupt) as refused:
        retrain.activate(ctx, "peticiones-roto", "prueba")
    assert refused.value.code == "model_corrupt" and "no cambió" in refused.value.user_message
    assert active_version(ctx) == shipped == ctx.classifier.version
    with pytest.raises(retrain.UnknownVersion):
        retrain.activate(ctx, "no-existe", "prueba")


def test_only_one_retrain_runs_at_a_time_across_processes(ctx):
    assert locks.acquire(ctx.sessions, retrain.LOCK, "otra-maquina:123", 600)
    with pytest.raises(retrain.RetrainBusy) as busy:
        retrain.retrain(ctx, "prueba")
    assert busy.value.code == "retrain_busy"
    assert not locks.acquire(ctx.sessions, retrain.LOCK, ctx.worker, 600)  # still the other's
    locks.release(ctx.sessions, retrain.LOCK, "otra-maquina:123")
    assert locks.acquire(ctx.sessions, retrain.LOCK, ctx.worker, 600)


def test_an_expired_lock_is_taken_over(ctx):
    assert locks.acquire(ctx.sessions, retrain.LOCK, "murio:1", -1)  # already expired: its holder died
    assert locks.acquire(ctx.sessions, retrain.LOCK, ctx.worker, 600)


def test_an_interrupted_training_leaves_the_active_model_and_no_folder(home, monkeypatch):
    ctx = Context.open(office(home))
    try:
        shipped = active_version(ctx)
        route_all(ctx, SEED_ROWS[:45])

        def interrupted(rows, targets, out, **options):
            (out / "program").mkdir(parents=True)
            (out / "program" / "a-medias.npy").write_bytes(b"...")
            raise KeyboardInterrupt

        monkeypatch.setattr(retrain, "train_model", interrupted)
        with pytest.raises(KeyboardInterrupt):
            retrain.retrain(ctx, "prueba")
        assert active_version(ctx) == shipped
        assert list((home / "modelos").iterdir()) == []
        assert locks.acquire(ctx.sessions, retrain.LOCK, "siguiente:1", 600)  # the lock was given back
    finally:
        ctx.close()


def test_the_service_retrains_on_schedule_and_after_enough_new_decisions(home):
    ctx = Context.open(office(home, retrain_hours=24, retrain_min_new=3))
    try:
        assert not retrain.due(ctx)  # nothing decided, never run: nothing to learn
        route_all(ctx, SEED_ROWS[:3])
        assert retrain.due(ctx)  # three new decisions
        retrain.retrain(ctx, "servicio")  # too few for a model, but a run
        assert not retrain.due(ctx)
        later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=25)
        assert retrain.due(ctx, later)
    finally:
        ctx.close()


def test_the_gate_passes_an_equal_candidate_refuses_a_worse_one_and_admits_new_labels():
    gold = {"program": ["a", "b", "a", "b"] * 10}
    good = {"program": [{"a": 0.9, "b": 0.1} if g == "a" else {"a": 0.1, "b": 0.9} for g in gold["program"]]}
    bad = {"program": [{"a": 0.1, "b": 0.9} if g == "a" else {"a": 0.9, "b": 0.1} for g in gold["program"]]}
    assert gate.judge(gold, good, good, {"program": {"a", "b"}}).promoted
    refused = gate.judge(gold, good, bad, {"program": {"a", "b"}})
    assert not refused.promoted and refused.reason == "worse_accuracy"
    # The office now routes to "c", which the active model cannot suggest; the candidate can.
    gold_new = {"program": ["a", "b", "c", "c"] * 10}
    active_old = {"program": [{"a": 0.9, "b": 0.1} if g != "b" else {"a": 0.1, "b": 0.9} for g in gold_new["program"]]}
    candidate = {"program": [{"a": 0.8, "b": 0.1, "c": 0.1} if g == "a" else {"a": 0.1, "b": 0.8, "c": 0.1} if g == "b"
                             else {"a": 0.1, "b": 0.1, "c": 0.8} for g in gold_new["program"]]}
    admitted = gate.judge(gold_new, active_old, candidate, {"program": {"a", "b"}})
    assert admitted.promoted and admitted.reason in ("better_or_equal", "covers_new_labels")
    assert admitted.figures["labels_active_cannot_suggest"] == ["program:c"]
    garbage = {"program": [{"a": 0.1, "b": 0.1, "c": 0.8} for _ in gold_new["program"]]}
    refused_new = gate.judge(gold_new, active_old, garbage, {"program": {"a", "b"}})
    assert not refused_new.promoted and refused_new.reason == "worse_on_known_labels"  # "c" excuses nothing
    # The active model knows none of the labels the office now routes to: the candidate must still have learned
    # something, more than always guessing its commonest training label.
    gold_all_new = {"program": ["x", "y", "x", "x"] * 10}
    blind = {"program": [{"a": 0.6, "b": 0.4} for _ in gold_all_new["program"]]}
    guessing = {"program": [{"x": 0.7, "y": 0.3} for _ in gold_all_new["program"]]}
    shares = {"program": {"x": 0.7, "y": 0.3}}
    lazy = gate.judge(gold_all_new, blind, guessing, {"program": {"a", "b"}}, shares)
    assert not lazy.promoted and lazy.reason == "not_better_than_label_shares"
    learned = {"program": [{"x": 0.9, "y": 0.1} if g == "x" else {"x": 0.1, "y": 0.9} for g in gold_all_new["program"]]}
    assert gate.judge(gold_all_new, blind, learned, {"program": {"a", "b"}}, shares).promoted
