"""The learning loop of issue 12 end to end, through public interfaces only: a new administration imports its
catalogue (`peticiones catalogue import`), the Secretaría's system sends petitions (POST /api/v1/documents), the
workers classify them, reviewers decide them (POST /api/v1/documents/{id}/decision), `peticiones retrain` promotes
a model that suggests the new programs, `peticiones models activate` brings the old one back, and a candidate
trained on shuffled labels is refused."""

from __future__ import annotations

import json
import os
import random
import subprocess

import pytest
from fastapi.testclient import TestClient

from classifiers.catalogue import DEFAULT_CATALOGUE
from pipeline.context import Context
from pipeline.queue import TaskQueue
from pipeline.settings import Settings
from review.web.app import create_app
from storage.tables import Role
from tests.conftest import PETICIONES
from tests.review_helpers import make_user
from tests.test_review_api import bearer

pytestmark = pytest.mark.slow

# The office's settings, the same for the test's own workers and for the commands it runs.
OFFICE = {"PETICIONES_MODEL_CHECK_SECONDS": "0", "PETICIONES_RETRAIN_MIN_DECISIONS": "40",
          "PETICIONES_RETRAIN_MIN_HOLDOUT": "20", "PETICIONES_RETRAIN_HOLDOUT_SHARE": "0.2",
          "PETICIONES_RETRAIN_SEED_BELOW": "0", "PETICIONES_RETRAIN_HOURS": "0", "PETICIONES_RETRAIN_MIN_NEW": "0",
          "PETICIONES_WORKERS": "1"}

# Three programs of the new administration, none of which the shipped model knows.
NEW_PROGRAMS = {
    "agua_para_todos": ("Agua para Todos", "infraestructura_social", "pipas de agua, tinacos y tomas domiciliarias"),
    "techo_digno": ("Techo Digno", "vivienda_social", "láminas, techos y pisos firmes para viviendas precarias"),
    "becas_futuro": ("Becas Futuro", "programas_sociales", "becas para estudiantes de secundaria y preparatoria"),
}
PHRASES = {
    "agua_para_todos": ["no nos llega el agua desde hace {n} semanas", "pedimos que manden una pipa de agua",
                        "necesitamos un tinaco porque el agua se acaba", "la toma de agua de la casa está seca",
                        "los niños no tienen agua para bañarse", "solicito la conexión a la red de agua potable"],
    "techo_digno": ["el techo de mi casa es de cartón y se mete la lluvia", "pido láminas para el techo",
                    "la casa tiene piso de tierra y quiero un piso firme", "se nos cayó el techo con el viento",
                    "vivimos en un cuarto de lámina que se gotea", "necesito material para techar la vivienda"],
    "becas_futuro": ["mi hijo va en la secundaria y no alcanza para sus estudios", "solicito una beca escolar",
                     "mi hija quiere seguir en la preparatoria pero no tenemos para la inscripción",
                     "pido apoyo para los útiles y el uniforme de la escuela", "mi nieto tiene buenas calificaciones",
                     "queremos que nuestros hijos terminen la escuela"],
}
TOWNS = ["Hermosillo", "Cajeme", "Navojoa", "Guaymas", "Nogales", "Etchojoa", "Huatabampo", "Álamos", "Caborca"]
NAMES = ["María López", "José Valenzuela", "Rosa Durazo", "Jesús Moreno", "Ana Félix", "Luis Yocupicio"]


def petition(program: str, rng: random.Random) -> str:
    """A short petition of `program`: three of its phrases, a town and a signature, in varied order."""
    phrases = rng.sample(PHRASES[program], 3)
    body = ". ".join(p.format(n=rng.randint(2, 9)).capitalize() for p in phrases)
    return (f"{rng.choice(TOWNS)}, Sonora. A quien corresponda: {body}. Les agradezco su atención. "
            f"Atentamente, {rng.choice(NAMES)}.")


def command(home, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **OFFICE, "PETICIONES_HOME": str(home)}
    return subprocess.run([*PETICIONES, *args], capture_output=True, text=True, env=env, timeout=600)


def new_catalogue(path) -> None:
    """The default catalogue's directorates plus one new one, and only the new administration's programs."""
    data = json.loads(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))
    data["direcciones"].append({"clave": "vivienda_social", "nombre": "Dirección General de Vivienda Social"})
    data["programas"] = [{"clave": code, "nombre": name, "direccion": directorate, "descripcion": description}
                         for code, (name, directorate, description) in NEW_PROGRAMS.items()]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


class Office:
    """The service's parts as a test drives them: the API, the workers' queue, the commands."""

    def __init__(self, home):
        self.home = home
        self.ctx = Context.open(Settings(home=home, **{k[len("PETICIONES_"):].lower(): v for k, v in OFFICE.items()}))
        self.client = TestClient(create_app(self.ctx))
        self.tasks = TaskQueue(self.ctx).huey
        make_user(self.ctx, "root", Role.admin)
        self.capturista = bearer(self.ctx, "caro", Role.capturista)
        self.revisor = bearer(self.ctx, "ana", Role.revisor)

    def receive(self, texts: list[str]) -> list[int]:
        """Each text sent by the Secretaría's system, then every queued task run as the workers would."""
        ids = []
        for text in texts:
            answer = self.client.post("/api/v1/documents", headers=self.capturista, json={"text": text})
            assert answer.status_code == 201, answer.text
            ids.append(answer.json()["id"])
        while (task := self.tasks.dequeue()) is not None:
            self.tasks.execute(task)
        return ids

    def shown(self, document_id: int) -> dict:
        answer = self.client.get(f"/api/v1/documents/{document_id}", headers=self.revisor)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def decide(self, document_id: int, program: str) -> None:
        version = self.shown(document_id)["version"]
        answer = self.client.post(f"/api/v1/documents/{document_id}/decision", headers=self.revisor,
                                  json={"program": program, "version": version})
        assert answer.status_code == 200, answer.text

    def close(self) -> None:
        self.client.close()
        self.ctx.close()


def labelled(rng: random.Random, per_program: int) -> list[tuple[str, str]]:
    rows = [(petition(program, rng), program) for program in NEW_PROGRAMS for _ in range(per_program)]
    rng.shuffle(rows)
    return rows


def import_catalogue(office: Office, tmp_path) -> None:
    new_catalogue(tmp_path / "catalogo.json")
    imported = command(office.home, "catalogue", "import", str(tmp_path / "catalogo.json"), "--replace",
                       "--usuario", "root", "--json")
    assert imported.returncode == 0, imported.stderr


def test_the_office_teaches_the_model_its_new_programs_and_can_go_back(tmp_path):
    office = Office(tmp_path / "data")
    try:
        import_catalogue(office, tmp_path)
        listed = json.loads(command(office.home, "models", "list", "--json").stdout)
        [shipped] = [row["version"] for row in listed if row["active"]]
        rng = random.Random(7)
        rows = labelled(rng, 30)
        ids = office.receive([text for text, _ in rows])
        before = office.shown(ids[0])["suggestions"]["program"]
        assert before["model_version"] == shipped and before["label"] not in NEW_PROGRAMS  # retired or unknown
        for document_id, (_, program) in zip(ids, rows):
            office.decide(document_id, program)

        retrained = command(office.home, "retrain", "--json")
        assert retrained.returncode == 0, retrained.stderr
        outcome = json.loads(retrained.stdout.strip().splitlines()[-1])
        assert outcome["promoted"] is True, outcome
        assert outcome["active"] == outcome["gate"]["refit"] not in (outcome["candidate"], shipped)
        assert outcome["gate"]["n"] == 20 and sorted(outcome["gate"]["active"]) == ["directorate", "program"]
        assert outcome["gate"]["candidate"]["program"]["accuracy"] >= 0.8

        fresh = labelled(random.Random(11), 4)
        new_ids = office.receive([text for text, _ in fresh])
        suggested = [office.shown(i)["suggestions"]["program"] for i in new_ids]
        assert {s["model_version"] for s in suggested} == {outcome["active"]}
        right = sum(s["label"] == program for s, (_, program) in zip(suggested, fresh))
        assert right >= 10, suggested  # of 12 petitions of the new programs
        asked = command(office.home, "classify", "--json", fresh[0][0])   # the command line asks the same model
        assert asked.returncode == 0, asked.stderr
        assert json.loads(asked.stdout)["model_version"] == outcome["active"]

        back = command(office.home, "models", "activate", shipped)
        assert back.returncode == 0, back.stderr
        [again] = office.receive([petition("techo_digno", random.Random(3))])
        assert office.shown(again)["suggestions"]["program"]["model_version"] == shipped
        versions = {row["version"]: row for row in json.loads(command(office.home, "models", "list", "--json").stdout)}
        assert versions[shipped]["active"] and not versions[outcome["active"]]["active"]
        assert versions[outcome["candidate"]]["gate"]["promoted"] is True
    finally:
        office.close()


def test_the_gate_refuses_a_candidate_trained_on_shuffled_labels(tmp_path):
    office = Office(tmp_path / "data")
    try:
        import_catalogue(office, tmp_path)
        [shipped] = [row["version"] for row in json.loads(command(office.home, "models", "list", "--json").stdout)
                     if row["active"]]
        rows = labelled(random.Random(5), 30)
        ids = office.receive([text for text, _ in rows])
        programs = [program for _, program in rows]
        shuffled = programs[:70]
        random.Random(2).shuffle(shuffled)
        for document_id, program in zip(ids, shuffled + programs[70:]):  # the 20 most recent decided right
            office.decide(document_id, program)
        refused = command(office.home, "retrain", "--json")
        assert refused.returncode == 0, refused.stderr
        outcome = json.loads(refused.stdout.strip().splitlines()[-1])
        assert outcome["promoted"] is False and outcome["active"] == shipped, outcome
        assert outcome["reason"] in ("not_better_than_label_shares", "worse_accuracy", "worse_on_known_labels")
        listed = json.loads(command(office.home, "models", "list", "--json").stdout)
        assert [row["version"] for row in listed if row["active"]] == [shipped]
        assert any(row["version"] == outcome["candidate"] and row["gate"]["promoted"] is False for row in listed)
    finally:
        office.close()
