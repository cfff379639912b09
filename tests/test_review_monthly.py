"""The monthly report for the Governor's office (issue 16): `peticiones informe mensual` and the Informe page's
button. Its figures are the informe's for the same month; a bad month is refused with a Spanish reason and exit
code 2; the access log records who made it."""

from __future__ import annotations

import getpass
import io
import re

import openpyxl
import pypdf
from fastapi.testclient import TestClient
from sqlalchemy import event
from typer.testing import CliRunner

from pipeline.cli import app
from review import admin
from review.reports import monthly
from review.web.app import create_app
from storage import access
from tests.review_helpers import actor
from tests.test_review_report import informe, office, today  # noqa: F401  (office: a petition in each status)
from tests.test_review_web import log_in


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def cli(monkeypatch, ctx, *arguments: str):
    monkeypatch.setenv("PETICIONES_HOME", str(ctx.settings.home))
    return CliRunner().invoke(app, ["informe", "mensual", *arguments])


def test_the_months_figures_are_the_informes(ctx, office):  # noqa: F811
    mes = f"{today(ctx):%Y-%m}"
    with ctx.sessions() as session:
        made = monthly.monthly(session, actor(ctx, "gina"), mes, ctx.settings.timezone, today(ctx),
                               ctx.settings.office_name, admin.catalogue_names(session))
    p = monthly.month_period(mes, today(ctx))
    same = informe(ctx, p.since.isoformat(), p.until.isoformat())
    assert made.whole.informe.total == same.total and made.whole.informe.tables == same.tables
    by_directorate = {row.key: row for row in same.tables["directorate"]}
    assert [s.code for s in made.directorates] == [k for k in by_directorate if k is not None]
    for s in made.directorates:
        assert (s.informe.total.received, s.informe.total.counts) == (by_directorate[s.code].received,
                                                                      by_directorate[s.code].counts)
        assert s.on_time + s.late == s.informe.total.counts["answered"]
    assert (made.whole.on_time, made.whole.late) == (1, 0)  # the one answered, the day it was routed


def test_the_terminal_writes_the_pdf_and_the_workbook_and_refuses_a_bad_month(ctx, office, tmp_path,  # noqa: F811
                                                                              monkeypatch):
    out, sheet = tmp_path / "mensual.pdf", tmp_path / "mensual.xlsx"
    for bad, reason in (("2026-13", "no es válido"), ("noviembre", "no es válido"), ("2999-01", "fuera del rango"),
                        (f"{today(ctx).year + 1}-01", "aún no comienza")):
        refused = cli(monkeypatch, ctx, "--mes", bad, "--out", str(out), "--usuario", "gina")
        assert refused.exit_code == 2 and reason in refused.output, (bad, refused.output)
    refused = cli(monkeypatch, ctx, "--mes", f"{today(ctx):%Y-%m}", "--out", str(out), "--usuario", "ana")
    assert refused.exit_code == 2 and "gerencia" in refused.output
    assert not out.exists()

    done = cli(monkeypatch, ctx, "--mes", f"{today(ctx):%Y-%m}", "--out", str(out), "--xlsx", str(sheet),
               "--usuario", "gina")
    assert done.exit_code == 0, done.output
    month = monthly.month_name(today(ctx).replace(day=1))
    text = text_of(out.read_bytes())
    assert f"Peticiones recibidas en {month}: 6" in text  # the informe's count for the month
    assert "Respondidas 1 (en plazo 1, fuera de plazo 0)" in re.sub(r"\s+", " ", text)
    assert "DIRECCIÓN GENERAL DE PROGRAMAS SOCIALES" in text and "Secretaría de Desarrollo Social" in text
    assert len(pypdf.PdfReader(out).pages) >= 3  # the office's page, then one per directorate
    book = openpyxl.load_workbook(sheet)
    assert book.sheetnames[0] == "Total" and "Respuestas en plazo" in book.sheetnames
    with ctx.sessions() as session:
        entries = [(e.action, e.via) for e in access.entries(session, user_name="gina")]
    assert ("monthly_report", "cli") in entries


def test_the_command_as_the_issue_writes_it_runs_as_the_servers_own_account(ctx, office, tmp_path,  # noqa: F811
                                                                           monkeypatch):
    out = tmp_path / "mensual.pdf"
    done = cli(monkeypatch, ctx, "--mes", f"{today(ctx):%Y-%m}", "--out", str(out))
    assert done.exit_code == 0, done.output
    assert out.read_bytes().startswith(b"%PDF")
    with ctx.sessions() as session:
        logged = [e for e in access.entries(session) if e.action == "monthly_report"]
    assert logged[0].user_name == f"consola ({getpass.getuser()})" and logged[0].user_id is None


def test_the_informe_page_has_its_button(ctx, office):  # noqa: F811
    client = TestClient(create_app(ctx))
    log_in(client, "gina")
    page = client.get("/informe").text
    assert 'action="/informe/mensual.pdf"' in page and 'type="month"' in page
    answer = client.get("/informe/mensual.pdf", params={"mes": f"{today(ctx):%Y-%m}"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert "Peticiones recibidas en" in text_of(answer.content)
    refused = client.get("/informe/mensual.pdf", params={"mes": "2026-1"})
    assert refused.status_code == 422 and "AAAA-MM" in refused.text
    with ctx.sessions() as session:
        assert "monthly_report" in [e.action for e in access.entries(session, user_name="gina")]



def test_the_month_is_read_in_one_grouped_query_whatever_the_number_of_directorates(ctx, office):  # noqa: F811
    statements: list[str] = []
    gina = actor(ctx, "gina")
    with ctx.sessions() as session:
        names = admin.catalogue_names(session)
        engine = session.get_bind()
        listener = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
        event.listen(engine, "before_cursor_execute", listener)
        try:
            made = monthly.monthly(session, gina, f"{today(ctx):%Y-%m}", ctx.settings.timezone, today(ctx),
                                   ctx.settings.office_name, names)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    assert len(made.directorates) == 2
    # The answers on time and late, then the informe of the whole office and of each directorate at once.
    assert len(statements) == 2, statements
