"""The managers' audit (/auditoria, GET /api/v1/audit): accuracy of the suggestions against the reviewers' route
decisions, punctuality of the answers per directorate, the period and directorate filters, who may see it."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from review.reports import audit
from review.turnos import calendar, followup, routing
from review.web.app import create_app
from storage import access, documents
from storage import routing as turnos
from storage.tables import Decision, FollowUp, Role, Routing, utcnow
from classifiers.suggestion import Suggestion
from tests.review_helpers import actor, document_in_review, make_user, version_of
from tests.test_review_api import bearer
from tests.test_review_web import log_in

# Turnos received on Monday 3 March 2025, due Friday 14 March; the office closed on Wednesday 12 March.
RECEIVED, DUE, CLOSED = dt.date(2025, 3, 3), dt.date(2025, 3, 14), dt.date(2025, 3, 12)


def today(ctx) -> dt.date:
    return calendar.local_date(utcnow(), ctx.settings.timezone)


def route(ctx, document_id: int, program: str) -> None:
    routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id), program=program)


def turno(ctx, document_id: int, *, due: dt.date, answered: dt.date | None = None) -> None:
    """The document's current turno received on RECEIVED, due on `due`, answered on `answered` (if given)."""
    if answered:
        followup.answer(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id),
                        answered_on=today(ctx), text="Se entregó el apoyo.")
    with ctx.sessions.begin() as session:
        row = turnos.current(session, document_id)
        row.received_on, row.due_date = RECEIVED, due
        session.execute(update(FollowUp).where(FollowUp.routing_id == row.id).values(answered_on=answered))


def moved_to(ctx, document_id: int, moment: dt.datetime) -> None:
    """Decided and routed at `moment` instead of now."""
    with ctx.sessions.begin() as session:
        session.execute(update(Decision).where(Decision.document_id == document_id).values(decided_at=moment))
        session.execute(update(Routing).where(Routing.document_id == document_id).values(routed_at=moment))


@pytest.fixture
def office(ctx) -> dict[str, int]:
    """Seven route decisions on six documents (suggested → chosen, score):

    d1 las_jefas → las_jefas 0.91, answered on time; d2 las_jefas → mano_con_mano 0.85, answered late;
    d3 habitacion_propia → same 0.60 (model test-2), open; d4 mano_con_mano → infraestructura_basica 0.30, overdue;
    d5 none → las_jefas, open; d6 ayudas_sociales_diversas 0.95 → same, returned, then → las_jefas, answered on time.
    """
    make_user(ctx, "ana", Role.revisor)
    make_user(ctx, "gina", Role.gerente)
    with ctx.sessions.begin() as session:
        turnos.add_closure(session, CLOSED, "inventario", "admin")
    ids = {"d1": document_in_review(ctx, program="las_jefas", score=0.91),
           "d2": document_in_review(ctx, program="las_jefas", score=0.85),
           "d3": document_in_review(ctx, program="habitacion_propia", score=0.6),
           "d4": document_in_review(ctx, program="mano_con_mano", score=0.3),
           "d5": document_in_review(ctx, program=None),
           "d6": document_in_review(ctx, program="ayudas_sociales_diversas", score=0.95)}
    with ctx.sessions.begin() as session:  # classified again by a newer model: its latest suggestion counts
        documents.save_suggestions(session, ids["d3"], [
            Suggestion("program", "habitacion_propia", 0.6, (), "test-2"),
            Suggestion("directorate", "infraestructura_social", 0.6, (), "test-2")], "test")
    for name, program in (("d1", "las_jefas"), ("d2", "mano_con_mano"), ("d3", "habitacion_propia"),
                          ("d4", "infraestructura_basica"), ("d5", "las_jefas"), ("d6", "ayudas_sociales_diversas")):
        route(ctx, ids[name], program)
    followup.return_turno(ctx, actor(ctx, "ana"), ids["d6"], version=version_of(ctx, ids["d6"]),
                          note="No es de ayudas diversas: es Las Jefas.")
    route(ctx, ids["d6"], "las_jefas")
    later = today(ctx) + dt.timedelta(days=5)
    turno(ctx, ids["d1"], due=DUE, answered=dt.date(2025, 3, 10))  # 5 business days
    turno(ctx, ids["d2"], due=DUE, answered=dt.date(2025, 3, 19))  # late; 9 business days (17 March: holiday)
    turno(ctx, ids["d3"], due=later)
    turno(ctx, ids["d4"], due=DUE)
    turno(ctx, ids["d5"], due=later)
    turno(ctx, ids["d6"], due=DUE, answered=DUE)  # 8 business days, the closure skipped
    return ids


def report(ctx, desde: str | None = None, hasta: str | None = None, direccion: str | None = None) -> audit.Audit:
    with ctx.sessions() as session:
        return audit.report(session, actor(ctx, "gina"), audit.period(desde, hasta, direccion, today(ctx)),
                            ctx.settings.timezone, today(ctx))


def rows(tallies) -> dict:
    return {t.key: (t.decisions, t.right) for t in tallies}


def test_accuracy_overall_by_band_program_and_model_version(ctx, office):
    a = report(ctx).accuracy
    assert (a.decisions, a.program_right, a.directorate_right, a.no_suggestion, a.returned) == (7, 3, 4, 1, 1)
    assert a.program_share == pytest.approx(3 / 7) and a.directorate_share == pytest.approx(4 / 7)
    assert a.no_suggestion_share == pytest.approx(1 / 7)
    bands = {t.key: t for t in a.bands}
    assert [t.key for t in a.bands] == ["alta", "media", "baja", "sin"]
    assert (bands["alta"].decisions, bands["alta"].right, bands["alta"].share_right) == (4, 2, 0.5)
    assert bands["alta"].mean_score == pytest.approx((0.91 + 0.85 + 0.95 + 0.95) / 4)
    assert (bands["media"].decisions, bands["media"].right, bands["media"].mean_score) == (1, 1, 0.6)
    assert (bands["baja"].decisions, bands["baja"].right, bands["baja"].share_right) == (1, 0, 0.0)
    assert (bands["sin"].decisions, bands["sin"].right, bands["sin"].mean_score) == (1, 0, 0.2)
    # Recall per program chosen, most decided first; precision per program suggested.
    assert rows(a.by_program) == {"las_jefas": (3, 1), "ayudas_sociales_diversas": (1, 1), "habitacion_propia": (1, 1),
                                  "infraestructura_basica": (1, 0), "mano_con_mano": (1, 0)}
    assert a.by_program[0].key == "las_jefas" and a.by_program[0].share_right == pytest.approx(1 / 3)
    assert rows(a.by_suggestion) == {"las_jefas": (2, 1), "ayudas_sociales_diversas": (2, 1),
                                     "habitacion_propia": (1, 1), "mano_con_mano": (1, 0)}
    assert rows(a.by_model) == {"test-1": (6, 2), "test-2": (1, 1)}


def test_punctuality_per_directorate_leaves_the_returned_turno_out(ctx, office):
    result = report(ctx)
    by = {r.directorate: r for r in result.punctuality}
    assert list(by) == ["infraestructura_social", "programas_sociales"]  # the returned turno's directorate: none
    social, infra, total = by["programas_sociales"], by["infraestructura_social"], result.overall
    assert (social.turnos, social.on_time, social.late, social.open_on_time, social.overdue) == (4, 2, 1, 1, 0)
    assert social.on_time_share == pytest.approx(2 / 3) and social.median_days == 8
    assert (infra.turnos, infra.on_time, infra.late, infra.open_on_time, infra.overdue) == (2, 0, 0, 1, 1)
    assert infra.on_time_share is None and infra.median_days is None
    assert (total.directorate, total.turnos, total.on_time, total.late, total.open_on_time, total.overdue,
            total.median_days) == (None, 6, 2, 1, 2, 1, 8)


def test_the_period_is_counted_in_office_dates(ctx, office):
    # 06:30 UTC on 2 June is still 1 June in Hermosillo (UTC-7).
    moved_to(ctx, office["d4"], dt.datetime(2025, 6, 2, 6, 30, tzinfo=dt.timezone.utc))
    current = report(ctx)
    assert current.accuracy.decisions == 6 and current.overall.turnos == 5 and current.overall.overdue == 0
    that_day = report(ctx, "2025-06-01", "2025-06-01")
    assert that_day.accuracy.decisions == 1 and rows(that_day.accuracy.bands)["baja"] == (1, 0)
    assert (that_day.overall.turnos, that_day.overall.overdue, that_day.accuracy.returned) == (1, 1, 0)
    assert report(ctx, "2025-06-02", "2025-06-30").accuracy.decisions == 0
    assert report(ctx).period.since == today(ctx) - dt.timedelta(days=89)


def test_one_directorate(ctx, office):
    result = report(ctx, direccion="infraestructura_social")
    a = result.accuracy
    assert (a.decisions, a.program_right, a.directorate_right, a.returned) == (2, 1, 1, 0)
    assert [r.directorate for r in result.punctuality] == ["infraestructura_social"]
    assert result.overall.turnos == 2
    assert report(ctx, direccion="atencion_ciudadana").accuracy.returned == 1


def test_only_gerencia_and_administracion_see_it_and_each_view_is_logged(ctx, office):
    make_user(ctx, "caro", Role.capturista)
    make_user(ctx, "enzo", Role.enlace, "programas_sociales")
    make_user(ctx, "adela", Role.admin)
    with TestClient(create_app(ctx), follow_redirects=False) as client:
        for name in ("caro", "ana", "enzo"):
            client.cookies.clear()
            log_in(client, name)
            assert client.get("/auditoria").status_code == 403, name
            assert 'href="/auditoria"' not in client.get("/turnados").text
        for name in ("gina", "adela"):
            client.cookies.clear()
            log_in(client, name)
            page = client.get("/auditoria?desde=2025-01-01&direccion=programas_sociales")
            assert page.status_code == 200, name
            assert 'href="/auditoria"' in page.text and "Programas Sociales" in page.text
        assert "del <strong>01/01/2025</strong>" in page.text and "66.7 %" in page.text
        refused = client.get("/auditoria?desde=2025-13-01")
        assert refused.status_code == 422 and "AAAA-MM-DD" in refused.text

        assert client.get("/api/v1/audit").status_code == 401
        for name, role in (("api_caro", Role.capturista), ("api_ana", Role.revisor), ("api_enzo", Role.enlace)):
            headers = bearer(ctx, name, role, "programas_sociales" if role == Role.enlace else None)
            assert client.get("/api/v1/audit", headers=headers).status_code == 403, name
        headers = bearer(ctx, "api_gina", Role.gerente)
        body = client.get("/api/v1/audit", headers=headers).json()
        assert body["accuracy"]["decisions"] == 7 and body["accuracy"]["program_share"] == 0.4286
        assert body["overall"]["turnos"] == 6 and body["period"]["until"] == today(ctx).isoformat()
        assert body["accuracy"]["bands"][0] == {"key": "alta", "decisions": 4, "right": 2, "share_right": 0.5,
                                                "mean_score": 0.915}
        for query, code in (("desde=ayer", "invalid_input"), ("desde=2025-02-01&hasta=2025-01-01", "invalid_input"),
                            ("direccion=no_existe", "unknown_directorate")):
            answer = client.get(f"/api/v1/audit?{query}", headers=headers)
            assert answer.status_code == 422 and answer.json()["detail"]["code"] == code, query
    with ctx.sessions() as session:
        web = access.entries(session, user_name="gina")
        api = access.entries(session, user_name="api_gina")
    assert [(e.action, e.target, e.via) for e in web if e.action == "view_audit"] == [
        ("view_audit", f"01/01/2025 a {today(ctx):%d/%m/%Y} · programas_sociales", "web")]
    assert [(e.action, e.via) for e in api if e.action == "view_audit"] == [("view_audit", "api")]
