"""The classifier shipped in models/ loads, speaks the catalogue's labels and separates obvious petitions."""

import hashlib
from pathlib import Path

import pytest

from classifiers.catalogue import OTHER_AUTHORITY, load_default
from classifiers.model import Classifier
from pipeline.settings import Settings


@pytest.fixture(scope="module")
def shipped():
    return Classifier(Settings().model)


def test_every_label_of_the_shipped_model_is_in_the_catalogue(shipped):
    catalogue = load_default()
    labels = {
        "program": {p.code for p in catalogue.programs} | {OTHER_AUTHORITY},
        "directorate": {d.code for d in catalogue.directorates} | {OTHER_AUTHORITY},
    }
    for target in shipped.meta.targets:
        model_labels = set(shipped.meta.metrics[target]["labels"])
        assert model_labels <= labels[target], model_labels - labels[target]


def test_the_shipped_model_was_trained_on_the_committed_seed_corpus(shipped):
    seed = Path(__file__).resolve().parents[1] / "models" / "seed" / "peticiones.jsonl"
    assert shipped.meta.data_sha256 == hashlib.sha256(seed.read_bytes()).hexdigest(), "ejecute `make model`"


@pytest.mark.parametrize("text, program", [
    ("Solicito una despensa porque no tenemos qué comer, somos seis en la familia.", "paquetes_alimentarios"),
    ("En mi colonia no hay agua potable ni drenaje, pedimos que metan la red de agua.", "infraestructura_basica"),
    ("Quiero que arreglen el bache de la calle y pongan semáforo, es del ayuntamiento.", None),
])
def test_the_shipped_model_gives_scored_suggestions_for_both_targets(shipped, text, program):
    suggestions = {s.target: s for s in shipped.suggest(text)}
    assert set(suggestions) == {"program", "directorate"}
    for s in suggestions.values():
        assert 0.0 <= s.score <= 1.0 and s.model_version == shipped.version
        assert all(score <= s.score for _, score in s.alternatives)
    if program:
        assert suggestions["program"].label == program


def test_the_shipped_model_keeps_directorates_consistent_with_the_catalogue(shipped):
    catalogue = load_default()
    mapping = shipped.meta.hierarchy["map"]
    for program, directorate in mapping.items():
        expected = OTHER_AUTHORITY if program == OTHER_AUTHORITY else catalogue.directorate_of(program)
        assert directorate == expected, program
    suggestions = {s.target: s for s in shipped.suggest(
        "Les pido una silla de ruedas para mi mamá, tiene ochenta años y ya no camina.")}
    assert suggestions["program"].label == "ayudas_sociales_diversas"
    assert suggestions["directorate"].label == mapping["ayudas_sociales_diversas"]


def test_the_shipped_model_carries_abstain_thresholds_and_cross_validated_metrics(shipped):
    for target in shipped.meta.targets:
        assert 0 < shipped.meta.thresholds[target] < 1, "sin umbral, el revisor vería adivinanzas como sugerencias"
        cv = shipped.meta.metrics[target]["cv"]
        assert cv["n"] > 300 and cv["expected_calibration_error"] < 0.1
