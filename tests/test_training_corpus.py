"""`peticiones corpus`: reviewers' confirmed routings become training rows beside the seed corpus, then train."""

from __future__ import annotations

import json
import stat

from typer.testing import CliRunner

from pipeline.cli import app
from review.turnos import followup, routing
from storage import access
from storage.tables import Role
from tests.review_helpers import actor, document_in_review, make_user, version_of

FOOD = "Pido una despensa porque no tengo trabajo y mis hijos no han comido bien."
SEED_ROWS = [
    {"text": "Necesito despensa, somos cinco en casa y no alcanza la comida.", "program": "paquetes_alimentarios",
     "directorate": "programas_sociales"},
    {"text": "Solicito una silla de ruedas para mi mamá que ya no camina.", "program": "ayudas_sociales_diversas",
     "directorate": "atencion_ciudadana"},
    {"text": FOOD, "program": "ayudas_sociales_diversas", "directorate": "atencion_ciudadana"},
]


def _route(ctx, who, document_id: int, program: str) -> None:
    routing.confirm(ctx, who, document_id, version=version_of(ctx, document_id), program=program)


def _corpus(ctx, tmp_path, monkeypatch, *extra: str) -> tuple[list[dict], dict]:
    seed = tmp_path / "semilla.jsonl"
    seed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in SEED_ROWS), encoding="utf-8")
    out = tmp_path / "privado" / "corpus.jsonl"
    monkeypatch.setenv("PETICIONES_HOME", str(ctx.settings.home))
    result = CliRunner().invoke(app, ["corpus", "--out", str(out), "--seed", str(seed), *extra])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # petition texts carry personal data
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return rows, json.loads(result.stdout.strip().splitlines()[-1])


def test_routed_documents_join_the_seed_corpus_with_the_reviewers_labels(ctx, tmp_path, monkeypatch):
    who = actor(ctx, make_user(ctx, "ana", Role.revisor))
    routed = document_in_review(ctx, text="Les pido apoyo con agua potable, la colonia no tiene red.",
                                program="ayudas_sociales_diversas")
    _route(ctx, who, routed, "infraestructura_basica")  # corrected by the reviewer
    typed = document_in_review(ctx, text="So1icit0 d3spensa", program=None)
    routing.transcribe(ctx, who, typed, 1, "Solicito despensa para mi familia.")
    _route(ctx, who, typed, "paquetes_alimentarios")
    same_as_seed = document_in_review(ctx, text=FOOD.upper())
    _route(ctx, who, same_as_seed, "paquetes_alimentarios")
    returned = document_in_review(ctx, text="Pido una beca para mi hija.")
    _route(ctx, who, returned, "ayudas_sociales_diversas")
    followup.return_turno(ctx, who, returned, version=version_of(ctx, returned), note="No es de esta dirección.")
    dismissed = document_in_review(ctx, text="Publicidad de una tienda de muebles.")
    routing.dismiss(ctx, who, dismissed, version=version_of(ctx, dismissed), note="no es petición")
    waiting = document_in_review(ctx, text="Quiero una silla de ruedas.")

    rows, summary = _corpus(ctx, tmp_path, monkeypatch)

    reviewed = {r["document_id"]: r for r in rows if r["source"] == "revision"}
    assert set(reviewed) == {routed, typed, same_as_seed}  # not the returned, dismissed or waiting ones
    assert returned not in reviewed and dismissed not in reviewed and waiting not in reviewed
    assert reviewed[routed]["program"] == "infraestructura_basica"
    assert reviewed[routed]["directorate"] == "infraestructura_social"  # the catalogue's, as routed
    assert reviewed[typed]["text"] == "Solicito despensa para mi familia."  # the typing, not the OCR
    # The seed's copy of a text a reviewer routed gives way to the reviewer's labels.
    food = [r for r in rows if r["text"].lower() == FOOD.lower()]
    assert len(food) == 1 and food[0]["program"] == "paquetes_alimentarios" and food[0]["source"] == "revision"
    assert summary == {"out": summary["out"], "rows": 5, "semilla": 2, "revision": 3}
    with ctx.sessions() as session:
        assert [e.action for e in access.entries(session)][0] == "training_corpus"


def test_the_corpus_trains_a_model(ctx, tmp_path, monkeypatch):
    who = actor(ctx, make_user(ctx, "ana", Role.revisor))
    for text in ("Pido despensa, no tenemos comida.", "Necesito despensa para mis nietos."):
        _route(ctx, who, document_in_review(ctx, text=text), "paquetes_alimentarios")
    rows, summary = _corpus(ctx, tmp_path, monkeypatch, "--sin-semilla")
    assert summary["semilla"] == 0 and summary["revision"] == 2 and len(rows) == 2

    corpus_file = tmp_path / "privado" / "corpus.jsonl"
    rows += SEED_ROWS[:2] * 3  # a few more texts so that every label has internal folds
    corpus_file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = CliRunner().invoke(app, ["train", "--data", str(corpus_file), "--out", str(tmp_path / "modelo")])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "modelo" / "meta.json").read_text(encoding="utf-8"))
    assert meta["metrics"]["program"]["rows"] == len(rows)
