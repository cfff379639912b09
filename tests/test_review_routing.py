"""Routing: business-day deadlines, folios that never repeat, no double routing, the slip, delivery, the logs."""

from __future__ import annotations

import datetime as dt
import subprocess
import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from review.errors import Forbidden, NotReviewable, StaleVersion, TooManyAttempts, UnknownDirectorate, UnknownProgram
from review import auth
from review.turnos import calendar, routing
from review.turnos.slip import SlipData, render
from storage import access
from storage import routing as turnos
from storage.tables import AccessEntry, Document, Event, Role, Routing, State
from tests.review_helpers import PASSWORD, actor, document_in_review, make_user, version_of

D = dt.date


@pytest.mark.parametrize("start, days, due", [
    (D(2026, 9, 14), 1, D(2026, 9, 15)),   # Monday → Tuesday
    (D(2026, 9, 15), 1, D(2026, 9, 17)),   # 16 September (Independence) is skipped
    (D(2026, 9, 11), 3, D(2026, 9, 17)),   # Friday: the weekend and the 16th are skipped
    (D(2026, 9, 11), 10, D(2026, 9, 28)),
    (D(2026, 12, 24), 1, D(2026, 12, 28)),  # Christmas Friday and the weekend
    (D(2026, 12, 31), 1, D(2027, 1, 4)),   # New Year's Day 2027 is a Friday
    (D(2026, 12, 19), 5, D(2026, 12, 28)),  # a Saturday: Monday counts first, Christmas is skipped
    (D(2026, 11, 13), 1, D(2026, 11, 17)),  # third Monday of November (Revolution)
    (D(2030, 9, 30), 1, D(2030, 10, 2)),   # 1 October 2030: change of the federal executive
    (D(2026, 9, 14), 0, D(2026, 9, 14)),
])
def test_deadlines_count_business_days_on_the_mexican_calendar(start, days, due):
    assert calendar.add_business_days(start, days) == due
    assert calendar.business_days_between(start, due) == days


def test_office_closures_are_skipped_too():
    closures = {D(2026, 9, 17), D(2026, 9, 18)}
    assert calendar.add_business_days(D(2026, 9, 15), 1, closures) == D(2026, 9, 21)
    assert not calendar.is_business_day(D(2026, 9, 17), closures)
    assert calendar.is_business_day(D(2026, 9, 17))


def test_a_stored_moment_is_dated_in_the_office_time_zone():
    # 03:00 UTC on 1 January is still 31 December in Hermosillo (UTC-7, no daylight saving).
    assert calendar.local_date(dt.datetime(2027, 1, 1, 3, tzinfo=dt.timezone.utc), "America/Hermosillo") == D(2026, 12, 31)


def test_folios_never_repeat_under_concurrent_routing(ctx):
    make_user(ctx, "ana", Role.revisor)
    make_user(ctx, "beto", Role.revisor)
    ids = [document_in_review(ctx) for _ in range(12)]
    folios, errors = [], []

    def route(name, mine):
        who = actor(ctx, name)
        for document_id in mine:
            try:
                folios.append(routing.confirm(ctx, who, document_id, version=version_of(ctx, document_id),
                                              program="ayudas_sociales_diversas").folio)
            except Exception as error:  # collected and asserted below
                errors.append(error)

    threads = [threading.Thread(target=route, args=("ana", ids[0::2])), threading.Thread(target=route, args=("beto", ids[1::2]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    year = calendar.local_date(dt.datetime.now(dt.timezone.utc), ctx.settings.timezone).year
    assert sorted(folios) == [f"SDS-DAGC-{year}-{n:06d}" for n in range(1, 13)]


def test_two_reviewers_on_one_document_route_it_once(ctx):
    make_user(ctx, "ana", Role.revisor)
    make_user(ctx, "beto", Role.revisor)
    document_id = document_in_review(ctx)
    seen = version_of(ctx, document_id)
    outcomes = []

    def route(name):
        try:
            outcomes.append(routing.confirm(ctx, actor(ctx, name), document_id, version=seen,
                                            program="ayudas_sociales_diversas").folio)
        except StaleVersion as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=route, args=(n,)) for n in ("ana", "beto")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str)[1:] == ["stale_version"] and outcomes.count("stale_version") == 1
    with ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Routing)) == 1
        assert session.get(Document, document_id).state == State.routed
    # Even with the current version, a routed document cannot be routed again.
    with pytest.raises(NotReviewable):
        routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id),
                        program="ayudas_sociales_diversas")


def test_routing_checks_the_catalogue_and_the_role(ctx):
    make_user(ctx, "ana", Role.revisor)
    make_user(ctx, "caro", Role.capturista)
    document_id = document_in_review(ctx)
    version = version_of(ctx, document_id)
    with pytest.raises(UnknownProgram):
        routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version, program="no_existe")
    with pytest.raises(UnknownDirectorate):
        routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version, program=None, directorate="no_existe")
    with pytest.raises(UnknownDirectorate):
        routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version, program="las_jefas", copies=["nadie"])
    with pytest.raises(Forbidden):
        routing.confirm(ctx, actor(ctx, "caro"), document_id, version=version, program="las_jefas")
    assert version_of(ctx, document_id) == version


def test_routing_writes_the_slip_and_delivers_pdf_and_slip_to_salida(ctx):
    make_user(ctx, "ana", Role.revisor)
    received = dt.datetime(2026, 9, 11, 18, 0, tzinfo=dt.timezone.utc)  # Friday 11:00 in Hermosillo
    document_id = document_in_review(ctx, received_at=received, pdf=b"%PDF-1.4 searchable\n%%EOF\n")
    with ctx.sessions.begin() as session:
        turnos.add_closure(session, D(2026, 9, 25), "Día de asueto", "admin")
    result = routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id),
                             program="las_jefas", copies=["juridica"], instruction="Para conocimiento",
                             fields={"name": {"value": "María Peña Ávila"}, "subject": "Proyecto de costura",
                                     "phone": {"value": "+526622139087"}},
                             note="Urgente")
    # 10 business days from Friday 11 September 2026, skipping the 16th and the closure on the 25th.
    assert result.due_date == "2026-09-29" and result.delivered
    salida = ctx.settings.outbox
    for folder in ("programas_sociales", "juridica"):
        assert (salida / folder / f"{result.folio}.pdf").read_bytes().startswith(b"%PDF-1.4 searchable")
        slip = salida / folder / f"{result.folio}-volante.pdf"
        shown = subprocess.run(["pdftotext", "-layout", str(slip), "-"], capture_output=True, text=True, timeout=60).stdout
        for expected in (result.folio, "VOLANTE DE TURNO", "11 de septiembre de 2026", "María Peña Ávila",
                         "Proyecto de costura", "Dirección General de Programas Sociales", "Unidad Jurídica",
                         "Para conocimiento", "10 días hábiles", "29 de septiembre de 2026", "Las Jefas", "Urgente", "Correspondencia",
                         "662 213 9087"):  # the phone as people write it, not as stored (+52...)
            assert expected in shown, expected
    assert not list(salida.rglob(".*.part"))
    with ctx.sessions() as session:
        kinds = list(session.scalars(select(Event.kind).where(Event.document_id == document_id).order_by(Event.id)))
        assert kinds[-3:] == ["state_changed", "routed", "delivered"]
        row = session.scalar(select(Routing))
        assert row.delivered_at is not None and row.slip_path.startswith("procesado/")
        assert [(e.action, e.user_name, e.target) for e in access.entries(session, document_id=document_id)] == [
            ("decision", "ana", result.folio)]


def test_a_failed_delivery_is_retried_later(ctx, monkeypatch):
    make_user(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx)
    monkeypatch.setattr(ctx.settings, "slip_font", ctx.settings.home / "missing.ttf")
    result = routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id),
                             program="las_jefas")
    assert not result.delivered
    monkeypatch.undo()
    assert routing.deliver_pending(ctx) == 1
    assert (ctx.settings.outbox / "programas_sociales" / f"{result.folio}-volante.pdf").is_file()
    assert routing.deliver_pending(ctx) == 0


def test_not_a_petition_leaves_the_queue_with_a_decision(ctx):
    make_user(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx)
    routing.dismiss(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id), note="Publicidad")
    with ctx.sessions() as session:
        document = session.get(Document, document_id)
        assert document.state == State.concluded and document.reason_code == "not_petition"


def test_the_access_log_refuses_updates_and_deletes(ctx):
    with ctx.sessions.begin() as session:
        access.record(session, None, "ana", "login", ip="10.0.0.1")
    for statement in ("UPDATE access_log SET user_name = 'otro'", "DELETE FROM access_log"):
        with pytest.raises(DatabaseError):
            with ctx.engine.begin() as connection:
                connection.execute(text(statement))
    with ctx.sessions() as session:
        assert [e.user_name for e in session.scalars(select(AccessEntry))] == ["ana"]


def test_failed_logins_are_throttled_and_logged(ctx):
    make_user(ctx, "ana", Role.revisor)
    for _ in range(ctx.settings.login_max_failures):
        with pytest.raises(Exception) as refused:
            auth.login(ctx, "ana", "equivocada", "10.0.0.9")
        assert refused.value.code == "not_authenticated"
    with pytest.raises(TooManyAttempts):
        auth.login(ctx, "ana", PASSWORD, "10.0.0.9")  # even the right password, until the window passes
    with ctx.sessions() as session:
        actions = [e.action for e in access.entries(session, user_name="ana")]
    assert actions.count("login_failed") == 5 and actions[0] == "login_throttled"


def test_the_slip_renders_accents(tmp_path):
    data = SlipData("Secretaría", "SDS-DAGC-2026-000007", 7, D(2026, 9, 15), D(2026, 9, 17), "teléfono", "Ramón Núñez",
                    "Cajeme", "Solicita despensa", "Paquetes alimentarios", "Dirección General de Programas Sociales",
                    (), "Atender y responder", 10, D(2026, 9, 30), "ana")
    path = tmp_path / "v.pdf"
    path.write_bytes(render(data, __import__("pipeline.settings", fromlist=["Settings"]).Settings().slip_font))
    shown = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, timeout=60).stdout
    assert "Ramón Núñez" in shown and "teléfono" in shown and "30 de septiembre de 2026" in shown


def test_routing_to_a_directorate_other_than_the_programs_is_recorded_as_such(ctx):
    make_user(ctx, "ana", Role.revisor)
    first, second = document_in_review(ctx), document_in_review(ctx)
    routing.confirm(ctx, actor(ctx, "ana"), first, version=version_of(ctx, first), program="las_jefas")
    routing.confirm(ctx, actor(ctx, "ana"), second, version=version_of(ctx, second), program="las_jefas",
                    directorate="juridica")
    with ctx.sessions() as session:
        routed = {e.document_id: e.detail for e in session.scalars(select(Event).where(Event.kind == "routed"))}
    assert routed[first]["directorate_differs"] is False
    assert routed[second]["directorate_differs"] is True
    assert routed[second]["program_directorate"] == "programas_sociales"
