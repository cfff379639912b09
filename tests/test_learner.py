"""The scikit-learn learner behind the spaCy component: loading through the entry point, linear cost, calibration."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc

import numpy as np

from classifiers import learner, textcat
from tests.test_classifier import rows


def test_a_saved_pipeline_loads_with_spacy_alone_in_a_fresh_process(tmp_path):
    """pyproject.toml registers the component as a spacy_factories entry point: spacy.load works in a process
    that never imported the project's modules."""
    data = rows(40)
    nlp, _ = textcat.train([r["text"] for r in data], [r["program"] for r in data])
    textcat.save(nlp, tmp_path / "program")
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
