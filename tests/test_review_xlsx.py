"""The XLSX exports beside the CSV ones (issue 16): /informe.xlsx, /turnados/exportar.xlsx and /auditoria.xlsx,
read back with openpyxl: a sheet per table, the header frozen, names for codes, dates as date cells and text that
cannot become a formula (the CSV's neutralising, issue 9)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from fastapi.testclient import TestClient

from review.turnos import routing
from review.web.app import create_app
from storage import access
from storage.tables import Role
from tests.review_helpers import actor, document_in_review, make_user, version_of
from tests.test_review_web import log_in

EVIL = "=HYPERLINK(\"http://x\")"


@pytest.fixture
def gina(ctx) -> TestClient:
    """A gerente logged in, with a petition received at a jornada and routed with a formula as its name."""
    make_user(ctx, "ana", Role.revisor)
    make_user(ctx, "gina", Role.gerente)
    document_id = document_in_review(ctx, channel="jornadas")
    routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id), program="las_jefas",
                    fields={"name": EVIL, "municipality": "@Cajeme"})
    client = TestClient(create_app(ctx))
    log_in(client, "gina")
    return client


def book(client: TestClient, url: str) -> openpyxl.Workbook:
    answer = client.get(url)
    assert answer.status_code == 200, (url, answer.text[:300])
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert answer.headers["content-disposition"].endswith('.xlsx"')
    return openpyxl.load_workbook(io.BytesIO(answer.content))


def cells(sheet) -> list:
    return [cell.value for row in sheet.iter_rows() for cell in row]


def test_the_turnados_list(ctx, gina):
    sheet = book(gina, "/turnados/exportar.xlsx").active
    assert sheet.title == "Turnados" and sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, (c for c in sheet[2])))
    assert row["Canal"].value == "Jornadas"  # the label, not the code
    assert row["Programa"].value == "Las Jefas" and row["Dirección responsable"].value == "Dirección General de Programas Sociales"
    assert row["Peticionario"].value == "'" + EVIL and row["Peticionario"].data_type == "s"
    assert row["Municipio"].value == "'@Cajeme"
    assert isinstance(row["Fecha límite"].value, dt.datetime) and row["Fecha límite"].is_date
    assert isinstance(row["Turnado"].value, dt.datetime) and isinstance(row["Días hábiles restantes"].value, int)
    assert gina.get("/turnados/exportar.csv").text.splitlines()[1].split(",")[2] == "Jornadas"  # the CSV agrees
    with ctx.sessions() as session:
        targets = [e.target for e in access.entries(session, user_name="gina") if e.action == "export"]
    assert "turnados todas: 1 filas (XLSX)" in targets


def test_the_informe_has_a_sheet_per_table(gina):
    workbook = book(gina, "/informe.xlsx")
    assert workbook.sheetnames == ["Total", "Medio de recepción", "Programa", "Dirección", "Municipio"]
    assert all(sheet.freeze_panes == "A2" for sheet in workbook.worksheets)
    total = workbook["Total"]
    assert total["A2"].is_date and total["B2"].value.date() <= dt.date.today() + dt.timedelta(days=1)
    assert [c.value for c in workbook["Medio de recepción"]["A"]][1:] == ["Jornadas"]
    assert "'@Cajeme" in cells(workbook["Municipio"])
    share = workbook["Programa"].cell(row=2, column=9)
    assert share.value == 0 and share.number_format == "0.0%"
    assert gina.get("/informe.xlsx", params={"desde": "ayer"}).status_code == 422


def test_the_audit_has_a_sheet_per_table(gina):
    workbook = book(gina, "/auditoria.xlsx")
    assert workbook.sheetnames[:6] == ["Resumen", "Por confianza", "Por programa elegido", "Por programa sugerido",
                                       "Por versión del modelo", "Puntualidad"]
    assert workbook["Resumen"]["A2"].is_date and workbook["Resumen"]["D2"].value == 1
    assert "Las Jefas" in cells(workbook["Por programa elegido"])
    assert "Dirección General de Programas Sociales" in cells(workbook["Puntualidad"])
    assert gina.get("/auditoria.xlsx", params={"direccion": "no_existe"}).status_code in (404, 422)
    assert 'href="/auditoria.xlsx?desde=' in gina.get("/auditoria").text
