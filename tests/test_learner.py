"""The scikit-learn learner behind the spaCy component: loading through the entry point, linear cost, calibration."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

from classifiers import learner, ocrnoise, textcat
from classifiers.learner import calibration
from tests.test_classifier import rows


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple:
    """A component trained on 40 texts and the folder it was saved to (two tests share the training)."""
    data = rows(40)
    nlp, _ = textcat.train([r["text"] for r in data], [r["program"] for r in data])
    folder = tmp_path_factory.mktemp("model") / "program"
    textcat.save(nlp, folder)
    return nlp.get_pipe(textcat.COMPONENT), folder


def test_a_saved_pipeline_loads_with_spacy_alone_in_a_fresh_process(saved, tmp_path):
    """pyproject.toml registers the component as a spacy_factories entry point: spacy.load works in a process
    that never imported the project's modules."""
    shutil.copytree(saved[1], tmp_path / "program")
    script = ("import sys, json, spacy\n"
              "assert not any(m.startswith('classifiers') for m in sys.modules)\n"
              "nlp = spacy.load(sys.argv[1])\n"
              "doc = nlp('Solicito una despensa, no tenemos qué comer.')\n"
              "print(json.dumps(doc.cats))\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "program")], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    cats = json.loads(done.stdout)
    assert max(cats, key=cats.get) == "paquetes_alimentarios"
    assert abs(sum(cats.values()) - 1) < 1e-6


def test_training_on_thousands_of_texts_holds_no_texts_by_texts_matrix():
    """5,000 texts: an n × n float64 matrix alone would take 200 MB; the learner's peak stays far below (about
    95 MB before calibrating on OCR-damaged copies, 103 MB since: their junk words fill the word caches)."""
    data = rows(5000, seed=3)
    texts, labels = [r["text"] for r in data], [r["program"] for r in data]
    tracemalloc.start()
    try:
        _, info = textcat.train(texts, labels)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 120 * 2**20, f"{peak / 2**20:.0f} MiB"
    assert len(info["oof"]) == 5000 and 0 < info["abstain_below"] <= 1


def test_the_top_label_calibration_keeps_the_order_and_sums_to_one():
    rng = np.random.default_rng(0)
    probabilities = learner.softmax(rng.normal(size=(200, 6)) * 3, 1.0)
    y = rng.integers(0, 6, size=200)
    calibrated = learner.calibrate_top(probabilities, *learner.fit_top_calibration(probabilities, y))
    assert np.allclose(calibrated.sum(axis=1), 1.0)
    assert (calibrated.argmax(axis=1) == probabilities.argmax(axis=1)).all()
    # random labels: about one in six top labels is right, and the calibrated confidence says so
    assert abs(calibrated.max(axis=1).mean() - (probabilities.argmax(axis=1) == y).mean()) < 0.05


def test_the_abstain_threshold_keeps_the_precision_asked_for():
    probabilities = np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.6, 0.4], [0.55, 0.45]])
    y = np.array([0, 0, 1, 0, 1])  # right, right, wrong, right, wrong (most confident first)
    assert learner.abstain_threshold(probabilities, y, 0.75) == 0.6  # 3 of the 4 above 0.6 are right
    assert learner.abstain_threshold(probabilities, y, 1.0) == 0.8
    assert learner.abstain_threshold(probabilities, np.array([1, 1, 0, 1, 0]), 0.5) == 1.0  # never right


def test_reordering_the_alternatives_keeps_the_top_label_and_its_score():
    calibrated = np.array([[0.50, 0.30, 0.15, 0.05], [0.10, 0.40, 0.25, 0.25], [0.26, 0.25, 0.25, 0.24]])
    other = np.array([[0.10, 0.05, 0.05, 0.80], [0.05, 0.05, 0.10, 0.80], [0.00, 0.00, 0.00, 1.00]])
    out = learner.reorder_alternatives(calibrated, calibrated.copy(), other, weight=0.5)
    rows_ = np.arange(3)
    assert np.allclose(out.sum(axis=1), 1.0)
    assert (out.argmax(axis=1) == calibrated.argmax(axis=1)).all()
    assert np.allclose(out[rows_, calibrated.argmax(axis=1)], calibrated.max(axis=1))
    assert out[0, 3] > out[0, 1] > out[0, 2]  # the logistic regression's favourite runner-up moves up
    assert out[2, 3] < out[2, 0] and (out[2, 1:] >= 0).all()  # a top of 0.26 caps the alternatives below it
    same = learner.reorder_alternatives(calibrated, calibrated.copy(), other, weight=0.0)
    assert (np.argsort(-same[0]) == np.argsort(-calibrated[0])).all()


def test_labels_with_fewer_texts_than_folds_still_train_and_calibrate():
    # A catalogue's new programs start with a few decisions each: three texts per label, five folds asked for.
    texts = [f"{word} {word} solicitud numero {i}" for word in ("agua", "techo", "beca", "despensa") for i in range(3)]
    labels = [text.split()[0] for text in texts]
    nlp, info = textcat.train(texts, labels)
    assert info["labels"] == sorted(set(labels)) and len(info["oof"]) == len(texts)
    [(cats, _)] = textcat.predict(nlp, ["necesito agua agua para la casa"])
    assert max(cats, key=cats.get) == "agua"



def test_n_grams_no_training_text_had_do_not_change_a_row():
    """OCR junk hashes to word and character n-grams training never saw: they carry no weight in the model, and
    must not shrink the known words either when each row is scaled to unit length (the simulated one-keystroke
    share from OCR text went 0.196 -> 0.212 when they stopped counting, bench.keystroke)."""
    texts = [r["text"].lower().split() for r in rows(60)]
    features = learner.Features().fit(texts)
    words = "solicito una despensa no tenemos que comer".split()
    plain, _, known = features.transform([words])
    noisy, _, known_noisy = features.transform([words + ["ʬʬʘ", "ʘʬʘʬ", "ʭʭʬ"]])
    assert known_noisy[0] == known[0] > 0
    # The same row but for the odd hashed bucket a junk n-gram shares with a seen one (0.85 when junk counted)
    cosine = plain.multiply(noisy).sum() / np.sqrt(plain.multiply(plain).sum() * noisy.multiply(noisy).sum())
    assert cosine > 0.98


def test_the_damage_map_trusts_a_damaged_text_more_at_the_same_top_probability():
    """OCR damage lowers a text's top probability more than its chance of being right: fitted on texts where the
    damaged ones (unknown share 0.5) at a top probability of 0.4 are right as often as the clean ones at 0.7, the
    map reads more confidence into a damaged text than into a clean one at the same probability."""
    rng = np.random.default_rng(0)
    n = 1200
    damage = np.where(np.arange(n) % 2, 0.5, 0.05)
    top = np.clip(np.where(damage > 0.2, 0.4, 0.7) + rng.normal(0, 0.12, n), 0.35, 0.95)
    right = rng.random(n) < np.where(damage > 0.2, top + 0.3, top)
    probabilities = np.column_stack([top, (1 - top) / 2 + 1e-3, (1 - top) / 2 - 1e-3])
    y = np.where(right, 0, 1)
    coefficients = calibration.fit_damage_map(probabilities, y, damage)
    same = np.array([[0.5, 0.3, 0.2]])
    damaged, clean = (learner.damage_confidence(same, np.array([d]), coefficients)[0] for d in (0.5, 0.05))
    assert damaged > clean + 0.15
    assert learner.damage_confidence(same, np.array([0.5]), [])[0] == same.max()  # a model without the map


def test_a_trained_component_keeps_its_damage_map_and_an_older_one_reads_the_top_probability(saved, tmp_path):
    component = saved[0]
    assert len(component.damage_map) == 4
    shutil.copytree(saved[1], tmp_path / "program")
    assert textcat.load(tmp_path / "program").get_pipe(textcat.COMPONENT).damage_map == component.damage_map
    saved = tmp_path / "program" / textcat.COMPONENT / "cfg.json"
    settings = json.loads(saved.read_text(encoding="utf-8"))
    del settings["damage_map"]  # saved before the damage map
    saved.write_text(json.dumps(settings), encoding="utf-8")
    assert textcat.load(tmp_path / "program").get_pipe(textcat.COMPONENT).damage_map == []


def test_damaged_copies_are_damaged_alike_for_the_same_seed():
    texts = [r["text"] for r in rows(40)]
    copies = ocrnoise.damaged_copies(texts, seed=4)
    assert copies == ocrnoise.damaged_copies(texts, seed=4)
    # Severities from a quarter of the measured rates up: a short request is often read intact, not always.
    assert 10 <= sum(c != t for c, t in zip(copies, texts)) < 40
    assert copies != ocrnoise.damaged_copies(texts, seed=5)
