"""The monthly report for the Governor's office (seed responsibility 6): the informe de atención of one calendar
month (the same figures as /informe for that month), the petitions answered within their deadline and after it,
and the same for each directorate. Rendered as a PDF by review/reports/monthly_pdf.py and, if asked, as a
workbook; `peticiones informe mensual` and the *Informe* page's button make it, and the access log records it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from review.errors import InvalidInput
from review.reports import audit, report
from review.reports.workbook import Table, xlsx
from review.roles import Actor, log_access, require
from review.turnos import calendar
from review.turnos.slip import MONTHS
from storage.tables import Document, FollowUp, Routing, State

_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class Section:
    """One directorate's part (None: the whole office): its informe, and its answers on time and late."""

    code: str | None
    name: str
    informe: report.Report
    on_time: int
    late: int


@dataclass(frozen=True)
class Monthly:
    month: dt.date  # its first day
    today: dt.date
    office: str
    whole: Section
    directorates: tuple[Section, ...]  # those with petitions received in the month, the most first
    names: dict[str, dict[str, str]]  # the catalogue's names by code ("directorate", "program")

    @property
    def title(self) -> str:
        """"noviembre de 2026"."""
        return month_name(self.month)


def month_name(first: dt.date) -> str:
    return f"{MONTHS[first.month - 1]} de {first.year}"


def month_period(text: str | None, today: dt.date) -> audit.Period:
    """The calendar month written AAAA-MM, first to last day; refused (Spanish reason) when malformed, out of the
    system's range or not begun yet."""
    found = _MONTH.fullmatch((text or "").strip())
    if not found or not 1 <= int(found[2]) <= 12:
        raise InvalidInput(f"mes: {str(text)[:20]!r}", user_message=f"El mes «{str(text or '')[:20]}» no es válido: "
                           "escríbalo como AAAA-MM, por ejemplo 2026-11.")
    first = calendar.check_day(dt.date(int(found[1]), int(found[2]), 1), "mes")
    if first > today:
        raise InvalidInput(f"mes {text} not begun", user_message=f"El mes {text} aún no comienza: elija un mes "
                           "hasta el actual.")
    return audit.Period(*calendar.month_of(first))


def monthly(session: Session, actor: Actor, mes: str | None, timezone: str, today: dt.date, office: str,
            names: dict[str, dict[str, str]]) -> Monthly:
    """The month's report: the whole office, then each directorate that received petitions in it."""
    require(actor, "report")
    p = month_period(mes, today)
    answered = answered_in_time(session, p, timezone)
    whole, informes = report.with_directorates(session, actor, p, timezone, today)

    def section(code: str | None, informe: report.Report) -> Section:
        if code:
            on_time, late = answered.get(code, (0, 0))
        else:
            on_time, late = sum(a for a, _ in answered.values()), sum(b for _, b in answered.values())
        name = names.get("directorate", {}).get(code, code) if code else "Toda la oficina"
        return Section(code, name, informe, on_time, late)

    codes = [row.key for row in whole.tables["directorate"] if row.key is not None]  # the most petitions first
    return Monthly(p.since, today, office, section(None, whole), tuple(section(code, informes[code]) for code in codes),
                   names)


def answered_in_time(session: Session, p: audit.Period, timezone: str) -> dict[str, tuple[int, int]]:
    """Per directorate: of the petitions received in the period and answered (the informe's «respondidas»), how
    many were answered by their due date and how many after it."""
    start, end = audit.bounds(p, timezone)
    in_time = calendar.answered_on_time(FollowUp.answered_on, Routing.due_date)
    query = (select(Routing.directorate, in_time, func.count()).select_from(Document)
             .join(Routing, and_(Routing.document_id == Document.id, Routing.returned_at.is_(None)))
             .join(FollowUp, and_(FollowUp.document_id == Document.id, FollowUp.routing_id == Routing.id,
                                  FollowUp.kind == "answer"))
             .where(Document.received_at >= start, Document.received_at < end, Document.state == State.concluded)
             .group_by(Routing.directorate, in_time))
    counts: dict[str, list[int]] = {}
    for code, on_time, count in session.execute(query):
        counts.setdefault(code, [0, 0])[0 if on_time else 1] += count
    return {code: (right, late) for code, (right, late) in counts.items()}


def as_xlsx(m: Monthly) -> bytes:
    """The month's informe, a sheet per table, and a sheet of answers on time and late per directorate."""
    rows = [[s.name, s.informe.total.counts["answered"], s.on_time, s.late, s.informe.total.counts["overdue"]]
            for s in (*m.directorates, m.whole)]
    timely = Table("Respuestas en plazo", ("Dirección", "Respondidas", "En plazo", "Fuera de plazo",
                                           "En atención, vencidas"), rows)
    return xlsx([*report.as_tables(m.whole.informe, m.names), timely])


def record(session: Session, actor: Actor, m: Monthly, kind: str) -> None:
    """The access log's entry: who produced the month's report, and in what form."""
    log_access(session, actor, "monthly_report", target=f"informe mensual {m.month:%Y-%m} ({kind})")
