"""Admin screens (users, catalogue) and the turnados export: admin only (export: gerencia too), CSRF, access log."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from review.turnos import routing
from review.web.app import create_app
from storage import access, catalogue
from storage.tables import Directorate, Event, Role, Routing, User
from tests.review_helpers import PASSWORD, actor, document_in_review, make_user, version_of
from tests.test_review_web import csrf_of, log_in


@pytest.fixture
def app(ctx):
    return create_app(ctx)


def browser(app):
    return TestClient(app, follow_redirects=False)


def user_row(ctx, name: str) -> User:
    with ctx.sessions() as session:
        return session.scalar(select(User).where(User.name == name))


def test_only_an_admin_reaches_the_admin_pages(ctx, app):
    make_user(ctx, "ana", Role.revisor)
    make_user(ctx, "gina", Role.gerente)
    for name in ("ana", "gina"):
        with browser(app) as client:
            log_in(client, name)
            csrf = csrf_of(client.get("/cola").text)
            assert client.get("/admin/usuarios").status_code == 403
            assert client.get("/admin/catalogo").status_code == 403
            assert client.post("/admin/usuarios", data={"csrf": csrf, "name": "x", "role": "admin",
                                                        "password": PASSWORD}).status_code == 403
            assert client.post("/admin/catalogo/direcciones", data={"csrf": csrf, "code": "nueva", "name": "N",
                                                                    "active": "1"}).status_code == 403
    assert user_row(ctx, "x") is None


def test_an_admin_creates_changes_and_deactivates_users(ctx, app):
    make_user(ctx, "root", Role.admin)
    with browser(app) as admin:
        log_in(admin, "root")
        page = admin.get("/admin/usuarios")
        assert page.status_code == 200 and "Nuevo usuario" in page.text
        csrf = csrf_of(page.text)
        new = {"name": "enzo", "role": "enlace", "directorate": "programas_sociales", "password": "clave-de-enzo-1"}
        assert admin.post("/admin/usuarios", data=new).status_code == 403  # no CSRF token
        refused = admin.post("/admin/usuarios", data={**new, "csrf": csrf, "directorate": ""})
        assert refused.status_code == 422 and "Un enlace necesita su dirección" in refused.text
        assert admin.post("/admin/usuarios", data={**new, "csrf": csrf}).status_code == 303
        assert admin.post("/admin/usuarios", data={**new, "csrf": csrf}).status_code == 409
        enzo = user_row(ctx, "enzo")
        assert (enzo.role, enzo.directorate, enzo.active) == (Role.enlace, "programas_sociales", True)

        with browser(app) as other:
            assert log_in(other, "enzo", "clave-de-enzo-1").status_code == 303
            assert other.get("/turnados").status_code == 200
            # A new password ends enzo's sessions; the old password no longer works.
            assert admin.post(f"/admin/usuarios/{enzo.id}", data={"csrf": csrf, "action": "password",
                                                                   "password": "otra-clave-22"}).status_code == 303
            assert other.get("/turnados").status_code == 303
            assert log_in(other, "enzo", "clave-de-enzo-1").status_code == 401
            assert log_in(other, "enzo", "otra-clave-22").status_code == 303
            assert admin.post(f"/admin/usuarios/{enzo.id}", data={"csrf": csrf, "action": "role", "role": "revisor",
                                                                   "directorate": ""}).status_code == 303
            assert other.get("/cola").status_code == 200  # the role is read on every request
            assert admin.post(f"/admin/usuarios/{enzo.id}",
                              data={"csrf": csrf, "action": "deactivate"}).status_code == 303
            assert other.get("/cola").status_code == 303
            assert log_in(other, "enzo", "otra-clave-22").status_code == 401
        root = user_row(ctx, "root")
        assert admin.post(f"/admin/usuarios/{root.id}", data={"csrf": csrf, "action": "deactivate"}).status_code == 422
    with ctx.sessions() as session:
        actions = [(e.action, e.target) for e in access.entries(session, user_name="root")]
    for expected in [("user_created", "enzo (enlace)"), ("password_reset", "enzo"), ("user_role_changed", "enzo: revisor"),
                     ("user_deactivated", "enzo")]:
        assert expected in actions


def test_an_admin_edits_the_catalogue_and_routing_follows_it(ctx, app):
    make_user(ctx, "root", Role.admin)
    make_user(ctx, "ana", Role.revisor)
    with browser(app) as admin:
        log_in(admin, "root")
        csrf = csrf_of(admin.get("/admin/catalogo").text)
        assert admin.post("/admin/catalogo/direcciones", data={
            "csrf": csrf, "code": "vivienda", "name": "Dirección de Vivienda", "email": "vivienda@sonora.gob.mx",
            "active": "1"}).status_code == 303
        bad = admin.post("/admin/catalogo/programas", data={"csrf": csrf, "code": "Techo Digno", "name": "Techo",
                                                            "directorate": "vivienda", "active": "1"})
        assert bad.status_code == 422 and "La clave lleva" in bad.text
        assert admin.post("/admin/catalogo/programas", data={
            "csrf": csrf, "code": "techo_digno", "name": "Techo Digno", "directorate": "vivienda",
            "synonyms": "láminas, techo de lámina,  techumbre", "deadline_days": "5", "active": "1"}).status_code == 303
        assert admin.post("/admin/catalogo/programas", data={  # unchecked box: inactive
            "csrf": csrf, "code": "las_jefas", "name": "Las Jefas", "directorate": "programas_sociales",
            "synonyms": "", "deadline_days": ""}).status_code == 303
        page = admin.get("/admin/catalogo").text
        assert 'value="láminas, techo de lámina, techumbre"' in page and 'value="vivienda@sonora.gob.mx"' in page
    with ctx.sessions() as session:
        known = catalogue.load(session)
        assert "las_jefas" not in {p.code for p in known.programs}
        program = next(p for p in known.programs if p.code == "techo_digno")
        assert (program.directorate, program.synonyms, program.deadline_days) == (
            "vivienda", ("láminas", "techo de lámina", "techumbre"), 5)
        assert session.get(Directorate, "vivienda").email == "vivienda@sonora.gob.mx"
        changes = [e.detail["code"] for e in session.scalars(select(Event).where(Event.kind == "catalogue_changed"))]
        assert changes == ["vivienda", "techo_digno", "las_jefas"]
    document_id = document_in_review(ctx)
    result = routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id),
                             program="techo_digno")
    with ctx.sessions() as session:
        row = session.scalar(select(Routing).where(Routing.folio == result.folio))
        assert (row.directorate, row.deadline_days) == ("vivienda", 5)


def test_gerencia_exports_the_turnados_list_as_csv_and_the_export_is_logged(ctx, app):
    make_user(ctx, "ana", Role.revisor)
    make_user(ctx, "gina", Role.gerente)
    document_id = document_in_review(ctx, fields={"name": {"value": "María Peña Ávila"},
                                                  "municipality": {"value": "Cajeme"}})
    folio = routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id),
                            program="las_jefas", copies=["juridica"],
                            fields={"name": "María Peña Ávila", "municipality": "Cajeme"}).folio
    with browser(app) as client:
        log_in(client, "ana")
        assert client.get("/turnados/exportar.csv").status_code == 403
        assert 'id="export"' not in client.get("/turnados").text
    with browser(app) as client:
        log_in(client, "gina")
        assert 'id="export"' in client.get("/turnados").text
        answer = client.get("/turnados/exportar.csv?direccion=programas_sociales")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
        assert "attachment" in answer.headers["content-disposition"]
        assert answer.content.startswith("\ufeff".encode())
        rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert (row["Folio"], row["Peticionario"], row["Municipio"], row["Programa"], row["Con copia a"]) == (
        folio, "María Peña Ávila", "Cajeme", "Las Jefas", "Unidad Jurídica")
    assert row["Semáforo"] == "en tiempo" and int(row["Días hábiles restantes"]) > 0
    with ctx.sessions() as session:
        entries = [(e.action, e.target) for e in access.entries(session, user_name="gina") if e.action == "export"]
    assert entries == [("export", "turnados programas_sociales: 1 filas (CSV)")]


def test_the_csv_export_reads_the_petitioners_in_chunks(ctx, monkeypatch):
    """A list longer than one chunk (500 turnos in production; 1 here) keeps every row's petitioner: SQLite
    refuses a query with more parameters than it allows, so the folios go in chunks."""
    from review.reports import export

    make_user(ctx, "ana", Role.revisor)
    make_user(ctx, "gina", Role.gerente)
    names = ["María Peña Ávila", "José Ruiz Soto", "Ana Valenzuela"]
    for name in names:
        document_id = document_in_review(ctx)
        routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id),
                        program="las_jefas", fields={"name": name})
    monkeypatch.setattr(export, "CHUNK", 1)
    with ctx.sessions() as session:
        lines = export.routed_rows(session, actor(ctx, "gina"), None, "America/Hermosillo", dt.date(2026, 1, 5))
    rows = list(csv.DictReader(io.StringIO(export.routed_csv(lines).lstrip("\ufeff"))))
    assert len(rows) == 3 and sorted(r["Peticionario"] for r in rows) == sorted(names)


def test_an_enlace_is_given_an_active_directorate_whether_created_or_changed(ctx):
    from review.errors import UnknownDirectorate
    from review import admin
    from tests.review_helpers import actor

    make_user(ctx, "root", Role.admin)
    make_user(ctx, "rita", Role.revisor)
    root = actor(ctx, "root")
    admin.save_directorate(ctx, root, code="cerrada", name="Dirección cerrada", email="", active=False)
    with pytest.raises(UnknownDirectorate):
        admin.create_user(ctx, root, "enzo", "enlace", "clave-de-enzo-1", "cerrada")
    with pytest.raises(UnknownDirectorate) as refused:
        admin.change_user(ctx, root, user_row(ctx, "rita").id, action="role", role="enlace", directorate="cerrada")
    assert "activa" in refused.value.user_message
    assert user_row(ctx, "rita").role == Role.revisor
    admin.change_user(ctx, root, user_row(ctx, "rita").id, action="role", role="enlace", directorate="programas_sociales")
    assert user_row(ctx, "rita").directorate == "programas_sociales"
