"""The gerente's tablero (/tablero, issue 16): where a gerente lands, its counts against the office's petitions,
its links into the lists, and its charts drawn on the server as SVG with their numbers as tables."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from review import auth
from review.web.app import create_app
from storage import access
from tests.review_helpers import PASSWORD
from tests.test_review_report import office  # noqa: F401  (the fixture: a petition in each status)
from tests.test_review_web import csrf_of


def tile(page: str, ident: str) -> int:
    return int(re.search(rf'id="{ident}"[^>]*>\s*<strong>(\d+)', page)[1])


def test_a_gerente_lands_on_the_tablero_with_the_offices_counts(ctx, office):  # noqa: F811
    client = TestClient(create_app(ctx))
    form = client.get("/login")
    landed = client.post("/login", data={"name": "gina", "password": PASSWORD, "csrf": csrf_of(form.text)},
                         follow_redirects=True)
    assert landed.url.path == "/tablero" and landed.status_code == 200, landed.url
    page = landed.text
    # The fixture: one turno overdue, one on time (due in more than two business days), two in review (one
    # received 400 days ago), six received this week (the duplicate and the old one left out), one answered on time.
    assert (tile(page, "vencidos"), tile(page, "por-vencer"), tile(page, "sin-revisar")) == (1, 0, 2)
    assert tile(page, "recibidas") == 6
    assert re.search(r'id="en-plazo"[^>]*>\s*<strong>100.0 %', page)
    for link in ('href="/turnados?semaforo=vencido"', 'href="/turnados?semaforo=por-vencer"', 'href="/cola"',
                 'href="/informe?desde='):
        assert link in page
    figures = re.findall(r'<figure class="chart" id="([^"]+)">(.*?)</figure>', page, re.S)
    assert len(figures) >= 3
    for ident, body in figures:
        assert "<svg" in body and "<title>" in body and '<table class="queue chart-data">' in body, ident
    backlog = dict(figures)["pendientes"]  # by age: up to 7 days, 8 to 30, 31 to 90, older; then the total
    assert "<td>Por revisar</td><td>1</td><td>0</td><td>0</td><td>1</td><td>2</td>" in backlog
    assert "<td>Turnado, vencido</td><td>1</td><td>0</td><td>0</td><td>0</td><td>1</td>" in backlog
    assert "<td>Archivo con problema</td><td>1</td>" in backlog
    received = dict(figures)["recibidas-semana"]
    assert "<th>Correo electrónico</th>" in received and "<th>Jornadas</th>" in received  # channels by name
    with ctx.sessions() as session:
        assert "view_dashboard" in [e.action for e in access.entries(session, user_name="gina")]


def test_other_roles_keep_their_start_and_may_not_open_it(ctx, office):  # noqa: F811
    client = TestClient(create_app(ctx))
    form = client.get("/login")
    landed = client.post("/login", data={"name": "ana", "password": PASSWORD, "csrf": csrf_of(form.text)},
                         follow_redirects=True)
    assert landed.url.path == "/cola"
    assert client.get("/tablero").status_code == 403


def test_the_informe_shows_its_charts_beside_their_tables(ctx, office):  # noqa: F811
    client = TestClient(create_app(ctx))
    form = client.get("/login")
    client.post("/login", data={"name": "gina", "password": PASSWORD, "csrf": csrf_of(form.text)})
    page = client.get("/informe").text
    figures = dict(re.findall(r'<figure class="chart" id="([^"]+)">(.*?)</figure>', page, re.S))
    assert {"recibidas-semana", "situacion-direccion"} <= set(figures)
    by_directorate = figures["situacion-direccion"]
    # The informe's own figures: Programas Sociales has one answered and one on time; every status a column.
    assert "<svg" in by_directorate and "<th>Respondidas</th>" in by_directorate
    assert re.search(r"<td>Dirección General de Programas Sociales</td><td>1</td><td>1</td><td>0</td>", by_directorate)


def test_the_api_gives_the_tableros_figures_and_the_access_log_keeps_the_reading(ctx, office):  # noqa: F811
    client = TestClient(create_app(ctx))
    form = client.get("/login")
    page = client.post("/login", data={"name": "gina", "password": PASSWORD, "csrf": csrf_of(form.text)},
                       follow_redirects=True).text
    token = auth.new_api_token(ctx, "gina")
    answer = client.get("/api/v1/dashboard", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    board = answer.json()
    assert (board["overdue"], board["due_soon"], board["in_review"], board["received_this_week"]) == (
        tile(page, "vencidos"), tile(page, "por-vencer"), tile(page, "sin-revisar"), tile(page, "recibidas"))
    on_time = board["punctuality"]
    assert (on_time["on_time"], on_time["late"], on_time["on_time_share"]) == (1, 0, 1.0)
    assert re.search(rf'id="en-plazo"[^>]*>\s*<strong>{on_time["on_time_share"] * 100:.1f} %', page)
    assert f'desde={board["week_start"]}&amp;hasta={board["today"]}' in page
    pages_charts = dict(re.findall(r'<figure class="chart" id="([^"]+)"><figcaption>([^<]*)<', page))
    assert {c["ident"]: c["title"] for c in board["charts"]} == pages_charts
    backlog = {c["ident"]: c for c in board["charts"]}["pendientes"]
    assert ["Por revisar", "1", "0", "0", "1", "2"] in backlog["rows"]  # the page's table, row for row
    with ctx.sessions() as session:
        assert ("view_dashboard", "api") in [(e.action, e.via) for e in access.entries(session, user_name="gina")]
