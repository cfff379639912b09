"""The classifier machinery on rows the test writes: train, save, load, suggest, abstain, evaluate."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from classifiers import evaluation
from classifiers.catalogue import OTHER_AUTHORITY, load_default
from classifiers.model import Classifier, train
from pipeline.cli import app

ASKS = {
    "paquetes_alimentarios": ["una despensa", "alimentos para mis hijos", "un paquete alimentario", "comida"],
    "infraestructura_basica": ["agua potable en la colonia", "drenaje en mi calle", "alumbrado público",
                               "pavimentación de la calle"],
    "ayudas_sociales_diversas": ["una silla de ruedas", "medicamento para mi mamá", "unas muletas",
                                 "apoyo con gastos funerarios"],
    OTHER_AUTHORITY: ["una beca del Bienestar", "que el ayuntamiento recoja la basura", "cita en el IMSS",
                      "una vivienda de COVES"],
}
OPENINGS = ["Buenos días, les escribo para pedir", "Solicito de la manera más atenta", "Por medio de la presente pido",
            "Hola, quisiera saber si me pueden dar", "Vengo a solicitar"]
CLOSINGS = ["Vivo en Hermosillo.", "Somos cinco de familia.", "Gracias por su atención.", "Soy de Cajeme.",
            "Mi teléfono es 662 123 4567."]


def rows(count: int = 80, seed: int = 1) -> list[dict]:
    catalogue = load_default()
    rng = random.Random(seed)
    out = []
    for i in range(count):
        program = list(ASKS)[i % len(ASKS)]
        text = f"{rng.choice(OPENINGS)} {rng.choice(ASKS[program])}. {rng.choice(CLOSINGS)} {rng.choice(CLOSINGS)}"
        directorate = OTHER_AUTHORITY if program == OTHER_AUTHORITY else catalogue.directorate_of(program)
        out.append({"text": text, "program": program, "directorate": directorate})
    return out


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("model")
    train(rows(), ["program", "directorate"], folder, name="prueba")
    return folder


def test_a_model_is_saved_loaded_and_its_version_travels_with_each_suggestion(model_dir):
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["version"].startswith("prueba-") and len(meta["data_sha256"]) == 64
    assert set(meta["thresholds"]) == {"program", "directorate"}
    classifier = Classifier(model_dir)
    suggestions = {s.target: s for s in classifier.suggest("Solicito una despensa, no tenemos qué comer.")}
    assert set(suggestions) == {"program", "directorate"}
    assert suggestions["program"].label == "paquetes_alimentarios"
    for s in suggestions.values():
        assert s.model_version == meta["version"] == classifier.version
        assert 0 < s.score <= 1 and len(s.alternatives) == 3
        assert all(score <= s.score for _, score in s.alternatives)
        assert s.label not in {label for label, _ in s.alternatives}


def test_below_the_threshold_the_label_is_none_but_alternatives_remain(model_dir, tmp_path):
    text = "Solicito una despensa, no tenemos qué comer."
    strict = tmp_path / "estricto"
    shutil.copytree(model_dir, strict)
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    meta["thresholds"] = {"program": 1.01, "directorate": 1.01}  # nothing is ever confident enough
    (strict / "meta.json").write_text(json.dumps(meta), encoding="utf-8")

    for s in Classifier(strict).suggest(text):
        assert s.label is None
        assert s.score > 0 and len(s.alternatives) == 3  # the reviewer still sees the best guesses
    assert {s.target: s.alternatives[0][0] for s in Classifier(strict).suggest(text)}["program"] == \
        "paquetes_alimentarios"


def test_the_thresholds_come_from_out_of_fold_predictions(model_dir):
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    for target in ("program", "directorate"):
        assert 0 < meta["thresholds"][target] <= 1
        cv = meta["metrics"][target]["cv"]
        assert cv["n"] == 80 and 0 <= cv["expected_calibration_error"] <= 1


@pytest.mark.parametrize("text", [
    "Les pido una silla de ruedas para mi papá que ya no camina.",
    "En la colonia no hay drenaje ni agua potable.",
    "Quiero una cita en el IMSS y que el ayuntamiento recoja la basura.",
])
def test_the_directorate_follows_a_confident_program_through_the_catalogue(model_dir, text):
    catalogue = load_default()
    suggestions = {s.target: s for s in Classifier(model_dir).suggest(text)}
    program, directorate = suggestions["program"], suggestions["directorate"]
    assert program.label is not None
    expected = OTHER_AUTHORITY if program.label == OTHER_AUTHORITY else catalogue.directorate_of(program.label)
    assert directorate.label == expected
    assert directorate.score >= program.score


def test_evaluate_prints_one_json_object_per_target(model_dir, tmp_path):
    data = tmp_path / "prueba.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows(40, seed=7)), encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", "--model", str(model_dir), "--data", str(data), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [line["target"] for line in lines] == ["program", "directorate"]
    for line in lines:
        assert set(line) == {"target", "n", "macro_f1", "accuracy", "top3_accuracy", "accuracy_at_50pct_coverage",
                             "expected_calibration_error", "suggested_share", "suggested_accuracy",
                             "one_keystroke_share", "per_label", "confusion"}
        assert line["n"] == 40 and line["accuracy"] > 0.8
        assert set(next(iter(line["per_label"].values()))) == {"precision", "recall", "f1", "support"}


def test_evaluate_counts_the_suggestions_a_reviewer_sees(model_dir, tmp_path):
    """suggested_share: texts that get a suggestion (the abstain threshold and the evidence check of suggest());
    suggested_accuracy: right among those. Gibberish rows are never suggested for."""
    labelled = rows(30, seed=9) + [{"text": t, "program": "paquetes_alimentarios",
                                    "directorate": load_default().directorate_of("paquetes_alimentarios")}
                                   for t in ("zzqx wkfj", "qqq rrr ttt", "xkcd wxyz")]
    data = tmp_path / "prueba.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in labelled), encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", "--model", str(model_dir), "--data", str(data), "--json"])
    assert result.exit_code == 0, result.output
    measured = {line["target"]: line for line in map(json.loads, result.stdout.splitlines()) if line}
    classifier = Classifier(model_dir)
    for target in ("program", "directorate"):
        shown = [next(s.label for s in classifier.suggest(r["text"]) if s.target == target) for r in labelled]
        made = [(label, r[target]) for label, r in zip(shown, labelled) if label is not None]
        assert len(made) <= 30  # the three gibberish rows get none
        assert measured[target]["suggested_share"] == round(len(made) / len(labelled), 4)
        assert measured[target]["suggested_accuracy"] == round(sum(a == b for a, b in made) / len(made), 4)
        assert measured[target]["one_keystroke_share"] == round(sum(a == b for a, b in made) / len(labelled), 4)
    table = CliRunner().invoke(app, ["evaluate", "--model", str(model_dir), "--data", str(data)],
                               env={"COLUMNS": "250"})  # rich wraps headers to the terminal's width
    assert table.exit_code == 0 and "Con sugerencia" in table.stdout and "Aciertos de la sugerencia" in table.stdout


def test_train_takes_any_field_as_target(tmp_path):
    data = tmp_path / "otra.jsonl"
    data.write_text("\n".join(json.dumps({"text": r["text"], "area": r["directorate"]}, ensure_ascii=False)
                              for r in rows(40)), encoding="utf-8")
    result = CliRunner().invoke(app, ["train", "--data", str(data), "--out", str(tmp_path / "m"), "--target", "area"])
    assert result.exit_code == 0, result.output
    assert [s.target for s in Classifier(tmp_path / "m").suggest("una despensa")] == ["area"]


def test_metrics_on_a_known_case():
    gold = ["a", "a", "b", "b"]
    probabilities = [{"a": 0.9, "b": 0.1}, {"a": 0.4, "b": 0.6}, {"a": 0.2, "b": 0.8}, {"a": 0.7, "b": 0.3}]
    m = evaluation.evaluate(gold, probabilities, "x")
    assert m["accuracy"] == 0.5 and m["top3_accuracy"] == 1.0
    assert m["accuracy_at_50pct_coverage"] == 1.0  # the two most confident (0.9, 0.8) are right
    assert m["macro_f1"] == 0.5 and m["confusion"] == {"a": {"a": 1, "b": 1}, "b": {"a": 1, "b": 1}}
    # bins: 0.6 wrong, 0.7 wrong, 0.8 right, 0.9 right → (0.6 + 0.7 + 0.2 + 0.1) / 4
    assert m["expected_calibration_error"] == pytest.approx(0.4, abs=1e-4)


def test_suggestion_figures_on_a_known_case():
    m = evaluation.evaluate(["a", "a", "b", "b"], [{"a": 0.9, "b": 0.1}, {"a": 0.6, "b": 0.4}, {"a": 0.7, "b": 0.3},
                                                   {"a": 0.2, "b": 0.8}], "x", suggested=["a", None, "a", "b"])
    assert m["suggested_share"] == 0.75 and m["suggested_accuracy"] == round(2 / 3, 4)
    assert m["one_keystroke_share"] == 0.5
    assert "suggested_share" not in evaluation.evaluate(["a"], [{"a": 1.0}])  # nothing said of what was suggested


@pytest.mark.parametrize("text", ["", "   \n\n ", "zzqx wkfj"])
def test_a_text_with_no_known_word_gets_no_suggestion(model_dir, text):
    for s in Classifier(model_dir).suggest(text):
        assert s.label is None and len(s.alternatives) == 3


def test_a_model_with_ratio_features_reads_the_same_after_saving(tmp_path, monkeypatch):
    """The per-label ratio features (chosen by the internal folds on real requests) survive to_disk/from_disk:
    forced on here, since on these short rows the folds may turn them down."""
    from classifiers import learner, textcat

    monkeypatch.setattr(learner, "_choose", lambda *args: (learner._Setting(1.0, 0.5, True), {}))
    data = rows(60)
    nlp, info = textcat.train([r["text"] for r in data], [r["program"] for r in data])
    assert info["ratio_features"]
    component = nlp.get_pipe(textcat.COMPONENT)
    assert component.ratios.shape == (len(ASKS), component.features.words_width) and component.ratio_weights.any()
    texts = ["Necesito una despensa para mis hijos", "Pido drenaje y agua potable para la colonia"]
    before = [cats for cats, _ in textcat.predict(nlp, texts)]
    textcat.save(nlp, tmp_path / "program")
    loaded = textcat.load(tmp_path / "program")
    again = loaded.get_pipe(textcat.COMPONENT)
    assert np.allclose(again.ratios, component.ratios, rtol=1e-2, atol=1e-2)
    assert np.allclose(again.ratio_weights, component.ratio_weights, rtol=1e-2, atol=1e-3)
    after = [cats for cats, _ in textcat.predict(loaded, texts)]
    for old, new in zip(before, after):
        assert max(old, key=old.get) == max(new, key=new.get)
        assert all(abs(old[label] - new[label]) < 0.02 for label in old)  # weights are stored as float16


def test_a_greeting_alone_gets_no_suggestion_but_a_two_word_request_does(model_dir):
    classifier = Classifier(model_dir)
    greeting = {s.target: s for s in classifier.suggest("¡Muchas gracias!")}  # one word the model knows
    assert greeting["program"].label is None and greeting["directorate"].label is None
    assert greeting["program"].alternatives  # the reviewer still sees the best guesses
    short = {s.target: s for s in classifier.suggest("Pido despensa")}
    assert short["program"].label == "paquetes_alimentarios"


def test_the_model_keeps_no_training_word_in_plain_text(model_dir):
    saved = (model_dir / "program" / "peticiones_textcat" / "vocabulary.json").read_text(encoding="utf-8")
    assert json.loads(saved)
    for path in model_dir.rglob("*"):  # spaCy's own strings too: a petitioner's name or CURP must not be in them
        if path.is_file():
            content = path.read_bytes().lower()
            assert b"hermosillo" not in content and b"cajeme" not in content, path  # the letters' own words


DAMAGED_LETTER = """y3 = e = Se E)
Hermosillo, Sonora, a 3 de noviembre de 2026 ; "

C. SECRETARIO DE DESARROLLO SOCIAL a
DEL GOBIERNO DEL ESTADO DE SONORA 0
PRESENTE 7

Solicito de la manera más atenta una despensa. ES
Somos cinco de familia. Ñ ba

= 7 : Ñ = Tm - CN pa 7 — > 7 a " —
E. Sin otro particular, quedo en espera de su respuesta.

p ATENTAMENTE
Tí 1P ,
_________________________
1 1 ' pos 4 m ' y " : 4 ] moa Le"""


def test_a_letter_with_its_frame_and_ocr_junk_gets_the_suggestions_of_its_request(model_dir):
    classifier = Classifier(model_dir)
    request = "Solicito de la manera más atenta una despensa.\nSomos cinco de familia."
    clean = {s.target: s for s in classifier.suggest(request)}
    damaged = {s.target: s for s in classifier.suggest(DAMAGED_LETTER)}
    assert clean["program"].label == "paquetes_alimentarios"
    for target in clean:
        assert damaged[target].label == clean[target].label
        assert abs(damaged[target].score - clean[target].score) < 0.02


def test_a_model_saved_before_text_preparation_reads_the_raw_text(model_dir, tmp_path):
    """Its cfg has no "preparation": it was trained on raw text, and reads raw text, as before."""
    from classifiers import textcat

    copy = tmp_path / "viejo"
    shutil.copytree(model_dir, copy)
    for target in ("program", "directorate"):
        cfg = copy / target / textcat.COMPONENT / "cfg.json"
        settings = json.loads(cfg.read_text(encoding="utf-8"))
        assert settings.pop("preparation") == textcat.PREPARATION
        cfg.write_text(json.dumps(settings), encoding="utf-8")
    old = textcat.load(copy / "program").get_pipe(textcat.COMPONENT)
    assert old.preparation == 0
    doc = textcat.blank()("C. SECRETARIO DE DESARROLLO SOCIAL PRESENTE Pido una despensa")
    assert "secretario" in old.words(doc)
    assert textcat.load(model_dir / "program").get_pipe(textcat.COMPONENT).words(doc) == ["pido", "una", "despensa"]


LETTER = """Cajeme, Sonora, a 26 de diciembre de 2026

C. SECRETARIO DE DESARROLLO SOCIAL
DEL GOBIERNO DEL ESTADO DE SONORA
PRESENTE

Solicito atentamente que me informen cuántas viviendas dañó el sismo del 19 de septiembre de 2017 en
la colonia Portales, y qué apoyo dará la Secretaría de Desarrollo Social a las familias.
Quedo a sus órdenes en la calle Sahuaro 214.

Sin otro particular, quedo en espera de su respuesta.

ATENTAMENTE

_________________________
María Guadalupe Ruiz Durazo
Tel. 662 318 4471"""
REQUEST = LETTER.split("PRESENTE\n\n")[1].split("\n\nSin otro")[0]


def test_the_template_stripper_cuts_the_frame_and_keeps_the_request():
    from classifiers import template

    stripped = template.strip(LETTER)
    assert " ".join(stripped.split()) == " ".join(REQUEST.split())  # the date inside the request stays, too
    assert template.strip(REQUEST) == REQUEST


def test_the_template_stripper_finds_the_frame_through_ocr_errors():
    from classifiers import template

    read = ("Cajerne, Sonora, a 26 de diciernbre de 2026 ;\nC. SECRETAR1O DE DESARROLL0 SOCIAL a\n"
            "DEL GOBIERNO DEL ESTADO DE SONORA 0\nPRESENTE 7\n" + REQUEST +
            "\nE. Sin otro particuiar, quedo en espera de su respuesta.\np ATENTAMENTE\nMaría Ruiz")
    assert " ".join(template.strip(read).split()) == " ".join(REQUEST.split())


def test_the_template_stripper_leaves_a_request_that_only_mentions_its_words():
    from classifiers import template

    texts = ["Atentamente solicito copia del dictamen del edificio de la calle Bolívar 12, que el sismo dañó, y "
             "de las constancias de seguridad estructural que el instituto emitió después del 19 de septiembre.",
             "Posterior al sismo del 19 de septiembre de 2017\nsolicito el padrón de damnificados.",
             "¿Cuándo responde la Secretaría de Desarrollo Urbano y Vivienda a mi solicitud de respuesta?",
             "Vivo en Sonora desde el 15 de marzo\nsolicito apoyo para mi casa."]
    for text in texts:
        assert template.strip(text) == text


def test_preparation_drops_ocr_junk_and_keeps_the_words_of_the_request():
    from classifiers.prepare import plausible, prepare

    for word in ("despensa", "CDMX", "CdMx", "D.F.", "y/o", "19S", "2do", "1985", "(662)", "empresa(as)", "a", "No.",
                 "09DPR3054M", "0105000381518"):
        assert plausible(word), word
    for junk in ("y3", "1P-*", "=", "Tm", "ba", "Ñ", "P-*", "Ci.", "correo@mail.com"):
        assert not plausible(junk), junk
    read = ("si +y+. lA E .. to e L 1% + nas as ES pd AA AE\n"
            "Solicito el dictamen de la recons-\ntrucción del edificio ES\n"
            "= 7 : Ñ = Tm - CN pa\n1985 y 2017")
    assert prepare(read) == "Solicito el dictamen de la reconstrucción del edificio ES\n1985 y 2017"


def test_ocr_noise_is_deterministic_and_damages_like_a_poor_scan():
    from classifiers.ocrnoise import Profile, corrupt

    text = LETTER * 3
    assert corrupt(text, seed=3) == corrupt(text, seed=3)
    assert corrupt(text, seed=3) != corrupt(text, seed=4)
    gentle, harsh = corrupt(text, seed=1), corrupt(text, Profile(substitute=0.1, line_lost=0.3, junk_lines=0.5), seed=1)
    changed = lambda a: sum(x != y for x, y in zip(a, text)) + abs(len(a) - len(text))  # noqa: E731
    assert 0 < changed(gentle) < changed(harsh)
    assert len(harsh.split("\n")) != len(text.split("\n"))  # lines lost, junk lines added
    assert corrupt(text, Profile(0, 0, 0, 0, 0, 0, 0, line_lost=0, edge_junk=0, junk_lines=0)) == text


def test_the_keystroke_bench_says_so_and_exits_0_without_the_shared_data(monkeypatch, tmp_path, capsys):
    from bench import keystroke

    monkeypatch.setattr(keystroke, "ROUTING", tmp_path / "no" / "infocdmx_dev.jsonl")
    assert keystroke.main(["--ocr-dir", str(tmp_path)]) == 0
    assert "nada que medir" in capsys.readouterr().out


def test_one_keystroke_counts_suggested_and_right_from_ocr_and_from_clean_text(model_dir):
    from bench.keystroke import one_keystroke

    clean = ["Solicito una despensa, no tenemos qué comer.", "Pido drenaje en mi calle, por favor.",
             "Necesito una silla de ruedas para mi mamá."]
    ocr = [DAMAGED_LETTER, "= 7 : Ñ = Tm - CN pa", clean[2]]
    labels = ["paquetes_alimentarios", "infraestructura_basica", "ayudas_sociales_diversas"]
    result = one_keystroke(ocr, clean, labels, classifier=Classifier(model_dir))
    assert result["n"] == 3 and result["target"] == 0.9
    assert result["clean"]["one_keystroke_share"] == 1.0  # the test model knows all three requests
    assert result["ocr"]["one_keystroke_share"] == round(2 / 3, 4)  # the junk-only reading gets no suggestion
    assert result["ratio"] == round(result["ocr"]["one_keystroke_share"] / 1.0, 4) and not result["meets"]


def test_noise_profiles_fitted_on_a_reading_follow_its_damage():
    from bench.keystroke import fit_profiles

    clean = LETTER
    read = LETTER.replace("e", "c").replace("Solicito atentamente", "Solicito atentarnente") + "\n= 7 : Ñ = Tm"
    same, damaged = fit_profiles([(clean, clean), (clean, read)])
    assert same.substitute == same.delete == same.line_lost == same.junk_lines == 0
    assert damaged.substitute > 0.03 and damaged.junk_lines > 0
    assert damaged.confusions.get(("e", "c"), 0) >= 2
