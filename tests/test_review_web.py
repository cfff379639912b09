"""Staff pages: login with CSRF, sessions that logout revokes, throttling, roles, the queue, a document, routing
from the form, stale versions, page images, and the access log."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF

from review.app import create_app
from storage import access
from storage.tables import Role
from tests.review_helpers import PASSWORD, document_in_review, make_user, version_of


@pytest.fixture
def client(ctx):
    with TestClient(create_app(ctx), follow_redirects=False) as c:
        yield c


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def log_in(client, name: str, password: str = PASSWORD):
    form = client.get("/login")
    return client.post("/login", data={"name": name, "password": password, "csrf": csrf_of(form.text), "next": "/cola"})


def page_pdf(ctx, document_id: int) -> None:
    pdf = FPDF(format="letter")
    pdf.add_page()
    pdf.set_font("helvetica", size=24)
    pdf.cell(text="Solicito una silla de ruedas")
    folder = ctx.settings.processed / str(document_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pagina-0001.pdf").write_bytes(bytes(pdf.output()))
    (folder / f"documento-{document_id}.pdf").write_bytes(bytes(pdf.output()))


def test_a_logged_out_browser_reaches_nothing(ctx, client):
    document_id = document_in_review(ctx)
    page_pdf(ctx, document_id)
    for url in ("/", "/cola", "/turnados", "/bitacora", f"/documentos/{document_id}",
                f"/documentos/{document_id}/paginas/1.png", f"/documentos/{document_id}/pdf",
                f"/documentos/{document_id}/volante"):
        answer = client.get(url)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), url
    answer = client.post(f"/documentos/{document_id}/confirmar", data={"program": "las_jefas", "version": "1"})
    assert answer.status_code == 401
    assert client.get("/api/v1/queue").status_code == 401


def test_login_needs_the_forms_csrf_token_and_logout_revokes_the_session(ctx, client):
    make_user(ctx, "ana", Role.revisor)
    client.get("/login")
    assert client.post("/login", data={"name": "ana", "password": PASSWORD, "csrf": "otro"}).status_code == 403
    assert log_in(client, "ana", "equivocada").status_code == 401
    answer = log_in(client, "ana")
    assert answer.status_code == 303 and answer.headers["location"] == "/cola"
    queue = client.get("/cola")
    assert queue.status_code == 200 and "Cola de revisión" in queue.text
    cookie = client.cookies.get("peticiones_sesion")
    assert client.post("/logout", data={"csrf": "falso"}).status_code == 403
    assert client.post("/logout", data={"csrf": csrf_of(queue.text)}).status_code == 303
    client.cookies.set("peticiones_sesion", cookie)  # the old cookie, replayed: the server revoked it
    assert client.get("/cola").status_code == 303
    with ctx.sessions() as session:
        actions = [e.action for e in access.entries(session, user_name="ana")]
    assert actions == ["logout", "view_queue", "login", "login_failed"]


def test_repeated_failed_logins_are_refused_for_a_while(ctx, client):
    make_user(ctx, "ana", Role.revisor)
    for _ in range(ctx.settings.login_max_failures):
        assert log_in(client, "ana", "equivocada").status_code == 401
    refused = log_in(client, "ana")
    assert refused.status_code == 429 and "Demasiados intentos" in refused.text


def test_forms_without_the_sessions_csrf_token_are_refused(ctx, client):
    make_user(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx)
    log_in(client, "ana")
    version = version_of(ctx, document_id)
    for token in (None, "inventado"):
        data = {"program": "las_jefas", "directorate": "programas_sociales", "version": str(version)}
        if token:
            data["csrf"] = token
        answer = client.post(f"/documentos/{document_id}/confirmar", data=data)
        assert answer.status_code == 403 and "El formulario caducó" in answer.text
    assert version_of(ctx, document_id) == version


def test_a_reviewer_corrects_the_program_confirms_and_sees_the_folio(ctx, client):
    make_user(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx, pdf=None)
    page_pdf(ctx, document_id)
    log_in(client, "ana")
    queue = client.get("/cola")
    assert f'href="/documentos/{document_id}"' in queue.text and "Ayudas sociales diversas" in queue.text
    page = client.get(f"/documentos/{document_id}")
    assert page.status_code == 200
    assert "Ayudas sociales diversas" in page.text and "91 %" in page.text
    assert 'title="sila (31)"' in page.text  # the low-confidence word is marked on the image
    assert 'value="María Peña Ávila"' in page.text
    answer = client.post(f"/documentos/{document_id}/confirmar", data={
        "csrf": csrf_of(page.text), "version": str(version_of(ctx, document_id)), "program": "las_jefas",
        "directorate": "programas_sociales", "instruction": "Atender y responder", "campo_name": "María Peña Ávila",
        "campo_subject": "Proyecto productivo", "note": ""})
    assert answer.status_code == 303
    routed = client.get(answer.headers["location"])
    folio = re.search(r"folio <strong>([^<]+)</strong>", routed.text).group(1)
    assert folio.startswith("SDS-DAGC-")
    assert (ctx.settings.outbox / "programas_sociales" / f"{folio}.pdf").is_file()
    assert (ctx.settings.outbox / "programas_sociales" / f"{folio}-volante.pdf").is_file()
    slip = client.get(f"/documentos/{document_id}/volante")
    assert slip.status_code == 200 and slip.content.startswith(b"%PDF")


def test_the_second_reviewer_is_told_the_document_changed(ctx, client):
    make_user(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx)
    log_in(client, "ana")
    page = client.get(f"/documentos/{document_id}")
    form = {"csrf": csrf_of(page.text), "version": str(version_of(ctx, document_id)), "program": "las_jefas",
            "directorate": "programas_sociales"}
    assert client.post(f"/documentos/{document_id}/confirmar", data=form).status_code == 303
    second = client.post(f"/documentos/{document_id}/confirmar", data=form)
    assert second.status_code == 409 and "Otra persona cambió este documento" in second.text
    assert second.text.count("SDS-DAGC-") == 1  # the one folio, shown; no second routing


def test_a_capturista_sees_the_document_but_cannot_confirm(ctx, client):
    make_user(ctx, "caro", Role.capturista)
    document_id = document_in_review(ctx, program=None)
    log_in(client, "caro")
    page = client.get(f"/documentos/{document_id}")
    assert page.status_code == 200 and "sin sugerencia confiable" in page.text
    assert "confirm-form" not in page.text
    answer = client.post(f"/documentos/{document_id}/confirmar", data={
        "csrf": csrf_of(page.text), "version": str(version_of(ctx, document_id)), "program": "las_jefas"})
    assert answer.status_code == 403 and "no permite" in answer.text


def test_page_images_and_pdfs_are_served_and_logged(ctx, client):
    make_user(ctx, "gina", Role.gerente)
    document_id = document_in_review(ctx)
    page_pdf(ctx, document_id)
    log_in(client, "gina")
    image = client.get(f"/documentos/{document_id}/paginas/1.png")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert client.get(f"/documentos/{document_id}/paginas/1.png").content == image.content  # cached
    assert client.get(f"/documentos/{document_id}/pdf").content.startswith(b"%PDF")
    assert client.get(f"/documentos/{document_id}/paginas/7.png").status_code == 404
    client.get(f"/documentos/{document_id}")
    with ctx.sessions() as session:
        actions = [(e.action, e.target) for e in access.entries(session, document_id=document_id)]
    assert actions[:4] == [("view_document", ""), ("download_pdf", f"documento-{document_id}.pdf"),
                           ("view_page_image", "página 1"), ("view_page_image", "página 1")]
    log = client.get(f"/bitacora?documento={document_id}")
    assert log.status_code == 200 and "view_page_image" in log.text


def test_a_typed_transcription_replaces_the_text_shown_and_clears_the_flag(ctx, client):
    make_user(ctx, "caro", Role.capturista)
    document_id = document_in_review(ctx, needs_transcription=True)
    log_in(client, "caro")
    queue = client.get("/cola?marca=needs_transcription")
    assert f'href="/documentos/{document_id}"' in queue.text
    page = client.get(f"/documentos/{document_id}")
    answer = client.post(f"/documentos/{document_id}/paginas/1/transcripcion",
                         data={"csrf": csrf_of(page.text), "text": "Pido una silla de ruedas. Juana Pérez"})
    assert answer.status_code == 303
    assert "Juana Pérez" in client.get(f"/documentos/{document_id}").text
    assert f'href="/documentos/{document_id}"' not in client.get("/cola?marca=needs_transcription").text


def test_an_enlace_lands_on_its_turnos(ctx, client):
    make_user(ctx, "enzo", Role.enlace, "programas_sociales")
    log_in(client, "enzo")
    assert client.get("/").headers["location"] == "/turnados"
    assert client.get("/cola").status_code == 403
    assert "Turnados a Dirección General de Programas Sociales" in client.get("/turnados").text


def test_a_phone_petition_is_captured_into_the_inbox_as_a_pdf_with_text(ctx, client):
    import subprocess

    make_user(ctx, "caro", Role.capturista)
    make_user(ctx, "gina", Role.gerente)
    log_in(client, "caro")
    form = client.get("/captura")
    assert form.status_code == 200
    answer = client.post("/captura", data={
        "csrf": csrf_of(form.text), "channel": "telefono",
        "text": "Llamó para pedir una despensa; su esposo perdió el trabajo y tienen tres hijos.",
        "campo_name": "Rosa Elena Valenzuela Ruiz", "campo_phone": "662 123 4567", "campo_municipality": "Cajeme"})
    assert answer.status_code == 303 and answer.headers["location"] == "/captura?hecho=1"
    [dropped] = list((ctx.settings.inbox / "telefono").iterdir())
    assert dropped.name.startswith("captura-") and dropped.suffix == ".pdf"
    text = subprocess.run(["pdftotext", str(dropped), "-"], capture_output=True, text=True, timeout=60).stdout
    assert "despensa" in text and "Nombre: Rosa Elena Valenzuela Ruiz" in text and "Municipio: Cajeme" in text
    short = client.post("/captura", data={"csrf": csrf_of(form.text), "channel": "telefono", "text": "hola"})
    assert short.status_code == 422
    client.cookies.clear()
    log_in(client, "gina")
    assert client.get("/captura").status_code == 403


def test_an_admin_adds_office_closures_that_deadlines_skip(ctx, client):
    import datetime as dt

    from review import calendar
    from storage import routing as turnos

    make_user(ctx, "root", Role.admin)
    make_user(ctx, "ana", Role.revisor)
    log_in(client, "ana")
    page = client.get("/cierres")
    assert page.status_code == 200 and "Día de la Independencia" in page.text
    assert client.post("/cierres", data={"csrf": csrf_of(page.text), "day": "2026-09-17", "reason": "x"}).status_code == 403
    client.cookies.clear()
    log_in(client, "root")
    page = client.get("/cierres")
    answer = client.post("/cierres", data={"csrf": csrf_of(page.text), "day": "2026-09-17", "reason": "Asueto estatal"})
    assert answer.status_code == 303
    with ctx.sessions() as session:
        closed = turnos.closures(session)
        assert [e.action for e in access.entries(session, user_name="root")][0] == "closure_added"
    assert calendar.add_business_days(dt.date(2026, 9, 15), 1, closed) == dt.date(2026, 9, 18)
    assert "Asueto estatal" in client.get("/cierres").text
