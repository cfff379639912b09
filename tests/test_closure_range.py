"""Office closures by period in /cierres (issue 16): every working day from «desde» to «hasta» at once, a period
longer than 62 days or backwards refused with its reason, the single-day form kept."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from review.turnos import calendar
from review.web.app import create_app
from storage import access
from storage import routing as turnos
from storage.tables import Role
from tests.review_helpers import make_user
from tests.test_review_web import csrf_of, log_in


@pytest.fixture
def admin(ctx):
    make_user(ctx, "adan", Role.admin)
    with TestClient(create_app(ctx), follow_redirects=False) as client:
        log_in(client, "adan")
        yield client


def closed(ctx) -> list[dt.date]:
    with ctx.sessions() as session:
        return sorted(turnos.closures(session))


def test_a_period_closes_its_working_days_at_once(ctx, admin):
    page = admin.get("/cierres").text
    assert 'action="/cierres/rango"' in page and 'action="/cierres"' in page  # the single day's form stays
    # Semana Santa 2026: Monday 30 March to Sunday 12 April; the weekends are closed already.
    answer = admin.post("/cierres/rango", data={"csrf": csrf_of(page), "desde": "2026-03-30", "hasta": "2026-04-12",
                                                "reason": "Semana Santa"})
    assert answer.status_code == 303
    expected = [dt.date(2026, 3, 30) + dt.timedelta(days=n) for n in range(14)]
    assert closed(ctx) == [d for d in expected if d.weekday() < 5]
    listed = admin.get("/cierres").text
    assert "<td>30/03/2026</td><td>Semana Santa</td><td>adan</td>" in listed
    assert "<td>10/04/2026</td><td>Semana Santa</td>" in listed and "11/04/2026" not in listed
    # The deadlines skip them: a petition of Friday 27 March, one working day later, is due Monday 13 April.
    assert calendar.add_business_days(dt.date(2026, 3, 27), 1, closed(ctx)) == dt.date(2026, 4, 13)
    with ctx.sessions() as session:
        entry = access.entries(session, user_name="adan")[0]
    assert entry.action == "closure_added" and entry.target == "30/03/2026 al 12/04/2026: 10 días hábiles"
    # An official holiday in the period (25 December) is left to the calendar; a second period adds no duplicate.
    page = admin.get("/cierres").text
    for _ in range(2):
        admin.post("/cierres/rango", data={"csrf": csrf_of(page), "desde": "2026-12-21", "hasta": "2027-01-01",
                                           "reason": "Vacaciones de diciembre"})
    december = [d for d in closed(ctx) if d.year == 2026 and d.month == 12 or d.year == 2027]
    assert dt.date(2026, 12, 25) not in december and dt.date(2027, 1, 1) not in december
    assert december == sorted(set(december)) and len(december) == 8


@pytest.mark.parametrize("desde, hasta, said", [
    ("2026-12-01", "2027-02-05", "El periodo abarca 67 días; el máximo es 62. Agréguelo en partes."),
    ("2026-04-10", "2026-04-01", "La fecha «hasta» es anterior a «desde»."),
    ("2026-04-10", "", "Escriba las dos fechas del periodo."),
    ("10/04/2026", "2026-04-20", "Escriba las dos fechas del periodo."),
    ("1900-01-01", "1900-01-05", "fuera del rango que admite el sistema"),
])
def test_a_period_too_long_backwards_or_unreadable_is_refused_and_nothing_added(ctx, admin, desde, hasta, said):
    page = admin.get("/cierres").text
    answer = admin.post("/cierres/rango", data={"csrf": csrf_of(page), "desde": desde, "hasta": hasta,
                                                "reason": "x"})
    assert answer.status_code == 422 and said in answer.text
    assert closed(ctx) == []


def test_a_period_of_exactly_62_days_is_taken():
    days = calendar.closure_days(dt.date(2026, 11, 1), dt.date(2027, 1, 1))
    assert (dt.date(2027, 1, 1) - dt.date(2026, 11, 1)).days + 1 == 62
    assert days[0] == dt.date(2026, 11, 2) and dt.date(2026, 11, 16) not in days  # Sunday 1st skipped; Revolución, Monday 16th
