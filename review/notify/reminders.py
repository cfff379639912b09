"""Alertas de vencimiento: once per office day, each directorate with an address gets one e-mail listing the turnos
in attention it is responsible for that are vencidos or por vencer (the turnados page's traffic light).

These e-mails carry folios, document numbers, programs and dates only, never the petitioner's personal data
(name, address, CURP, phone, subject): they go to a directorate's mailbox without a turno's privacy notice, and the
folio is enough to open the turno in the web app.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from pipeline.context import Context
from review.notify.errors import MailFailed, MailRefused
from review.turnos import calendar
from review import dates
from review.notify import mail
from review.turnos.calendar import SOON, light
from storage import catalogue, events
from storage import reminders as store
from storage import routing as turnos
from storage.tables import aware, utcnow
from storage.events import EventKind

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class DueTurno:
    folio: str
    document_id: int
    program: str  # the program's name; "" when the turno has none
    due_date: dt.date
    days_left: int  # business days; negative once overdue

    @property
    def light(self) -> str:
        return light(self.days_left)


@dataclass(frozen=True)
class Digest:
    """One directorate's reminder for one office day: vencidos first (most overdue first), then por vencer."""

    directorate: str
    name: str
    address: str | None
    day: dt.date
    turnos: tuple[DueTurno, ...]

    @property
    def overdue(self) -> tuple[DueTurno, ...]:
        return tuple(t for t in self.turnos if t.light == "vencido")

    @property
    def due_soon(self) -> tuple[DueTurno, ...]:
        return tuple(t for t in self.turnos if t.light == "por-vencer")


@dataclass
class Outcome:
    """What one round of sending did, per directorate."""

    day: dt.date
    office_day: bool
    sent: list[Digest] = field(default_factory=list)
    failed: list[tuple[Digest, MailFailed]] = field(default_factory=list)
    already: list[Digest] = field(default_factory=list)  # sent earlier that day, or another sender is at it
    without_address: list[Digest] = field(default_factory=list)


def is_office_day(session: Session, day: dt.date) -> bool:
    """A business day: no reminders on weekends, official holidays and office closures."""
    return calendar.is_business_day(day, turnos.closures(session))


def due(session: Session, day: dt.date) -> list[Digest]:
    """Per responsible directorate (copies are not counted), its turnos in attention that are vencidos or por vencer
    on `day`, by directorate name; a directorate without any is left out, one without an address kept (None)."""
    closed = turnos.closures(session)
    before = calendar.in_time_from(day, closed)
    programs = {p.code: p.name for p in catalogue.load(session).programs}
    by_directorate: dict[str, list[DueTurno]] = {}
    for r in store.in_attention_due_before(session, before):
        left = calendar.business_days_between(day, r.due_date, closed)
        if light(left) == "en-tiempo":
            continue
        by_directorate.setdefault(r.directorate, []).append(
            DueTurno(r.folio, r.document_id, programs.get(r.program or "", r.program or ""), r.due_date, left))
    known = store.directorates(session, by_directorate)
    digests = []
    for code, listed in by_directorate.items():
        name, address = known.get(code, (code, None))
        digests.append(Digest(code, name, address, day,
                              tuple(sorted(listed, key=lambda t: (t.days_left, t.due_date, t.folio)))))
    return sorted(digests, key=lambda d: (d.name, d.directorate))


def subject(digest: Digest) -> str:
    return f"Turnos por vencer y vencidos · {digest.name} · {dates.day(digest.day)}"


def body(digest: Digest, public_url: str | None, office: str) -> str:
    """The plain Spanish text: counts, then each turno (folio, document, program, due date, business days)."""
    overdue, soon = digest.overdue, digest.due_soon
    counts = [_count(len(overdue), "turno vencido", "turnos vencidos")] if overdue else []
    if soon:
        counts.append(f"{_count(len(soon), 'turno por vencer', 'turnos por vencer')} (fecha límite en {SOON} días "
                      "hábiles o menos)")
    lines = [f"{digest.name}:", "", f"Al {dates.day(digest.day)}, su dirección tiene en atención {' y '.join(counts)}.",
             ""]
    for title, listed in (("Vencidos", overdue), ("Por vencer", soon)):
        if not listed:
            continue
        lines.append(f"{title} ({len(listed)}):")
        for t in listed:
            program = t.program or "sin programa"
            lines.append(f"- {t.folio} · documento {t.document_id} · {program} · fecha límite {dates.day(t.due_date)} "
                         f"· {_left(t.days_left)}")
        lines.append("")
    if public_url:
        lines += [f"Véalos en {public_url.rstrip('/')}/turnados?direccion={digest.directorate}", ""]
    lines += ["Registre en el sistema el avance o la respuesta de cada turno; un turno respondido deja de aparecer "
              "en este aviso.",
              "Este aviso llega una vez por día hábil y sólo contiene folios, programas y fechas, ningún dato personal "
              "de los peticionarios.", "", office]
    return "\n".join(lines) + "\n"


def day_to_send(ctx: Context, moment: dt.datetime) -> dt.date | None:
    """The office day whose reminders are due at `moment`: past reminder_hour on the office clock on a business
    day; None otherwise."""
    local = calendar.local_moment(moment, ctx.settings.timezone)
    if local.hour < ctx.settings.reminder_hour:
        return None
    with ctx.sessions() as session:
        return local.date() if is_office_day(session, local.date()) else None


def sent_on(session: Session, day: dt.date) -> dict[str, dt.datetime]:
    """{directorate: when its reminder went} for this office day."""
    return {code: aware(r.sent_at) for code, r in store.of_day(session, day).items() if r.sent_at is not None}


def send_daily(ctx: Context, today: dt.date) -> Outcome:
    """Send `today`'s reminders not sent yet (one per directorate with an address and due turnos). Each is claimed
    just before it goes, so that two processes never both send it and no claim outlives its lease while others are
    sent. A failure leaves it unsent with its code, for a later try that day; an address the server refused is not
    tried again that day; a server that fails leaves the rest for the next round."""
    settings = ctx.settings
    with ctx.sessions() as session:
        if not is_office_day(session, today):
            return Outcome(today, False)
        digests = due(session, today)
        done = sent_on(session, today)
    outcome = Outcome(today, True, without_address=[d for d in digests if not d.address])
    if not mail.enabled(settings):
        return outcome
    waiting = [d for d in digests if d.address]
    outcome.already += [d for d in waiting if d.directorate in done]
    waiting = [d for d in waiting if d.directorate not in done]
    for position, digest in enumerate(waiting):
        with ctx.sessions.begin() as session:
            reminder_id = store.claim(session, digest.directorate, today, utcnow() - mail.claim_lease(settings),
                                      given_up=(MailRefused.code,))
        if reminder_id is None:
            outcome.already.append(digest)
            continue
        message = mail.Plain(digest.address, subject(digest), body(digest, settings.public_url, settings.office_name))
        try:
            message_id = mail.send_plain(settings, message)
        except MailFailed as error:
            _failed(ctx, digest, reminder_id, error)
            outcome.failed.append((digest, error))
            if not isinstance(error, MailRefused):  # the server, not this address: the others wait for the next round
                outcome.failed += [(d, error) for d in waiting[position + 1:]]
                break
            continue
        _sent(ctx, digest, reminder_id, message_id)
        outcome.sent.append(digest)
    return outcome


def _sent(ctx: Context, digest: Digest, reminder_id: int, message_id: str) -> None:
    overdue, soon = len(digest.overdue), len(digest.due_soon)
    with ctx.sessions.begin() as session:
        store.mark_sent(session, reminder_id, digest.address, message_id, len(digest.turnos), overdue)
        events.record(session, EventKind.reminder_sent, "review", None, directorate=digest.directorate,
                      day=digest.day.isoformat(), to=digest.address, overdue=overdue, due_soon=soon,
                      message_id=message_id)
    log.info("recordatorio del %s enviado a %s (%s): %s vencidos, %s por vencer", digest.day, digest.directorate,
             digest.address, overdue, soon)


def _failed(ctx: Context, digest: Digest, reminder_id: int, error: MailFailed) -> None:
    with ctx.sessions.begin() as session:
        store.mark_failed(session, reminder_id, error.code, digest.address)
        events.record(session, EventKind.reminder_failed, "review", None, directorate=digest.directorate,
                      day=digest.day.isoformat(), to=digest.address, error_code=error.code, error=str(error)[:300])
    log.warning("recordatorio del %s a %s (%s) no enviado: %s", digest.day, digest.directorate, digest.address,
                error.code)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _left(days: int) -> str:
    if days < 0:
        return f"venció hace {_count(-days, 'día hábil', 'días hábiles')}"
    if days == 0:
        return "vence hoy"
    return f"{'queda' if days == 1 else 'quedan'} {_count(days, 'día hábil', 'días hábiles')}"
