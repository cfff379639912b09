"""Staff pages: login with CSRF, sessions that logout revokes, throttling, roles, the queue, a document, routing
from the form, stale versions, page images, and the access log."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF

from review.web.app import create_app
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


def test_a_download_not_there_yet_says_so_and_is_not_logged_as_seen(ctx, client):
    make_user(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx, pdf=None)
    log_in(client, "ana")
    for path, says in (("volante", "no tiene volante de turno todavía"), ("pdf", "no está disponible")):
        missing = client.get(f"/documentos/{document_id}/{path}")
        assert missing.status_code == 404 and says in missing.text
    with ctx.sessions() as session:
        actions = {e.action for e in access.entries(session, document_id=document_id)}
    assert not actions & {"download_pdf", "download_slip"}


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
    # The one folio (in the banner, the decision and the history); no second routing.
    assert len(set(re.findall(r"SDS-DAGC-\d{4}-\d{6}", second.text))) == 1


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
    assert log.status_code == 200 and ">Vio la imagen de una página</td>" in log.text  # in Spanish, on the office's clock


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

    from review.turnos import calendar
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
    listed = client.get("/cierres").text
    assert "<td>17/09/2026</td><td>Asueto estatal</td>" in listed  # dd/mm/aaaa for staff
    assert 'action="/cierres/2026-09-17/quitar"' in listed  # the URL keeps ISO


# What staff read: Spanish names for states, channels, history and machine actors; the decision after routing ---


def _suggest(ctx, document_id: int, program: str, directorate: str, score: float, alternatives=()) -> None:
    from classifiers.suggestion import Suggestion
    from storage import documents

    with ctx.sessions.begin() as session:
        documents.save_suggestions(session, document_id, [
            Suggestion("program", program, score, tuple(alternatives), "test-2"),
            Suggestion("directorate", directorate, score, (), "test-2")], "vm:23832")


def test_states_channels_and_history_are_shown_in_spanish_and_the_machine_is_sistema(ctx, client):
    from storage import events

    make_user(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx, channel="telefono")
    with ctx.sessions.begin() as session:
        events.record(session, "claimed", "vm:23832", document_id, interrupted_stage_runs=0)
    log_in(client, "ana")
    queue = client.get("/cola").text
    assert '<td data-label="Medio">Teléfono</td>' in queue and "Teléfono (1)" in queue and ">telefono</td>" not in queue
    page = client.get(f"/documentos/{document_id}").text
    head = page.split("<h1>")[1].split("</h1>")[0]
    assert "Teléfono" in head and "en revisión" in head and "review" not in head
    history = page.split('<ol class="history">')[1].split("</ol>")[0]
    assert "Recibido por la carpeta de entrada" in history and "Leído y clasificado" in history
    assert "Pasó a «en revisión»" in history and "· sistema</li>" in history
    for code in ("document_received", "state_changed", "claimed", "suggested", "vm:23832"):
        assert code not in history, code
    assert client.get(f"/api/v1/documents/{document_id}").status_code == 401  # the API (token) keeps the codes


def test_labels_for_actors_bands_and_events():
    from review import labels

    assert [labels.actor(a) for a in ("vm:23832", "watcher", "review", "ana", None)] == \
        ["sistema", "sistema", "sistema", "ana", "sistema"]
    assert [labels.band(s) for s in (1.0, 0.95, 0.9, 0.8, 0.62, 0.49, 0.0)] == \
        ["muy alta", "muy alta", "alta", "alta", "media", "baja", "baja"]
    delivered = {"kind": "delivered", "detail": {"directorates": ["juridica", "x"]}}
    assert labels.event(delivered, {"juridica": "Unidad Jurídica"}) == "Entregado a salida/ (Unidad Jurídica, x)"
    assert labels.state("quarantined") == "en cuarentena" and labels.channel("redes") == "Redes sociales"


def test_the_directorate_starts_as_the_programs_own_and_copies_are_collapsed_without_it(ctx, client):
    from classifiers.catalogue import load_default

    make_user(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx)
    # The directorate model disagrees with the program the program model chose: the catalogue decides.
    _suggest(ctx, document_id, "las_jefas", "infraestructura_social", 0.88)
    own = load_default().directorate_of("las_jefas")
    assert own != "infraestructura_social"
    log_in(client, "ana")
    page = client.get(f"/documentos/{document_id}").text
    chosen = re.search(r'<select name="directorate" id="directorate">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="([^"]+)" selected>', chosen) == [own]
    assert 'id="directorate-warning" role="alert" hidden' in page  # app.js shows it on a disagreeing choice
    copies = page.split('<details class="copies" id="copies">')[1].split("</details>")[0]
    assert f'<label data-code="{own}" hidden>' in copies and copies.count("<label") == copies.count('name="copies"')


def test_alternatives_below_one_percent_are_hidden_and_scores_have_bands(ctx, client):
    make_user(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx)
    _suggest(ctx, document_id, "ayudas_sociales_diversas", "atencion_ciudadana", 0.998,
             [("mano_con_mano", 0.004), ("las_jefas", 0.03)])
    log_in(client, "ana")
    page = client.get(f"/documentos/{document_id}").text
    suggestion = page.split('id="suggestion"')[1].split("</p>")[0]
    assert "100 % · muy alta" in suggestion
    alternatives = page.split('class="alternatives"')[1].split("</p>")[0]
    assert "Las Jefas" in alternatives and "3 % · baja" in alternatives and "Mano con Mano" not in alternatives
    assert "(0 %)" not in page
    assert "100 % · muy alta" in client.get("/cola").text


def test_after_routing_the_page_shows_the_decision_and_the_suggestion_as_history(ctx, client):
    make_user(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx)
    page_pdf(ctx, document_id)
    log_in(client, "ana")
    page = client.get(f"/documentos/{document_id}")
    answer = client.post(f"/documentos/{document_id}/confirmar", data={
        "csrf": csrf_of(page.text), "version": str(version_of(ctx, document_id)), "program": "las_jefas",
        "directorate": "programas_sociales", "copies": ["juridica", "programas_sociales"],
        "instruction": "Para conocimiento"})
    assert answer.status_code == 303
    shown = client.get(f"/documentos/{document_id}").text
    banner = shown.split('id="folio">')[1].split("</p>")[0]
    assert "Las Jefas" in banner and "Dirección General de Programas Sociales" in banner
    decision = shown.split('id="decision">')[1].split("</section>")[0]
    for text in ("Las Jefas", "Dirección General de Programas Sociales", "Unidad Jurídica", "Para conocimiento",
                 "SDS-DAGC-", "días hábiles", "ana, "):
        assert text in decision, text
    assert "Sugerencia de la máquina (antes de la decisión)" in shown and "<h2>Sugerencia" not in shown
    assert "estado routed" not in shown and "· turnado</small>" in shown
    turnados = client.get("/turnados").text
    assert "c.c.p. Unidad Jurídica" in turnados and "juridica" not in turnados.split("<tbody>")[1]


def test_an_overdue_turno_says_how_many_business_days_ago_instead_of_a_negative_number(ctx, client):
    import datetime as dt

    make_user(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx, received_at=dt.datetime(2026, 1, 5, 17, tzinfo=dt.timezone.utc))
    log_in(client, "ana")
    page = client.get(f"/documentos/{document_id}")
    client.post(f"/documentos/{document_id}/confirmar", data={
        "csrf": csrf_of(page.text), "version": str(version_of(ctx, document_id)), "program": "las_jefas"})
    row = client.get("/turnados").text.split("<tbody>")[1]
    assert "vencido hace " in row and not re.search(r"<td[^>]*>-", row)
    assert re.search(r"<td[^>]*>\d\d/\d\d/2026</td>", row) and not re.search(r"\d{4}-\d\d-\d\d", row)


def test_headers_and_key_hints_say_only_what_applies(ctx, client):
    make_user(ctx, "luis", Role.enlace, "programas_sociales")
    log_in(client, "luis")
    header = re.search(r'<span class="user">(.*?)</span>', client.get("/turnados").text).group(1)
    assert "Dirección General de Programas Sociales" in header and "programas_sociales" not in header
    client.post("/logout", data={"csrf": csrf_of(client.get("/turnados").text)})

    make_user(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx)
    log_in(client, "ana")
    assert "<kbd>c</kbd> confirmar" in client.get(f"/documentos/{document_id}").text
    make_user(ctx, "rosa", Role.gerente)
    client.post("/logout", data={"csrf": csrf_of(client.get("/cola").text)})
    log_in(client, "rosa")
    assert "<kbd>c</kbd> confirmar" not in client.get(f"/documentos/{document_id}").text  # reads, never decides


def test_an_admin_adds_and_removes_an_office_closure_with_the_forms_token(ctx, client):
    from storage import routing as turnos

    make_user(ctx, "root", Role.admin)
    log_in(client, "root")
    token = csrf_of(client.get("/cierres").text)
    assert client.post("/cierres", data={"day": "2026-12-24", "reason": "Inventario", "csrf": "otro"}).status_code == 403
    assert client.post("/cierres", data={"day": "24/12/2026", "reason": "x", "csrf": token}).status_code == 422
    assert client.post("/cierres", data={"day": "2026-12-24", "reason": "Inventario", "csrf": token}).status_code == 303
    with ctx.sessions() as session:
        assert [c.day.isoformat() for c in turnos.closure_list(session)] == ["2026-12-24"]
    assert client.post("/cierres/2026-12-24/quitar", data={"csrf": "otro"}).status_code == 403
    assert client.post("/cierres/2026-12-24/quitar", data={"csrf": token}).status_code == 303
    with ctx.sessions() as session:
        assert turnos.closure_list(session) == []
        assert [(e.action, e.target) for e in access.entries(session, user_name="root")][:2] == [
            ("closure_removed", "24/12/2026"), ("closure_added", "24/12/2026")]  # the bitácora shows dd/mm/aaaa
