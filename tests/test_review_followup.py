"""After routing: the enlace of the responsible directorate records progress and the answer (concluding the
turno); a copy's enlace cannot; a reviewer returns a turno, which is routed again keeping the first record."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF
from sqlalchemy import select

from review.turnos import calendar, routing
from review.web.app import create_app
from storage import access
from storage.tables import Document, Event, Role, Routing, State, utcnow
from tests.review_helpers import actor, document_in_review, make_user, version_of
from tests.test_review_web import csrf_of, log_in


@pytest.fixture
def client(ctx):
    with TestClient(create_app(ctx), follow_redirects=False) as c:
        yield c


def routed(ctx, **kwargs) -> tuple[int, str]:
    document_id = document_in_review(ctx, **kwargs)
    result = routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id),
                             program="las_jefas", copies=["juridica"])
    return document_id, result.folio


def answer_pdf() -> bytes:
    """The same bytes at every call: FPDF stamps the creation time to the second, which made a comparison flaky."""
    pdf = FPDF(format="letter")
    pdf.set_creation_date(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text="Oficio de respuesta a la peticionaria")
    return bytes(pdf.output())


def test_the_responsible_enlace_records_progress_and_the_answer_and_concludes(ctx, client):
    make_user(ctx, "ana", Role.revisor)
    make_user(ctx, "enzo", Role.enlace, "programas_sociales")
    make_user(ctx, "julia", Role.enlace, "juridica")
    make_user(ctx, "otto", Role.enlace, "infraestructura_social")
    document_id, folio = routed(ctx)
    late_id, late_folio = routed(ctx, received_at=dt.datetime(2025, 1, 6, 18, tzinfo=dt.timezone.utc))

    log_in(client, "julia")  # a copy (c.c.p.): reads it, records nothing
    page = client.get(f"/documentos/{document_id}")
    assert page.status_code == 200 and 'id="progress-form"' not in page.text
    assert client.post(f"/documentos/{document_id}/avance", data={"csrf": csrf_of(page.text), "text": "x"}).status_code == 403
    client.cookies.clear()
    log_in(client, "otto")  # another directorate: the document does not exist for it
    assert client.get(f"/documentos/{document_id}").status_code == 404
    client.cookies.clear()

    log_in(client, "enzo")
    turnados = client.get("/turnados").text
    assert folio in turnados and f'<tr class="vencido" data-href="/documentos/{late_id}">' in turnados
    page = client.get(f"/documentos/{document_id}")
    assert 'id="progress-form"' in page.text and 'id="answer-form"' in page.text and 'id="return-form"' not in page.text
    assert '<span class="user">enzo · Enlace de dirección · Dirección General de Programas Sociales</span>' in page.text
    csrf = csrf_of(page.text)
    assert client.post(f"/documentos/{document_id}/avance",
                       data={"csrf": csrf, "text": "Se visitó a la peticionaria."}).status_code == 303
    today = calendar.local_date(utcnow(), ctx.settings.timezone).isoformat()  # the office's day, not the machine's
    refused = client.post(f"/documentos/{document_id}/respuesta",
                          data={"csrf": csrf, "version": version_of(ctx, document_id), "answered_on": today,
                                "text": "Se le incorporó al programa."},
                          files={"file": ("respuesta.pdf", b"no soy un pdf", "application/pdf")})
    assert refused.status_code == 422 and "debe ser un PDF" in refused.text
    answer = client.post(f"/documentos/{document_id}/respuesta",
                         data={"csrf": csrf, "version": version_of(ctx, document_id), "answered_on": today,
                               "text": "Se le incorporó al programa Las Jefas."},
                         files={"file": ("respuesta.pdf", answer_pdf(), "application/pdf")})
    assert answer.status_code == 303
    with ctx.sessions() as session:
        document = session.get(Document, document_id)
        assert document.state == State.concluded and document.reason_code == "answered"
        assert session.scalar(select(Routing).where(Routing.document_id == document_id)).concluded_at is not None
        kinds = list(session.scalars(select(Event.kind).where(Event.document_id == document_id).order_by(Event.id)))
        assert kinds[-3:] == ["progress_note", "state_changed", "answered"]
    stored = list((ctx.settings.processed / str(document_id)).glob("respuesta-*.pdf"))
    assert len(stored) == 1 and stored[0].read_bytes() == answer_pdf()
    page = client.get(f"/documentos/{document_id}").text
    assert "Se visitó a la peticionaria." in page and "Respuesta al ciudadano" in page
    link = page.split('href="/documentos/%d/respuestas/' % document_id)[1].split('"')[0]
    download = client.get(f"/documentos/{document_id}/respuestas/{link}")
    assert download.status_code == 200 and download.content == answer_pdf()
    assert folio not in client.get("/turnados").text and late_folio in client.get("/turnados").text
    with ctx.sessions() as session:
        actions = [e.action for e in access.entries(session, document_id=document_id, user_name="enzo")]
    assert {"follow_up", "answer", "download_answer"} <= set(actions)


def test_a_returned_turno_goes_back_to_review_and_is_routed_again(ctx, client):
    make_user(ctx, "ana", Role.revisor)
    make_user(ctx, "enzo", Role.enlace, "programas_sociales")
    document_id, folio = routed(ctx)
    log_in(client, "ana")
    page = client.get(f"/documentos/{document_id}")
    csrf, seen = csrf_of(page.text), version_of(ctx, document_id)
    assert 'id="return-form"' in page.text
    assert client.post(f"/documentos/{document_id}/devolver",
                       data={"csrf": csrf, "version": seen - 1, "note": "No es nuestro"}).status_code == 409
    assert client.post(f"/documentos/{document_id}/devolver",
                       data={"csrf": csrf, "version": seen, "note": "Corresponde a infraestructura"}).status_code == 303
    with ctx.sessions() as session:
        assert session.get(Document, document_id).state == State.review
    assert f'href="/documentos/{document_id}"' in client.get("/cola").text
    again = routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id),
                            program=None, directorate="infraestructura_social")
    with ctx.sessions() as session:
        rows = list(session.scalars(select(Routing).where(Routing.document_id == document_id).order_by(Routing.round)))
    assert [(r.round, r.folio, r.directorate, r.returned_at is not None) for r in rows] == [
        (1, folio, "programas_sociales", True), (2, again.folio, "infraestructura_social", False)]
    assert rows[0].return_note == "Corresponde a infraestructura"
    page = client.get(f"/documentos/{document_id}").text
    assert "Devuelto" in page and folio in page and again.folio in page
    turnados = client.get("/turnados").text
    assert again.folio in turnados and folio not in turnados
    client.cookies.clear()
    log_in(client, "enzo")  # the first directorate no longer sees it
    assert client.get(f"/documentos/{document_id}").status_code == 404
    assert again.folio not in client.get("/turnados").text


def test_the_answer_letter_is_made_from_the_text_to_the_confirmed_petitioner(ctx, client):
    import subprocess

    from storage.tables import FollowUp

    make_user(ctx, "ana", Role.revisor)
    make_user(ctx, "enzo", Role.enlace, "programas_sociales")
    document_id = document_in_review(ctx, received_at=dt.datetime(2026, 3, 2, 17, tzinfo=dt.timezone.utc))
    folio = routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id),
                            program="las_jefas", fields={"name": "María Peña Ávila", "locality": "Centro",
                                                         "municipality": "Hermosillo"}).folio
    log_in(client, "enzo")
    page = client.get(f"/documentos/{document_id}").text
    form = {"csrf": csrf_of(page), "version": str(version_of(ctx, document_id)), "answered_on": "2026-03-09",
            "text": "Se le incorporó al padrón de Las Jefas.\nAcuda por su apoyo el lunes.", "oficio": "1"}
    both = client.post(f"/documentos/{document_id}/respuesta", data=form,
                       files={"file": ("r.pdf", answer_pdf(), "application/pdf")})
    assert both.status_code == 422 and "no ambos" in both.text
    assert client.post(f"/documentos/{document_id}/respuesta", data=form).status_code == 303
    with ctx.sessions() as session:
        stored = session.scalars(select(FollowUp.file_path).where(FollowUp.document_id == document_id)).one()
    letter = subprocess.run(["pdftotext", "-layout", str(ctx.settings.home / stored), "-"], capture_output=True,
                            text=True, timeout=60).stdout
    for expected in (f"Folio: {folio}", "Hermosillo, Sonora, a 9 de marzo de 2026", "C. María Peña Ávila",
                     "Centro, Hermosillo", "recibida el 2 de marzo de 2026", "padrón de Las Jefas",
                     "Acuda por su apoyo el lunes.", "Atentamente", "Dirección General de Programas Sociales"):
        assert expected in letter, expected
    with ctx.sessions() as session:
        assert session.get(Document, document_id).state == State.concluded


def test_the_api_makes_the_answer_letter_too(ctx):
    from storage.tables import FollowUp
    from tests.test_review_api import bearer

    make_user(ctx, "ana", Role.revisor)
    document_id, folio = routed(ctx)
    api = TestClient(create_app(ctx))
    answer = api.post(f"/api/v1/documents/{document_id}/answer", headers=bearer(ctx, "enzo", Role.enlace,
                                                                                 "programas_sociales"),
                      json={"version": version_of(ctx, document_id), "answered_on": "2026-03-09",
                            "text": "Se entregó el apoyo.", "letter": True})
    assert answer.status_code == 200 and answer.json()["state"] == "concluded"
    with ctx.sessions() as session:
        stored = session.scalars(select(FollowUp.file_path).where(FollowUp.document_id == document_id)).one()
    assert stored and (ctx.settings.home / stored).read_bytes().startswith(b"%PDF-") and folio in stored
