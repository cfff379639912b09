"""Informe de atención (/informe, /informe.csv, GET /api/v1/report): petitions received in a period and where each
stands today, in all and by directorate, program, municipality and channel; who may see it; the access log."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from review.errors import Forbidden, InvalidInput, UnknownDirectorate
from review.reports import audit, report
from review.turnos import calendar, followup, routing
from review.web.app import create_app
from storage import access, documents
from storage import routing as turnos
from storage.tables import Document, Role, State, utcnow
from tests.review_helpers import actor, document_in_review, make_user, version_of
from tests.test_review_api import bearer
from tests.test_review_web import log_in

ZERO = dict.fromkeys(report.STATUSES, 0)


def today(ctx) -> dt.date:
    return calendar.local_date(utcnow(), ctx.settings.timezone)


def place(name: str) -> dict:
    return {"name": {"value": "Rosa Ruiz", "score": 0.9}, "municipality": {"value": name, "score": 0.9}}


def route(ctx, document_id: int, program: str, **fields) -> None:
    routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id), program=program,
                    fields=fields or None)


@pytest.fixture
def office(ctx) -> dict[str, int]:
    """Received today unless said: answered (Hermosillo), overdue (read "Cajeme", confirmed as "cd obregon"), on
    time (read "HERMOSILLO"), in review (no municipality), not a petition, a quarantined scan, a duplicate, and one
    received 400 days ago (outside the default period)."""
    make_user(ctx, "ana", Role.revisor)
    make_user(ctx, "gina", Role.gerente)
    ids = {"answered": document_in_review(ctx, fields=place("Hermosillo"), channel="correo"),
           "overdue": document_in_review(ctx, fields=place("Cajeme")),
           "on_time": document_in_review(ctx, fields=place("HERMOSILLO")),
           "in_review": document_in_review(ctx, fields={}),
           "not_petition": document_in_review(ctx, fields=place("Hermosillo")),
           "unreadable": document_in_review(ctx, fields={}, channel="jornadas"),
           "duplicate": document_in_review(ctx, fields=place("Hermosillo")),
           "old": document_in_review(ctx, fields=place("Hermosillo"),
                                     received_at=utcnow() - dt.timedelta(days=400))}
    route(ctx, ids["answered"], "las_jefas")
    followup.answer(ctx, actor(ctx, "ana"), ids["answered"], version=version_of(ctx, ids["answered"]),
                    answered_on=today(ctx), text="Se entregó.")
    route(ctx, ids["overdue"], "infraestructura_basica", name="Rosa Ruiz", municipality="cd obregon")
    route(ctx, ids["on_time"], "las_jefas")
    routing.dismiss(ctx, actor(ctx, "ana"), ids["not_petition"], version=version_of(ctx, ids["not_petition"]))
    with ctx.sessions.begin() as session:
        row = turnos.current(session, ids["overdue"])
        row.due_date = today(ctx) - dt.timedelta(days=1)
        for name, state in (("unreadable", State.quarantined), ("duplicate", State.duplicate)):
            session.execute(update(Document).where(Document.id == ids[name]).values(state=state))
    return ids


def informe(ctx, desde=None, hasta=None, direccion=None, who="gina") -> report.Report:
    with ctx.sessions() as session:
        return report.report(session, actor(ctx, who), audit.period(desde, hasta, direccion, today(ctx)),
                             ctx.settings.timezone, today(ctx))


def table(r: report.Report, dimension: str) -> dict:
    return {row.key: (row.received, {k: v for k, v in row.counts.items() if v}) for row in r.tables[dimension]}


def test_every_petition_received_in_the_period_is_counted_once_where_it_stands(ctx, office):
    r = informe(ctx)
    assert r.total.received == 6  # not the duplicate, not last year's
    assert r.total.counts == {**ZERO, "answered": 1, "overdue": 1, "open_on_time": 1, "in_review": 1,
                              "not_petition": 1, "unreadable": 1}
    assert r.total.attended_share == pytest.approx(1 / 5)  # the one that is not a petition is left out
    last_year = informe(ctx, desde=(today(ctx) - dt.timedelta(days=500)).isoformat())
    assert last_year.total.received == 7


def test_tables_by_directorate_program_municipality_and_channel(ctx, office):
    r = informe(ctx)
    assert table(r, "directorate") == {
        "programas_sociales": (2, {"answered": 1, "open_on_time": 1}),
        "infraestructura_social": (1, {"overdue": 1}),
        None: (3, {"in_review": 1, "not_petition": 1, "unreadable": 1})}
    assert table(r, "program")["las_jefas"] == (2, {"answered": 1, "open_on_time": 1})
    # Names are folded to the municipality's: the machine's "HERMOSILLO", the reviewer's "cd obregon" (Cajeme).
    assert table(r, "municipality") == {
        "Hermosillo": (3, {"answered": 1, "open_on_time": 1, "not_petition": 1}),
        "Cajeme": (1, {"overdue": 1}),
        None: (2, {"in_review": 1, "unreadable": 1})}
    assert table(r, "channel") == {"correspondencia": (4, {"overdue": 1, "open_on_time": 1, "in_review": 1,
                                                           "not_petition": 1}),
                                   "correo": (1, {"answered": 1}), "jornadas": (1, {"unreadable": 1})}
    assert [row.key for row in r.tables["directorate"]][-1] is None  # "sin turnar" last


def test_one_directorate_and_refusals(ctx, office):
    r = informe(ctx, direccion="infraestructura_social")
    assert r.total.received == 1 and r.total.counts["overdue"] == 1
    with pytest.raises(UnknownDirectorate):
        informe(ctx, direccion="no_existe")
    with pytest.raises(InvalidInput):
        informe(ctx, desde="2026-13-01")
    for name, role in (("ana", None), ("caro", Role.capturista)):
        if role:
            make_user(ctx, name, role)
        with pytest.raises(Forbidden):
            informe(ctx, who=name)


def test_the_page_the_spreadsheet_and_the_api(ctx, office):
    client = TestClient(create_app(ctx))
    log_in(client, "ana")
    assert client.get("/informe").status_code == 403 and 'href="/informe"' not in client.get("/cola").text
    log_in(client, "gina")
    page = client.get("/informe")
    assert page.status_code == 200 and 'href="/informe"' in page.text
    assert "Respondidas" in page.text and "Programas Sociales" in page.text and "Hermosillo" in page.text
    assert "20.0 %" in page.text  # the grado de atención
    assert client.get("/informe", params={"desde": "ayer"}).status_code == 422
    sheet = client.get("/informe.csv")
    assert sheet.status_code == 200 and sheet.headers["content-disposition"].startswith("attachment;")
    lines = sheet.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Desglose,Valor,Recibidas,Respondidas")
    assert any(line.startswith("Municipio,Hermosillo,3,1,1,0,0,1,0,") for line in lines)
    assert any(line.startswith("Medio de recepción,Correo electrónico,1,1,") for line in lines)
    answer = client.get("/api/v1/report", headers=bearer(ctx, "gerry", Role.gerente))
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"]["received"] == 6 and body["total"]["attended_share"] == 0.2
    assert {row["key"] for row in body["tables"]["municipality"]} == {"Hermosillo", "Cajeme", None}
    assert client.get("/api/v1/report", headers=bearer(ctx, "rev", Role.revisor)).status_code == 403
    with ctx.sessions() as session:
        actions = [e.action for e in access.entries(session, user_name="gina")]
    assert "view_report" in actions and "export" in actions


def test_a_municipality_the_reviewer_removed_is_not_counted_from_the_machines_reading(ctx):
    make_user(ctx, "ana", Role.revisor)
    make_user(ctx, "gina", Role.gerente)
    cleared = document_in_review(ctx, fields=place("Hermosillo"))  # the office's own dateline, say
    route(ctx, cleared, "las_jefas", name="Rosa Ruiz")
    unconfirmed = document_in_review(ctx, fields=place("Navojoa"))
    assert table(informe(ctx), "municipality") == {"Navojoa": (1, {"in_review": 1}), None: (1, {"open_on_time": 1})}
    assert unconfirmed
