"""The turnados page: every turno in attention reachable page by page, how many there are, the traffic-light
filter (vencidos, por vencer, en tiempo) and the petitioner's name on each row."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from review.turnos import calendar, routing
from review.reports import views
from review.web.app import create_app
from storage.tables import Role, Routing, utcnow
from tests.review_helpers import actor, document_in_review, make_user, version_of
from tests.test_review_web import log_in


def today(ctx) -> dt.date:
    return calendar.local_date(utcnow(), ctx.settings.timezone)


@pytest.fixture
def turnos(ctx) -> dict[str, int]:
    """Overdue, due today (por vencer) and due in 30 days (en tiempo), each with its petitioner."""
    make_user(ctx, "ana", Role.revisor)
    ids = {}
    for name, days in (("vencido", -3), ("por-vencer", 0), ("en-tiempo", 30)):
        document_id = document_in_review(ctx)
        result = routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id),
                                 program="las_jefas", fields={"name": f"Rosa {name}"})
        with ctx.sessions.begin() as session:
            session.execute(update(Routing).where(Routing.folio == result.folio)
                            .values(due_date=today(ctx) + dt.timedelta(days=days)))
        ids[name] = document_id
    return ids


def page(ctx, **filters) -> dict:
    with ctx.sessions() as session:
        return views.routed_page(session, actor(ctx, "ana"), views.RoutedFilter(**filters), today(ctx), set())


def test_the_traffic_light_filter_and_the_count(ctx, turnos):
    everything = page(ctx)
    assert everything["total"] == 3
    assert [r["document_id"] for r in everything["items"]] == [turnos["vencido"], turnos["por-vencer"],
                                                               turnos["en-tiempo"]]  # nearest due first
    for light, document_id in turnos.items():
        result = page(ctx, light=light)
        assert (result["total"], [r["document_id"] for r in result["items"]]) == (1, [document_id]), light
    assert [r["petitioner"] for r in everything["items"]] == ["Rosa vencido", "Rosa por-vencer", "Rosa en-tiempo"]


def test_every_turno_is_reachable_page_by_page(ctx, turnos):
    first, second = page(ctx, limit=2), page(ctx, limit=2, offset=2)
    assert first["total"] == second["total"] == 3
    assert [r["document_id"] for r in first["items"] + second["items"]] == list(turnos.values())


def test_the_page_shows_the_count_filter_and_names(ctx, turnos):
    client = TestClient(create_app(ctx))
    log_in(client, "ana")
    html = client.get("/turnados").text
    assert "Turnos en atención: 3." in html and "Rosa por-vencer" in html
    overdue = client.get("/turnados", params={"semaforo": "vencido"}).text
    assert "Turnos en atención (vencido): 1." in overdue
    assert "Rosa vencido" in overdue and "Rosa en-tiempo" not in overdue
    assert "Turnos en atención: 3." in client.get("/turnados", params={"semaforo": "otro"}).text  # unknown: all
