"""Alertas de vencimiento: which turnos are due on an office day, the one e-mail per directorate a day (through a
real SMTP conversation with the loopback server of test_review_mail), its claim, its retry, the CLI and the
service's daily thread."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import threading
import time

import pytest
from sqlalchemy import select, update

from review import service
from review.turnos import followup, routing
from review import labels
from review.notify import reminders
from storage import reminders as store
from storage import routing as turnos
from storage.tables import Event, Reminder, Role, Routing
from tests.conftest import PETICIONES, ROOT
from tests.review_helpers import actor, document_in_review, make_user, version_of
from tests.test_review_mail import parsed, set_emails, smtp, use_smtp  # noqa: F401 - smtp is a fixture

TODAY = dt.date(2026, 3, 10)  # a Tuesday; Monday 16 March 2026 is an official holiday (Benito Juárez)
CLOSED = dt.date(2026, 3, 11)  # the office closes on Wednesday
PROGRAMAS = "Dirección General de Programas Sociales"


def turno(ctx, program: str, due: dt.date, copies: tuple[str, ...] = ()) -> routing.Routed:
    """A routed petition whose due date is then moved to `due` (deadlines count from the real day of routing)."""
    if not _has_user(ctx, "ana"):
        make_user(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx)
    result = routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id),
                             program=program, copies=list(copies),
                             fields={"name": "María Peña Ávila", "subject": "Máquina de coser"})
    with ctx.sessions.begin() as session:
        session.execute(update(Routing).where(Routing.folio == result.folio).values(due_date=due))
    return result


def _has_user(ctx, name: str) -> bool:
    from storage import users

    with ctx.sessions() as session:
        return users.by_name(session, name) is not None


def close_office(ctx, day: dt.date = CLOSED) -> None:
    with ctx.sessions.begin() as session:
        turnos.add_closure(session, day, "inventario", "admin")


def office_turnos(ctx) -> dict[str, routing.Routed]:
    """Programas Sociales: 3 and 1 business days overdue, due today, due in 2 business days only thanks to the
    closure, due in 3; Infraestructura Social: overdue, with a copy to Programas Sociales; a returned and a concluded
    turno overdue."""
    made = {
        "en_tiempo": turno(ctx, "las_jefas", dt.date(2026, 3, 17)),
        "dos_dias": turno(ctx, "las_jefas", dt.date(2026, 3, 13)),
        "hoy": turno(ctx, "mano_con_mano", TODAY),
        "ayer": turno(ctx, "mano_con_mano", dt.date(2026, 3, 9)),
        "tres_dias": turno(ctx, "las_jefas", dt.date(2026, 3, 5)),
        "copia": turno(ctx, "habitacion_propia", dt.date(2026, 3, 6), copies=("programas_sociales",)),
        "devuelto": turno(ctx, "las_jefas", dt.date(2026, 3, 2)),
        "concluido": turno(ctx, "las_jefas", dt.date(2026, 3, 3)),
    }
    ana = actor(ctx, "ana")
    returned = made["devuelto"].document_id
    followup.return_turno(ctx, ana, returned, version=version_of(ctx, returned), note="No es de esta dirección")
    concluded = made["concluido"].document_id
    followup.answer(ctx, ana, concluded, version=version_of(ctx, concluded), answered_on=TODAY,
                    text="Se entregó el apoyo.")
    close_office(ctx)
    return made


def sent_events(ctx, kind: str) -> list[Event]:
    with ctx.sessions() as session:
        return list(session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def reminder_rows(ctx) -> list[Reminder]:
    with ctx.sessions() as session:
        return list(session.scalars(select(Reminder).order_by(Reminder.id)))


def test_the_due_turnos_of_each_responsible_directorate(ctx):
    made = office_turnos(ctx)
    set_emails(ctx, programas_sociales="programas@sedesson.test")
    with ctx.sessions() as session:
        due = {d.directorate: d for d in reminders.due(session, TODAY)}
    assert set(due) == {"programas_sociales", "infraestructura_social"}  # copies do not count
    programas = due["programas_sociales"]
    assert programas.name == PROGRAMAS and programas.address == "programas@sedesson.test"
    # Most overdue first; returned, concluded and en-tiempo turnos left out; the closure makes Friday 2 days away.
    assert [(t.folio, t.days_left, t.light) for t in programas.turnos] == [
        (made["tres_dias"].folio, -3, "vencido"), (made["ayer"].folio, -1, "vencido"),
        (made["hoy"].folio, 0, "por-vencer"), (made["dos_dias"].folio, 2, "por-vencer")]
    assert [t.program for t in programas.turnos] == ["Las Jefas", "Mano con Mano", "Mano con Mano", "Las Jefas"]
    assert programas.turnos[0].document_id == made["tres_dias"].document_id
    assert programas.turnos[0].due_date == dt.date(2026, 3, 5)
    infra = due["infraestructura_social"]
    assert infra.address is None and [t.folio for t in infra.turnos] == [made["copia"].folio]
    with ctx.sessions.begin() as session:
        turnos.remove_closure(session, CLOSED)
    with ctx.sessions() as session:
        without_closure = {d.directorate: d for d in reminders.due(session, TODAY)}
    assert [t.days_left for t in without_closure["programas_sociales"].turnos] == [-3, -1, 0]  # Friday: 3 days


def test_one_email_per_directorate_with_folios_programs_and_dates_only(ctx, smtp, monkeypatch):
    made = office_turnos(ctx)
    server = smtp()
    use_smtp(ctx, monkeypatch, server.port)
    monkeypatch.setattr(ctx.settings, "public_url", "https://peticiones.sedesson.test/")
    set_emails(ctx, programas_sociales="programas@sedesson.test", juridica="juridica@sedesson.test")
    outcome = reminders.send_daily(ctx, TODAY)
    assert [d.directorate for d in outcome.sent] == ["programas_sociales"]
    assert [d.directorate for d in outcome.without_address] == ["infraestructura_social"]
    assert [m["to"] for m in server.messages] == [["programas@sedesson.test"]]  # juridica has nothing due
    message = parsed(server.messages[0])
    assert message["Subject"] == f"Turnos por vencer y vencidos · {PROGRAMAS} · 10/03/2026"
    assert message["From"] == "peticiones@sedesson.test"
    text = message.get_body(("plain",)).get_content()
    order = [text.index(made[k].folio) for k in ("tres_dias", "ayer", "hoy", "dos_dias")]
    assert order == sorted(order)
    for expected in ("2 turnos vencidos", "2 turnos por vencer", "Vencidos (2):", "Por vencer (2):",
                     f"documento {made['tres_dias'].document_id}", "Las Jefas", "fecha límite 05/03/2026",
                     "venció hace 3 días hábiles", "vence hoy", "quedan 2 días hábiles",
                     "https://peticiones.sedesson.test/turnados?direccion=programas_sociales",
                     "ningún dato personal"):
        assert expected in text, expected
    for absent in (made["copia"].folio, made["en_tiempo"].folio, made["devuelto"].folio, made["concluido"].folio,
                   "María", "Peña", "Máquina de coser", "Hermosillo"):
        assert absent not in text, absent
    [row] = reminder_rows(ctx)
    assert (row.directorate, row.day, row.turnos, row.overdue, row.address) == (
        "programas_sociales", TODAY, 4, 2, "programas@sedesson.test")
    assert row.sent_at is not None and row.message_id == message["Message-ID"]
    [event] = sent_events(ctx, "reminder_sent")
    assert event.document_id is None
    assert (event.detail["directorate"], event.detail["day"], event.detail["overdue"], event.detail["due_soon"]) == (
        "programas_sociales", "2026-03-10", 2, 2)
    assert labels.event({"kind": "reminder_sent", "detail": event.detail}, {"programas_sociales": PROGRAMAS}) == (
        f"Recordatorio de vencimientos enviado a {PROGRAMAS} (programas@sedesson.test)")


def test_without_a_public_url_the_email_has_no_link(ctx, smtp, monkeypatch):
    turno(ctx, "las_jefas", dt.date(2026, 3, 9))
    server = smtp()
    use_smtp(ctx, monkeypatch, server.port)
    set_emails(ctx, programas_sociales="programas@sedesson.test")
    reminders.send_daily(ctx, TODAY)
    text = parsed(server.messages[0]).get_body(("plain",)).get_content()
    assert "turnados" not in text and "tiene en atención 1 turno vencido." in text


def test_a_day_is_sent_once_even_by_two_senders_at_once(ctx, smtp, monkeypatch):
    turno(ctx, "las_jefas", dt.date(2026, 3, 9))
    turno(ctx, "habitacion_propia", TODAY)
    server = smtp()
    use_smtp(ctx, monkeypatch, server.port)
    set_emails(ctx, programas_sociales="programas@sedesson.test", infraestructura_social="infra@sedesson.test")
    start = threading.Barrier(2)
    outcomes = []

    def send():
        start.wait()
        outcomes.append(reminders.send_daily(ctx, TODAY))

    senders = [threading.Thread(target=send) for _ in range(2)]
    for s in senders:
        s.start()
    for s in senders:
        s.join(30)
    assert sorted(m["to"][0] for m in server.messages) == ["infra@sedesson.test", "programas@sedesson.test"]
    assert sum(len(o.sent) for o in outcomes) == 2 and sum(len(o.already) for o in outcomes) == 2
    again = reminders.send_daily(ctx, TODAY)
    assert again.sent == [] and len(again.already) == 2 and len(server.messages) == 2
    assert [r.attempts for r in reminder_rows(ctx)] == [1, 1]
    # The next office day is a new reminder.
    assert len(reminders.send_daily(ctx, dt.date(2026, 3, 12)).sent) == 2


def test_a_claim_keeps_a_second_sender_off_until_it_goes_stale(ctx):
    now = dt.datetime.now(dt.timezone.utc)
    with ctx.sessions.begin() as session:
        first = store.claim(session, "programas_sociales", TODAY, now - dt.timedelta(minutes=5))
    with ctx.sessions.begin() as session:
        assert store.claim(session, "programas_sociales", TODAY, now - dt.timedelta(minutes=5)) is None
    with ctx.sessions.begin() as session:  # the first sender died mid-way: its claim expires
        assert store.claim(session, "programas_sociales", TODAY, now + dt.timedelta(minutes=1)) == first
    with ctx.sessions.begin() as session:
        store.mark_sent(session, first, "programas@sedesson.test", "<id@x>", 1, 0)
    with ctx.sessions.begin() as session:
        assert store.claim(session, "programas_sociales", TODAY, now + dt.timedelta(minutes=1)) is None


def test_a_server_failure_leaves_the_reminder_unsent_and_a_later_try_sends_it(ctx, smtp, monkeypatch):
    turno(ctx, "las_jefas", dt.date(2026, 3, 9))
    server = smtp()
    port = server.port
    server.stop()
    use_smtp(ctx, monkeypatch, port)
    set_emails(ctx, programas_sociales="programas@sedesson.test")
    outcome = reminders.send_daily(ctx, TODAY)
    assert [(d.directorate, e.code) for d, e in outcome.failed] == [("programas_sociales", "mail_unreachable")]
    [row] = reminder_rows(ctx)
    assert row.sent_at is None and row.claimed_at is None and row.error_code == "mail_unreachable"
    assert [e.detail["error_code"] for e in sent_events(ctx, "reminder_failed")] == ["mail_unreachable"]
    back = smtp(port)
    assert [d.directorate for d in reminders.send_daily(ctx, TODAY).sent] == ["programas_sociales"]
    reminders.send_daily(ctx, TODAY)
    assert [m["to"] for m in back.messages] == [["programas@sedesson.test"]]
    [row] = reminder_rows(ctx)
    assert row.sent_at is not None and row.error_code is None and row.attempts == 2


def test_no_reminders_on_weekends_holidays_and_closures(ctx, smtp, monkeypatch):
    turno(ctx, "las_jefas", dt.date(2026, 3, 9))
    close_office(ctx)
    server = smtp()
    use_smtp(ctx, monkeypatch, server.port)
    set_emails(ctx, programas_sociales="programas@sedesson.test")
    for day in (dt.date(2026, 3, 14), dt.date(2026, 3, 15), dt.date(2026, 3, 16), CLOSED):
        outcome = reminders.send_daily(ctx, day)
        assert not outcome.office_day and outcome.sent == [], day
        saturday_nine = dt.datetime(2026, 3, 14, 16, 0, tzinfo=dt.timezone.utc)  # 09:00 in Hermosillo
        assert reminders.day_to_send(ctx, saturday_nine) is None
    assert server.messages == [] and reminder_rows(ctx) == []


def test_without_smtp_nothing_is_sent_or_recorded(ctx, smtp):
    turno(ctx, "las_jefas", dt.date(2026, 3, 9))
    server = smtp()
    set_emails(ctx, programas_sociales="programas@sedesson.test")
    outcome = reminders.send_daily(ctx, TODAY)
    assert outcome.office_day and outcome.sent == outcome.failed == []
    assert server.messages == [] and reminder_rows(ctx) == []


def cli(home, port: int, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PETICIONES_HOME": str(home), "PETICIONES_SMTP_HOST": "127.0.0.1",
           "PETICIONES_SMTP_PORT": str(port), "PETICIONES_SMTP_STARTTLS": "false",
           "PETICIONES_SMTP_FROM": "peticiones@sedesson.test"}
    return subprocess.run(PETICIONES + ["recordatorios", *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=180)


def test_the_command_simulates_then_sends_once(ctx, home, smtp):
    made = turno(ctx, "las_jefas", dt.date(2026, 3, 9))
    server = smtp()
    set_emails(ctx, programas_sociales="programas@sedesson.test")
    preview = cli(home, server.port, "--fecha", "2026-03-10", "--simular")
    assert preview.returncode == 0, preview.stderr
    assert f"Para: {PROGRAMAS} <programas@sedesson.test>" in preview.stdout
    assert f"Asunto: Turnos por vencer y vencidos · {PROGRAMAS} · 10/03/2026" in preview.stdout
    assert made.folio in preview.stdout and "María" not in preview.stdout
    assert "No se envió ni se registró nada" in preview.stderr
    assert server.messages == [] and reminder_rows(ctx) == []

    sent = cli(home, server.port, "--fecha", "2026-03-10")
    assert sent.returncode == 0, sent.stderr
    assert f"Enviado a {PROGRAMAS} (programas@sedesson.test): vencidos 1, por vencer 0." in sent.stderr
    again = cli(home, server.port, "--fecha", "2026-03-10")
    assert again.returncode == 0 and "ya se había enviado" in again.stderr
    assert len(server.messages) == 1
    assert "ya se envió el 20" in cli(home, server.port, "--fecha", "2026-03-10", "--simular").stderr

    weekend = cli(home, server.port, "--fecha", "2026-03-14")
    assert weekend.returncode == 0 and "no es día hábil" in weekend.stderr
    wrong = cli(home, server.port, "--fecha", "10/03/2026")
    assert wrong.returncode == 2 and "AAAA-MM-DD" in wrong.stderr
    assert len(server.messages) == 1


def test_the_service_sends_after_the_hour_and_stops_at_once(ctx, smtp, monkeypatch):
    turno(ctx, "las_jefas", dt.date(2026, 3, 9))
    server = smtp()
    use_smtp(ctx, monkeypatch, server.port)
    set_emails(ctx, programas_sociales="programas@sedesson.test")
    monkeypatch.setattr(ctx.settings, "delivery_retry_seconds", 0.05)
    # The office clock (Hermosillo, UTC-7): 07:59, then 08:00 on Tuesday 10 March.
    now = [dt.datetime(2026, 3, 10, 14, 59, tzinfo=dt.timezone.utc)]
    rounds = []

    def clock():
        rounds.append(now[0])
        return now[0]

    stop = threading.Event()
    thread = threading.Thread(target=service.send_reminders, args=(ctx, stop, clock), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while len(rounds) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(rounds) >= 3 and server.messages == []  # rounds ran at 07:59 and sent nothing
        now[0] = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.timezone.utc)
        deadline = time.monotonic() + 20
        while not server.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # several more rounds: still one e-mail
        assert [m["to"] for m in server.messages] == [["programas@sedesson.test"]]
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()

    # With the default period (minutes between checks), the stop event still ends the thread at once.
    monkeypatch.setattr(ctx.settings, "delivery_retry_seconds", 300.0)
    stop = threading.Event()
    thread = threading.Thread(target=service.send_reminders, args=(ctx, stop, lambda: now[0]), daemon=True)
    thread.start()
    time.sleep(0.3)
    began = time.monotonic()
    stop.set()
    thread.join(5)
    assert not thread.is_alive() and time.monotonic() - began < 2


def claim_while_another_holds_its_transaction(ctx) -> tuple[int | None, int | None]:
    """Sender A claims and keeps its transaction open while sender B tries: B must wait for A and get nothing."""
    stale_before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    a_claimed, results = threading.Event(), {}

    def sender_a():
        with ctx.sessions.begin() as session:
            results["a"] = store.claim(session, "programas_sociales", TODAY, stale_before)
            a_claimed.set()
            time.sleep(0.5)

    def sender_b():
        a_claimed.wait(10)
        with ctx.sessions.begin() as session:
            results["b"] = store.claim(session, "programas_sociales", TODAY, stale_before)

    threads = [threading.Thread(target=sender_a), threading.Thread(target=sender_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results["a"], results["b"]


def test_overlapping_claims_give_the_day_to_one_sender(ctx):
    first, second = claim_while_another_holds_its_transaction(ctx)
    assert first is not None and second is None


@pytest.mark.slow
def test_overlapping_claims_on_postgresql_give_the_day_to_one_sender(tmp_path):
    from pipeline.context import Context
    from pipeline.settings import Settings
    from tests.servers import postgres_server
    from tests.test_shared_servers import fresh_database

    with postgres_server() as url:
        pg = Context.open(Settings(home=tmp_path / "data", database_url=fresh_database(url)))
        try:
            first, second = claim_while_another_holds_its_transaction(pg)
        finally:
            pg.close()
    assert first is not None and second is None


def test_a_refused_address_is_not_tried_again_that_day_and_does_not_hold_up_the_others(ctx, smtp, monkeypatch):
    turno(ctx, "las_jefas", dt.date(2026, 3, 9))
    turno(ctx, "infraestructura_basica", dt.date(2026, 3, 9))
    server = smtp()
    server.refuse.add("programas@sedesson.test")
    use_smtp(ctx, monkeypatch, server.port)
    set_emails(ctx, programas_sociales="programas@sedesson.test", infraestructura_social="infra@sedesson.test")
    outcome = reminders.send_daily(ctx, TODAY)
    assert [(d.directorate, e.code) for d, e in outcome.failed] == [("programas_sociales", "mail_refused")]
    assert [d.directorate for d in outcome.sent] == ["infraestructura_social"]
    again = reminders.send_daily(ctx, TODAY)
    assert again.sent == again.failed == [] and {d.directorate for d in again.already} == {
        "programas_sociales", "infraestructura_social"}
    assert [m["to"] for m in server.messages] == [["infra@sedesson.test"]]
    assert len(sent_events(ctx, "reminder_failed")) == 1  # one event, not one per round all day
