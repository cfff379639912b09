"""The figures behind the managers' charts, by week and by month: petitions received per week and channel, the
backlog by state and age, each directorate's punctuality per month, and suggested against routed programs.

Reads only. Each is one grouped query: moments fall into weeks or months through a CASE over bounds computed here
(the office's local midnights as UTC), which SQLite and PostgreSQL read alike.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from review.turnos import calendar
from storage.tables import Decision, Document, FollowUp, Routing, State

AGES = ((7, "hasta 7 días"), (30, "8 a 30 días"), (90, "31 a 90 días"), (None, "más de 90 días"))
# Where an unfinished petition stands, in the order the backlog chart shows it.
BACKLOG = {"incoming": "Recibido, en lectura", "review": "Por revisar", "on_time": "Turnado, en plazo",
           "overdue": "Turnado, vencido", "problem": "Archivo con problema"}
WAITING = {State.received: "incoming", State.processing: "incoming", State.review: "review", State.failed: "problem",
           State.quarantined: "problem"}  # the states of a petition not routed yet, and where the chart counts them


def weeks(last: dt.date, count: int) -> list[tuple[dt.date, dt.date]]:
    """The `count` office weeks (Monday to Sunday) up to the one holding `last`, oldest first."""
    monday = calendar.week_start(last)
    return [(monday - dt.timedelta(weeks=n), monday - dt.timedelta(weeks=n) + dt.timedelta(days=6))
            for n in range(count - 1, -1, -1)]


def months(last: dt.date, count: int) -> list[tuple[dt.date, dt.date]]:
    """The `count` calendar months up to the one holding `last`, oldest first: (first day, last day)."""
    spans, day = [], last
    for _ in range(count):
        spans.append(calendar.month_of(day))
        day = spans[-1][0] - dt.timedelta(days=1)
    return spans[::-1]


def received_by_week(session: Session, spans: list[tuple[dt.date, dt.date]], timezone: str,
                     directorate: str | None = None) -> dict[str, list[int]]:
    """Petitions received (duplicates left out) per channel and week; with `directorate`, those routed to it."""
    days = [first for first, _ in spans] + [spans[-1][1] + dt.timedelta(days=1)]
    bounds = [calendar.midnight(day, timezone) for day in days]
    bucket = _bucket(Document.received_at, bounds)
    query = (select(Document.channel, bucket, func.count()).where(
        Document.received_at >= bounds[0], Document.received_at < bounds[-1], Document.state != State.duplicate)
        .group_by(Document.channel, bucket))
    if directorate:
        query = query.join(Routing, and_(Routing.document_id == Document.id, Routing.returned_at.is_(None))).where(
            Routing.directorate == directorate)
    table: dict[str, list[int]] = {}
    for channel, index, count in session.execute(query):
        table.setdefault(channel, [0] * len(spans))[index] += count
    return dict(sorted(table.items(), key=lambda item: -sum(item[1])))


def backlog(session: Session, today: dt.date, timezone: str) -> dict[str, list[int]]:
    """Unfinished petitions (not concluded, not duplicates) by where they stand (BACKLOG keys) and age (AGES)."""
    limits = [calendar.midnight(today - dt.timedelta(days=days), timezone) for days, _ in AGES[:-1]]
    table = {key: [0] * len(AGES) for key in BACKLOG}
    # Not routed: received since each limit, per state, read off the (state, received_at) index; each age band is
    # the difference of two such counts (tens of thousands in review: a CASE per row would cost five times more).
    since: list[dict[str, int]] = []
    for limit in (*limits, None):
        query = select(Document.state, func.count()).where(Document.state.in_(tuple(WAITING)))
        if limit is not None:
            query = query.where(Document.received_at >= limit)
        counts = dict.fromkeys(BACKLOG, 0)
        for state, count in session.execute(query.group_by(Document.state)):
            counts[WAITING[state]] += count
        since.append(counts)
    for key in ("incoming", "review", "problem"):
        table[key] = [since[0][key], *(since[n][key] - since[n - 1][key] for n in range(1, len(AGES)))]
    age = case(*((Document.received_at >= limit, n) for n, limit in enumerate(limits)), else_=len(limits))
    due = case((calendar.overdue(Routing.due_date, today), "overdue"), else_="on_time")
    routed = (select(due, age, func.count()).select_from(Routing).join(Document, Document.id == Routing.document_id)
              .where(Document.state == State.routed, Routing.returned_at.is_(None)).group_by(due, age))
    for key, index, count in session.execute(routed):
        table[key][index] += count
    return table


def punctuality_by_month(session: Session, spans: list[tuple[dt.date, dt.date]],
                         directorate: str | None = None) -> dict[str, list[tuple[int, int]]]:
    """Per directorate and month of the answer: (answered on time, answered), turnos returned left out."""
    answered = FollowUp.answered_on
    bucket = _bucket(answered, [first for first, _ in spans] + [spans[-1][1] + dt.timedelta(days=1)])
    on_time = func.sum(case((calendar.answered_on_time(answered, Routing.due_date), 1), else_=0))
    query = (select(Routing.directorate, bucket, on_time, func.count()).select_from(Routing)
             .join(FollowUp, and_(FollowUp.document_id == Routing.document_id, FollowUp.routing_id == Routing.id,
                                  FollowUp.kind == "answer"))
             .where(Routing.returned_at.is_(None), answered >= spans[0][0], answered <= spans[-1][1])
             .group_by(Routing.directorate, bucket))
    if directorate:
        query = query.where(Routing.directorate == directorate)
    table: dict[str, list[tuple[int, int]]] = {}
    for code, index, right, count in session.execute(query):
        table.setdefault(code, [(0, 0)] * len(spans))[index] = (int(right or 0), count)
    return dict(sorted(table.items()))


def confusion(session: Session, start: dt.datetime, end: dt.datetime,
              directorate: str | None = None) -> dict[tuple[str | None, str | None], int]:
    """Route decisions in [start, end) by (program suggested, program routed); None: no suggestion, no program."""
    query = (select(Decision.suggested_program, Decision.program, func.count())
             .where(Decision.kind == "route", Decision.decided_at >= start, Decision.decided_at < end)
             .group_by(Decision.suggested_program, Decision.program))
    if directorate:
        query = query.where(Decision.directorate == directorate)
    return {(suggested, routed): count for suggested, routed, count in session.execute(query)}


def _bucket(column, bounds: list, first: int = 0):
    """The index of the span [bounds[i], bounds[i + 1]) holding `column` (the query keeps it within the bounds):
    CASEs nested as a balanced tree, so a row costs about log2(spans) comparisons, not one per span (53 weeks of
    75,000 petitions: 185 ms → under 50). Always a CASE: PostgreSQL reads a bare integer in GROUP BY as a
    column's position."""
    spans = len(bounds) - 1
    if spans <= 2:
        return case((column < bounds[1], first), else_=first + spans - 1)
    middle = spans // 2
    return case((column < bounds[middle], _bucket(column, bounds[:middle + 1], first)),
                else_=_bucket(column, bounds[middle:], first + middle))
