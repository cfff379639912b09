"""The document page as reviewers and enlaces read it (issue 16): a concluded petition says so instead of the green
«Turnado» banner, and the answer form sits in the page's flow, not cut by a scroll box."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from review.turnos import followup, routing
from review.web.app import create_app
from storage.tables import Role
from tests.review_helpers import actor, document_in_review, make_user, version_of
from tests.test_review_web import log_in


@pytest.fixture
def client(ctx):
    make_user(ctx, "rita", Role.revisor)
    with TestClient(create_app(ctx), follow_redirects=False) as c:
        log_in(c, "rita")
        yield c


def routed(ctx) -> int:
    document_id = document_in_review(ctx, program="las_jefas")
    routing.confirm(ctx, actor(ctx, "rita"), document_id, version=version_of(ctx, document_id), program="las_jefas",
                    fields={"name": "María Peña Ávila"})
    return document_id


def banner(html: str, id_: str) -> str:
    return html.split(f'id="{id_}">')[1].split("</p>")[0]


def test_a_concluded_petition_says_it_is_concluded_not_turnado(ctx, client):
    document_id = routed(ctx)
    shown = client.get(f"/documentos/{document_id}").text
    assert "Turnado con folio" in banner(shown, "folio") and 'id="concluido"' not in shown
    followup.answer(ctx, actor(ctx, "rita"), document_id, version=version_of(ctx, document_id),
                    answered_on=dt.date(2026, 1, 6), text="Se entregó el apoyo.")
    shown = client.get(f"/documentos/{document_id}").text
    assert 'id="folio"' not in shown and 'class="routed"' not in shown  # the history still tells it
    said = banner(shown, "concluido")
    assert "Petición concluida" in said and "Respondido al ciudadano el 06/01/2026" in said
    assert "SDS-DAGC-" in said and 'class="concluded"' in shown


def test_a_dismissed_letter_says_concluded_without_a_folio(ctx, client):
    document_id = document_in_review(ctx)
    routing.dismiss(ctx, actor(ctx, "rita"), document_id, version=version_of(ctx, document_id), note="Publicidad")
    said = banner(client.get(f"/documentos/{document_id}").text, "concluido")
    assert "Petición concluida" in said and "folio" not in said


def test_a_page_image_comes_at_full_resolution_on_demand(ctx, client):
    import io

    from PIL import Image

    from tests.test_review_web import page_pdf

    document_id = document_in_review(ctx)
    page_pdf(ctx, document_id)
    normal = client.get(f"/documentos/{document_id}/paginas/1.png")
    full = client.get(f"/documentos/{document_id}/paginas/1.png", params={"resolucion": "alta"})
    assert normal.status_code == full.status_code == 200 and full.headers["content-type"] == "image/png"
    small, large = Image.open(io.BytesIO(normal.content)).size, Image.open(io.BytesIO(full.content)).size
    assert small[0] == round(8.5 * ctx.settings.page_image_dpi) and large[0] == round(8.5 * 300)  # a letter page
    assert large[1] / large[0] == pytest.approx(small[1] / small[0], rel=0.01)
    refused = client.get(f"/documentos/{document_id}/paginas/1.png", params={"resolucion": "máxima"})
    assert refused.status_code == 422 and "La resolución de la imagen sólo puede ser «alta»" in refused.text
    shown = client.get(f"/documentos/{document_id}").text
    assert f'data-full="/documentos/{document_id}/paginas/1.png?resolucion=alta"' in shown


def test_the_first_page_image_is_asked_for_at_once_and_each_holds_its_place(ctx, client):
    # the image is rendered on its first request: without its size the frame stood empty, then the page jumped
    from storage.tables import Page

    document_id = document_in_review(ctx)  # page 1: 1000 x 1400
    with ctx.sessions.begin() as session:
        session.add(Page(document_id=document_id, number=2, text="Anexo.", confidence=80.0, width=1000, height=700,
                         words=[]))
    shown = client.get(f"/documentos/{document_id}").text
    first = shown.split(f'/documentos/{document_id}/paginas/1.png" alt')[1].split(">")[0]
    second = shown.split(f'/documentos/{document_id}/paginas/2.png" alt')[1].split(">")[0]
    assert 'width="1000" height="1400"' in first and 'loading="eager"' in first
    assert 'width="1000" height="700"' in second and 'loading="lazy"' in second


def test_the_fields_a_valid_curp_gives_are_labelled_in_spanish(ctx, client):
    document_id = document_in_review(ctx, fields={
        "name": {"value": "Julieta Salazar Ruiz", "score": 0.94},
        "curp": {"value": "SARJ010828MCHLZLA8", "score": 0.97, "valid": True},
        "birth_date": {"value": "2001-08-28", "score": 0.95, "source": "curp"},
        "sex": {"value": "mujer", "score": 0.95, "source": "curp"}})
    shown = client.get(f"/documentos/{document_id}").text
    assert "Fecha de nacimiento" in shown and "Sexo" in shown
    assert ">birth_date" not in shown and ">sex" not in shown        # never a field's key as its label
