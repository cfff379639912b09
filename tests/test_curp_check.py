"""The CURP a reviewer routes (issue 16): one that is not valid is routed only with a second confirmation, refused
on the server without it (page and API); what a valid one says of its holder is compared with what the letter says
of its writer, and a mismatch is shown."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from classifiers import curp, stated
from review import auth
from review.turnos import curp_check
from review.web.app import create_app
from storage.tables import Document, Event, Role, State
from tests.review_helpers import document_in_review, make_user, version_of
from tests.test_review_web import csrf_of, log_in

MARIA = "PEAM850101MSRXVR08"   # valid: a woman born 01/01/1985 in Sonora
BROKEN = "PEAM850101MSRXVR09"  # the same with a wrong check digit
LETTER = ("Hermosillo, Sonora, a 3 de marzo de 2026.\nLa suscrita María Peña Ávila, originaria de Hermosillo, nací el "
          "1 de enero de 1985 y tengo 41 años; solicito una silla de ruedas.")
OTHER = ("Cajeme, Sonora, a 3 de marzo de 2026.\nEl suscrito Mario Peña Ávila, originario de Culiacán, Sinaloa, de "
         "60 años de edad, con fecha de nacimiento 2 de febrero de 1966, solicito una silla de ruedas.")


def test_a_letter_states_birth_date_age_sex_and_state_only_when_it_says_them():
    assert stated.from_letter(LETTER) == {"birth_date": dt.date(1985, 1, 1), "age": 41, "sex": "mujer",
                                          "state": "SR"}
    assert stated.from_letter(OTHER) == {"birth_date": dt.date(1966, 2, 2), "age": 60, "sex": "hombre",
                                         "state": "SL"}
    assert stated.from_letter("Solicito una silla de ruedas. Con 3 hijos, vivo en la calle 5 de mayo.") == {}
    # Two different statements are no statement.
    assert "sex" not in stated.from_letter("La suscrita y el suscrito solicitamos apoyo.")
    assert stated.from_curp(MARIA) == {"birth_date": dt.date(1985, 1, 1), "sex": "mujer", "state": "SR"}


def test_the_curp_is_compared_with_the_letter():
    assert curp.problem(MARIA) == "" and curp.problem(BROKEN) == "dígito verificador incorrecto"
    assert curp.problem("PEAM85") == "longitud incorrecta"
    same = curp_check.check(MARIA, LETTER, dt.date(2026, 3, 3))
    assert same.problem == "" and same.mismatches == ()
    differs = curp_check.check(MARIA, OTHER, dt.date(2026, 3, 3))
    assert differs.mismatches == (
        "La CURP dice que nació el 01/01/1985; la carta, el 02/02/1966.",
        "Según la CURP tendría 41 años; la carta dice 60.",
        "La CURP es de una mujer; la carta la escribe un hombre.",
        "La CURP dice que nació en Sonora; la carta, en Sinaloa.")
    assert curp_check.check(BROKEN, OTHER, dt.date(2026, 3, 3)).problem == "dígito verificador incorrecto"
    assert curp_check.check(" ", LETTER, dt.date(2026, 3, 3)) is None


@pytest.fixture
def client(ctx):
    make_user(ctx, "rita", Role.revisor)
    with TestClient(create_app(ctx), follow_redirects=False) as c:
        log_in(c, "rita")
        yield c


def decision(ctx, document_id: int, page: str, **extra) -> dict:
    return {"csrf": csrf_of(page), "version": str(version_of(ctx, document_id)), "program": "las_jefas",
            "directorate": "programas_sociales", "campo_name": "María Peña Ávila", "campo_curp": BROKEN, **extra}


def state_of(ctx, document_id: int) -> State:
    with ctx.sessions() as session:
        return session.get(Document, document_id).state


def test_an_invalid_curp_is_routed_only_with_the_second_confirmation(ctx, client):
    document_id = document_in_review(ctx, text=LETTER, fields={
        "name": {"value": "María Peña Ávila", "score": 0.9}, "curp": {"value": BROKEN, "score": 0.4, "valid": False}})
    page = client.get(f"/documentos/{document_id}").text
    warning = page.split('id="curp-warning"')[1].split("</p>")[0]
    assert f"La CURP {BROKEN} no es válida: dígito verificador incorrecto" in warning
    assert 'name="curp_no_valida"' in warning

    refused = client.post(f"/documentos/{document_id}/confirmar",
                          data=decision(ctx, document_id, page, campo_phone="662 213 9087"))
    assert refused.status_code == 422 and state_of(ctx, document_id) == State.review
    assert f"La CURP {BROKEN} no es válida (dígito verificador incorrecto)" in refused.text
    assert "marque «Turnar con esta CURP no válida»" in refused.text
    assert 'value="662 213 9087"' in refused.text  # what the reviewer typed is still in the form

    routed = client.post(f"/documentos/{document_id}/confirmar",
                         data=decision(ctx, document_id, page, curp_no_valida="1"))
    assert routed.status_code == 303 and state_of(ctx, document_id) == State.routed
    with ctx.sessions() as session:
        event = session.scalars(select(Event).where(Event.document_id == document_id, Event.kind == "routed")).one()
    assert event.detail["invalid_curp"] is True


def test_a_corrected_curp_routes_without_a_second_confirmation_and_a_mismatch_is_shown(ctx, client):
    document_id = document_in_review(ctx, text=OTHER, fields={
        "name": {"value": "Mario Peña Ávila", "score": 0.9}, "curp": {"value": BROKEN, "score": 0.4, "valid": False}})
    page = client.get(f"/documentos/{document_id}").text
    corrected = client.post(f"/documentos/{document_id}/confirmar", data=decision(ctx, document_id, page, campo_curp=MARIA))
    assert corrected.status_code == 303 and state_of(ctx, document_id) == State.routed

    shown = document_in_review(ctx, text=OTHER, fields={"curp": {"value": MARIA, "score": 0.9, "valid": True}})
    page = client.get(f"/documentos/{shown}").text
    assert 'id="curp-warning"' not in page
    mismatch = page.split('id="curp-mismatch"')[1].split("</div>")[0]
    assert "La CURP es de una mujer; la carta la escribe un hombre." in mismatch
    assert "La CURP dice que nació en Sonora; la carta, en Sinaloa." in mismatch


def test_the_api_refuses_an_invalid_curp_without_its_confirmation(ctx):
    make_user(ctx, "rita", Role.revisor)
    document_id = document_in_review(ctx)
    headers = {"Authorization": f"Bearer {auth.new_api_token(ctx, 'rita')}"}
    body = {"program": "las_jefas", "version": version_of(ctx, document_id), "fields": {"curp": BROKEN}}
    with TestClient(create_app(ctx)) as api:
        refused = api.post(f"/api/v1/documents/{document_id}/decision", headers=headers, json=body)
        assert refused.status_code == 422 and refused.json()["detail"]["code"] == "invalid_curp"
        assert state_of(ctx, document_id) == State.review
        done = api.post(f"/api/v1/documents/{document_id}/decision", headers=headers,
                        json={**body, "confirm_invalid_curp": True})
        assert done.status_code == 200 and state_of(ctx, document_id) == State.routed
