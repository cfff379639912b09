"""Búsqueda (/buscar, GET /api/v1/search): a petition found by its petitioner's name, CURP, phone or e-mail, or by
its folio, in any state; an enlace among its own directorate's turnos only; every search in the access log. The
keys of documents held before the search existed are filled by the migration."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from review.turnos import calendar, followup, routing
from review.reports import search
from review.web.app import create_app
from review.errors import InvalidInput
from storage import access, database
from storage import search as keys
from storage.tables import Role, SearchKey, State, utcnow
from tests.review_helpers import actor, document_in_review, make_user, version_of
from tests.test_review_api import bearer
from tests.test_review_web import log_in

CURP = "PEAM850101MSRXVR09"


def petitioner(name: str, **more) -> dict:
    return {"name": {"value": name, "score": 0.9}, **{k: {"value": v, "score": 0.9} for k, v in more.items()}}


def route(ctx, document_id: int, program: str = "las_jefas", fields: dict | None = None):
    # CURP's check digit is wrong: routing it takes the reviewer's second confirmation (issue 16).
    return routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id), program=program,
                           fields=fields, invalid_curp_confirmed=True)


def found(ctx, text: str, who: str = "ana") -> list[int]:
    with ctx.sessions() as session:
        return [item["id"] for item in search.find(session, actor(ctx, who), text)["items"]]


@pytest.fixture
def people(ctx) -> dict[str, int]:
    make_user(ctx, "ana", Role.revisor)
    return {
        "maria": document_in_review(ctx, fields=petitioner("María Peña Ávila", curp=CURP, phone="+526622139087",
                                                           email="maria.pena@example.mx")),
        "mariana": document_in_review(ctx, fields=petitioner("Mariana Lopera Ruiz", phone="+526441002030")),
        "jose": document_in_review(ctx, fields=petitioner("JOSÉ PÉREZ-RUIZ")),
        "nobody": document_in_review(ctx, fields={}),
    }


def test_keys_forgive_accents_case_spacing_the_way_a_phone_is_written_and_name_the_municipality():
    assert keys.keys({"name": "  José   PÉREZ-Ruiz ", "curp": "peam 850101 msrxvr09", "phone": "+52 (662) 213-9087",
                      "email": "Maria@Example.MX"}) == {
        "name": "José PÉREZ-Ruiz", "name_key": "jose perez ruiz", "curp": CURP, "phone": "6622139087",
        "email": "maria@example.mx", "municipality": None}
    assert keys.keys({"name": {"value": "Ana", "score": 0.5}, "phone": {"value": "12"},
                      "municipality": {"value": " ciudad  obregon "}}) == {
        "name": "Ana", "name_key": "ana", "curp": None, "phone": None, "email": None, "municipality": "Cajeme"}
    assert keys.keys({"municipality": "Tucson,  Arizona"})["municipality"] == "Tucson, Arizona"  # not one of the 72


def test_a_name_is_found_by_the_starts_of_its_words_whatever_the_accents(ctx, people):
    assert found(ctx, "maria peña") == [people["maria"]]
    assert found(ctx, "MARIA PENA AVILA") == [people["maria"]]
    assert found(ctx, "pérez jos") == [people["jose"]]  # any order, a word's start is enough
    assert found(ctx, "ruiz") == [people["jose"], people["mariana"]]  # newest first
    assert found(ctx, "ana lopera") == []  # "ana" does not match inside "Mariana"
    assert found(ctx, "Mariana") == [people["mariana"]]


def test_curp_phone_and_email_find_the_petition_however_they_are_typed(ctx, people):
    assert found(ctx, CURP.lower()) == [people["maria"]]
    assert found(ctx, "662 213 9087") == [people["maria"]]
    assert found(ctx, "(644) 100-2030") == [people["mariana"]]
    assert found(ctx, "2139087") == [people["maria"]]  # the last seven digits, as people remember them
    assert found(ctx, "MARIA.PENA@example.mx") == [people["maria"]]
    assert found(ctx, "PEAM850101MSRXVR08") == []


def test_a_folio_is_found_whole_by_year_and_number_or_by_number_and_the_petition_stays_found_once_concluded(ctx, people):
    folio = route(ctx, people["jose"]).folio
    year, number = re.fullmatch(r".*-(\d{4})-0*(\d+)", folio).groups()
    for typed in (folio, folio.lower(), f"{year}-{number}", number, f"{year}/{int(number):06d}"):
        assert found(ctx, typed) == [people["jose"]], typed
    assert found(ctx, f"{int(year) - 1}-{number}") == []
    followup.answer(ctx, actor(ctx, "ana"), people["jose"], version=version_of(ctx, people["jose"]),
                    answered_on=calendar.local_date(utcnow(), ctx.settings.timezone), text="Se le entregó el apoyo.")
    with ctx.sessions() as session:
        [item] = search.find(session, actor(ctx, "ana"), folio)["items"]
    assert item["state"] == State.concluded.value and item["folio"] == folio


def test_the_reviewers_corrected_name_finds_it_and_so_does_the_machines_reading(ctx, people):
    route(ctx, people["mariana"], fields={"name": "Mariana López Ruiz", "phone": "6441002030"})
    assert found(ctx, "mariana lopez") == [people["mariana"]]
    assert found(ctx, "mariana lopera") == [people["mariana"]]  # what the OCR read, as a caller may spell it
    with ctx.sessions() as session:
        [item] = search.find(session, actor(ctx, "ana"), "mariana lopez")["items"]
    assert item["petitioner"] == "Mariana López Ruiz"  # the confirmed name is the one shown


def test_a_query_too_short_or_meaningless_is_refused_in_spanish(ctx, people):
    with ctx.sessions() as session:
        for text in ("", " a ", "ab"):
            with pytest.raises(InvalidInput) as refused:
                search.find(session, actor(ctx, "ana"), text)
            assert "al menos 3 caracteres" in refused.value.user_message
        assert search.find(session, actor(ctx, "ana"), "!!!")["total"] == 0


def test_the_count_covers_every_match_and_the_list_only_the_newest(ctx, people):
    more = [document_in_review(ctx, fields=petitioner(f"Rosa Ruiz {i}")) for i in range(3)]
    with ctx.sessions() as session:
        result = search.find(session, actor(ctx, "ana"), "ruiz", limit=2)
    assert result["total"] == 5 and [i["id"] for i in result["items"]] == [more[2], more[1]]


def test_an_enlace_finds_only_what_is_routed_to_its_directorate(ctx, people):
    make_user(ctx, "enzo", Role.enlace, "programas_sociales")
    route(ctx, people["maria"], "las_jefas")  # Programas Sociales
    route(ctx, people["mariana"], "infraestructura_basica")  # Infraestructura Social
    assert found(ctx, "maria", "enzo") == [people["maria"]]
    assert found(ctx, "mariana", "enzo") == []
    assert found(ctx, "jose", "enzo") == []  # still in review: no directorate has it yet
    followup.return_turno(ctx, actor(ctx, "ana"), people["maria"], version=version_of(ctx, people["maria"]),
                          note="No es de Las Jefas.")
    assert found(ctx, "maria", "enzo") == []  # a returned turno no longer opens it


def test_the_page_lists_results_and_the_access_log_keeps_who_searched_what(ctx, people):
    folio = route(ctx, people["maria"], fields={"name": "María Peña Ávila", "phone": "6622139087", "curp": CURP})
    client = TestClient(create_app(ctx))
    log_in(client, "ana")
    assert 'href="/buscar"' in client.get("/cola").text
    page = client.get("/buscar", params={"q": "peña"})
    assert page.status_code == 200
    assert "1 petición coincide con «peña»" in page.text
    assert folio.folio in page.text and "María Peña Ávila" in page.text and "turnado" in page.text
    assert f'href="/documentos/{people["maria"]}"' in page.text
    short = client.get("/buscar", params={"q": "pe"})
    assert short.status_code == 422 and "al menos 3 caracteres" in short.text
    with ctx.sessions() as session:
        [entry] = [e for e in access.entries(session, user_name="ana") if e.action == "search"]
    assert entry.target == "peña" and entry.via == "web"
    document = client.get(f"/documentos/{people['maria']}").text  # the confirmed petitioner beside the decision
    petitioner_list = document[document.index('id="petitioner"'):]
    assert "María Peña Ávila" in petitioner_list and "662 213 9087" in petitioner_list and CURP in petitioner_list


def test_the_api_searches_with_the_same_rules(ctx, people):
    client = TestClient(create_app(ctx))
    headers = bearer(ctx, "gina", Role.gerente)
    answer = client.get("/api/v1/search", headers=headers, params={"q": "6622139087"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"] == 1 and body["items"][0]["id"] == people["maria"]
    assert body["items"][0]["petitioner"] == "María Peña Ávila" and body["items"][0]["state"] == "review"
    short = client.get("/api/v1/search", headers=headers, params={"q": "x"})
    assert short.status_code == 422 and short.json()["detail"]["code"] == "invalid_input"
    assert client.get("/api/v1/search", params={"q": "maria"}).status_code == 401
    with ctx.sessions() as session:
        assert [e.via for e in access.entries(session, user_name="gina") if e.action == "search"] == ["api"]


def test_the_migration_fills_the_keys_of_documents_held_before_it(ctx, people):
    route(ctx, people["mariana"], fields={"name": "Mariana López Ruiz", "municipality": "cd obregon"})
    database.downgrade(ctx.engine, "0007")
    with ctx.engine.connect() as connection:
        assert "search_keys" not in sa.inspect(connection).get_table_names()
    database.upgrade(ctx.engine, "head")
    assert found(ctx, "mariana lopez") == [people["mariana"]]
    assert found(ctx, "mariana lopera") == [people["mariana"]]
    assert found(ctx, CURP) == [people["maria"]]
    with ctx.sessions() as session:  # filled by the later revision that added the municipality
        assert session.scalars(sa.select(SearchKey.municipality).where(
            SearchKey.document_id == people["mariana"], SearchKey.source == "decision")).one() == "Cajeme"


def test_the_reception_folio_finds_its_petition_and_is_not_taken_for_a_turno_folio(ctx, people):
    from storage import documents
    from storage.tables import Document

    turno = route(ctx, people["jose"])
    with ctx.sessions() as session:
        folios = {person: documents.reception_folio(session.get(Document, document_id))
                  for person, document_id in people.items()}
    for person, folio in folios.items():
        assert re.fullmatch(r"REC-\d{4}-\d{6}", folio), folio
        year, number = folio.split("-")[1:]
        for typed in (folio, folio.lower(), f"rec {year} {int(number)}"):
            assert found(ctx, typed) == [people[person]], typed
    # "REC-<year>-<n>" names document n, never the petition whose turno is number n
    year, number = folios["jose"].split("-")[1], int(re.fullmatch(r".*-0*(\d+)", turno.folio).group(1))
    assert found(ctx, f"REC-{year}-{number:06d}") == ([number] if number in people.values() else [])
