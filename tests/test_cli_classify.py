"""`peticiones classify`: the shipped model's suggestions and the petitioner's data for a text, as JSON."""

from __future__ import annotations

import json
import subprocess
import sys

from classifiers.catalogue import load_default

LETTER = ("Hermosillo, Sonora, a 3 de noviembre de 2026. Yo, Rosa Elena Valenzuela Soto, vecina de Navojoa, soy madre "
          "soltera y solicito una despensa. CURP VASR800101MSRLTS09, tel. 642 123 4567.")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "classify", *args], capture_output=True, text=True,
                          timeout=120)


def test_classify_json_gives_suggestions_with_scores_and_fields(tmp_path):
    letter = tmp_path / "carta.txt"
    letter.write_text(LETTER, encoding="utf-8")
    result = run("--json", "--file", str(letter))
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["model_version"].startswith("peticiones-")
    catalogue = load_default()
    program = body["suggestions"]["program"]
    assert program["label"] in {p.code for p in catalogue.programs} | {None}
    assert 0 < program["score"] <= 1 and len(program["alternatives"]) == 3
    assert body["suggestions"]["directorate"]["label"] == catalogue.directorate_of(program["label"])
    assert body["fields"]["name"]["value"] == "Rosa Elena Valenzuela Soto"
    assert body["fields"]["curp"]["valid"] is True
    assert body["fields"]["phone"]["value"] == "+526421234567"
    assert body["fields"]["municipality"]["value"] == "Navojoa"


def test_classify_needs_exactly_one_text():
    assert run("--json").returncode == 2
