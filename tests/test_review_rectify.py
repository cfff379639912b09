"""Rectificación: a reviewer corrects the petitioner data of a routed or concluded petition (a citizen's ARCO
right); the turno, folio and delivered slip stay; the correction is in the history and the access log, the search
finds the corrected name, and a returned turno's form starts from the confirmed data."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from review.errors import Forbidden, InvalidInput, NotReviewable, StaleVersion
from review.turnos import followup, routing
from review.web.app import create_app
from storage import access, decisions
from storage import routing as turnos
from storage.tables import Role
from tests.review_helpers import actor, document_in_review, make_user, version_of
from tests.test_review_api import bearer
from tests.test_review_search import found
from tests.test_review_web import csrf_of, log_in

# As stored (phones in E.164, as the extraction stores them); the forms show "662 213 9087".
CONFIRMED = {"name": "María Peña Ávila", "phone": "+526622139087", "municipality": "Hermosillo"}
CORRECTED = {"name": "María Peña Dávila", "phone": "+526622139088", "municipality": "Hermosillo"}


@pytest.fixture
def routed(ctx) -> int:
    make_user(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx)
    routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id), program="las_jefas",
                    fields=CONFIRMED)
    return document_id


def rectify(ctx, document_id: int, fields: dict, note: str = "Solicitud de rectificación del 25/11/2026",
            who: str = "ana", version: int | None = None) -> None:
    routing.rectify(ctx, actor(ctx, who), document_id, version=version or version_of(ctx, document_id),
                    fields=fields, note=note)


def test_a_correction_replaces_the_confirmed_data_and_leaves_the_turno_as_it_was(ctx, routed):
    with ctx.sessions() as session:
        turno = turnos.current(session, routed)
        folio, slip = turno.folio, routing.slip_file(ctx, turno).read_bytes()
    version = version_of(ctx, routed)
    rectify(ctx, routed, CORRECTED)
    with ctx.sessions() as session:
        assert decisions.confirmed_fields(session, routed) == CORRECTED
        assert turnos.current(session, routed).folio == folio
        [entry] = [e for e in access.entries(session, document_id=routed) if e.action == "rectify"]
    assert entry.target == "name, phone" and entry.user_name == "ana"
    assert routing.slip_file(ctx, turno).read_bytes() == slip  # the delivered slip is a record: not rewritten
    assert version_of(ctx, routed) == version + 1
    assert found(ctx, "maria pena davila") == [routed]
    assert found(ctx, "6622139088") == [routed] and found(ctx, "6622139087") == []  # the old confirmed phone is gone
    assert found(ctx, "maria pena avila") == [routed]  # the machine's reading still finds it


def test_a_concluded_petition_can_be_corrected_too(ctx, routed):
    followup.answer(ctx, actor(ctx, "ana"), routed, version=version_of(ctx, routed),
                    answered_on=dt.date(2025, 1, 2), text="Se entregó.")
    rectify(ctx, routed, CORRECTED)
    with ctx.sessions() as session:
        assert decisions.confirmed_fields(session, routed)["name"] == "María Peña Dávila"


def test_refusals_change_nothing(ctx, routed):
    make_user(ctx, "gina", Role.gerente)
    make_user(ctx, "enzo", Role.enlace, "programas_sociales")
    make_user(ctx, "caro", Role.capturista)
    with pytest.raises(InvalidInput, match="empty"):
        rectify(ctx, routed, CORRECTED, note="  ")
    with pytest.raises(InvalidInput) as same:
        rectify(ctx, routed, dict(CONFIRMED))
    assert "no hay nada que corregir" in same.value.user_message
    with pytest.raises(StaleVersion):
        rectify(ctx, routed, CORRECTED, version=version_of(ctx, routed) - 1)
    for who in ("gina", "enzo", "caro"):
        with pytest.raises(Forbidden):
            rectify(ctx, routed, CORRECTED, who=who)
    in_review = document_in_review(ctx)
    with pytest.raises(NotReviewable):
        rectify(ctx, in_review, CORRECTED)
    with ctx.sessions() as session:
        assert decisions.confirmed_fields(session, routed) == CONFIRMED
        assert decisions.confirmed_fields(session, in_review) is None


def test_the_document_page_offers_the_form_to_a_reviewer_and_shows_the_correction(ctx, routed):
    make_user(ctx, "gina", Role.gerente)
    client = TestClient(create_app(ctx), follow_redirects=False)
    log_in(client, "gina")
    assert 'id="rectify"' not in client.get(f"/documentos/{routed}").text
    log_in(client, "ana")
    page = client.get(f"/documentos/{routed}").text
    assert 'id="rectify"' in page and 'value="María Peña Ávila"' in page
    form = {"csrf": csrf_of(page), "version": str(version_of(ctx, routed)), "note": "Lo pidió el ciudadano",
            **{f"campo_{k}": v for k, v in CORRECTED.items()}}
    answer = client.post(f"/documentos/{routed}/rectificar", data=form)
    assert answer.status_code == 303 and answer.headers["location"] == f"/documentos/{routed}#petitioner"
    page = client.get(f"/documentos/{routed}").text
    shown = page[page.index('id="petitioner"'):page.index('id="rectify"')]
    assert "María Peña Dávila" in shown and "662 213 9088" in shown
    assert "Datos del peticionario corregidos (rectificación)" in page  # the history says so
    again = client.post(f"/documentos/{routed}/rectificar", data=form)  # the version it saw is gone
    assert again.status_code == 409


def test_the_api_corrects_with_the_same_rules(ctx, routed):
    client = TestClient(create_app(ctx))
    url = f"/api/v1/documents/{routed}/petitioner"
    body = {"version": version_of(ctx, routed), "fields": CORRECTED, "note": "Solicitud ARCO"}
    assert client.post(url, headers=bearer(ctx, "gina", Role.gerente), json=body).status_code == 403
    answer = client.post(url, headers=bearer(ctx, "rita", Role.revisor), json=body)
    assert answer.status_code == 200
    assert answer.json() == {"id": routed, "state": "routed", "version": body["version"] + 1}
    assert client.get(f"/api/v1/documents/{routed}", headers=bearer(ctx, "rita2", Role.revisor)).json()[
        "petitioner"] == CORRECTED


def test_a_returned_turno_is_routed_again_from_the_confirmed_data_not_the_machines(ctx, routed):
    rectify(ctx, routed, CORRECTED)
    followup.return_turno(ctx, actor(ctx, "ana"), routed, version=version_of(ctx, routed), note="Otra dirección.")
    client = TestClient(create_app(ctx))
    log_in(client, "ana")
    form = client.get(f"/documentos/{routed}").text
    form = form[form.index('id="confirm-form"'):]
    assert 'name="campo_name" value="María Peña Dávila"' in form


def test_the_spreadsheet_of_turnos_shows_the_corrected_petitioner(ctx, routed):
    make_user(ctx, "gina", Role.gerente)
    rectify(ctx, routed, CORRECTED)
    client = TestClient(create_app(ctx))
    log_in(client, "gina")
    sheet = client.get("/turnados/exportar.csv").text
    assert "María Peña Dávila" in sheet and "María Peña Ávila" not in sheet


def test_fields_read_as_staff_write_them_stored_as_the_machine_does_and_a_retyped_phone_is_no_change(ctx):
    make_user(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx, fields={"name": {"value": "Rosa Ruiz"}, "phone": {"value": "+526622139087"},
                                                  "letter_date": {"value": "2026-11-03"}})
    client = TestClient(create_app(ctx))
    log_in(client, "ana")
    form = client.get(f"/documentos/{document_id}").text
    assert 'name="campo_phone" value="662 213 9087"' in form and 'name="campo_letter_date" value="03/11/2026"' in form
    routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id), program="las_jefas",
                    fields={"name": "Rosa Ruiz", "phone": "662 213 9087", "letter_date": "03/11/2026"})
    with ctx.sessions() as session:  # stored as the machine stores them, whatever the form showed
        assert decisions.confirmed_fields(session, document_id) == {
            "name": "Rosa Ruiz", "phone": "+526622139087", "letter_date": "2026-11-03"}
    page = client.get(f"/documentos/{document_id}").text
    shown = page[page.index('id="petitioner"'):page.index('id="rectify"')]
    assert "662 213 9087" in shown and "03/11/2026" in shown and "2026-11-03" not in shown
    with pytest.raises(InvalidInput) as same:
        rectify(ctx, document_id, {"name": "Rosa Ruiz", "phone": "(662) 213-9087", "letter_date": "03/11/2026"})
    assert "no hay nada que corregir" in same.value.user_message
