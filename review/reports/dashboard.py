"""The gerente's tablero (/tablero): the office at a glance. Turnos overdue and about to be, petitions waiting for
review, received this week, the share answered on time (the audit's default period), and the charts of the weeks
and months behind them. Reads only: a handful of counts and grouped queries, whatever the number of documents."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from review.reports import audit, figures, trends
from review.reports.charts import Chart
from review.roles import Actor, require
from review.turnos import calendar
from storage import routing as turnos
from storage.tables import Document, Routing, State

WEEKS, MONTHS = 12, 6  # the charts' reach


@dataclass(frozen=True)
class Dashboard:
    today: dt.date
    week_start: dt.date  # this office week's Monday
    overdue: int  # turnos in attention past their due date
    due_soon: int  # in attention, due within calendar.SOON business days
    in_review: int
    received_this_week: int  # duplicates left out
    punctuality: audit.Punctuality  # turnos routed in the audit's default period, all directorates
    period: audit.Period
    charts: tuple[Chart, ...]


def dashboard(session: Session, actor: Actor, timezone: str, today: dt.date, names: dict[str, str]) -> Dashboard:
    """The tablero's figures as of `today`; `names`: the directorates' names by code, for the charts."""
    require(actor, "report")
    closed = turnos.closures(session)
    monday = calendar.week_start(today)
    start, _ = audit.bounds(audit.Period(monday, today), timezone)
    default = audit.period(None, None, None, today)
    begin, end = audit.bounds(default, timezone)
    waiting = trends.backlog(session, today, timezone)  # its totals are the overdue and unreviewed counts too
    charts = (figures.received_per_week(session, monday - dt.timedelta(weeks=WEEKS - 1), today, timezone),
              figures.backlog(waiting),
              figures.punctuality_per_month(session, trends.months(today, MONTHS)[0][0], today, names))
    due_soon = (select(func.count()).select_from(Routing).join(Document, Document.id == Routing.document_id)
                .where(Document.state == State.routed, Routing.returned_at.is_(None),
                       *calendar.light_is("por-vencer", Routing.due_date, today, closed)))
    return Dashboard(
        today=today, week_start=monday, overdue=sum(waiting["overdue"]), due_soon=session.scalar(due_soon) or 0,
        in_review=sum(waiting["review"]),
        received_this_week=session.scalar(select(func.count()).select_from(Document).where(
            Document.received_at >= start, Document.state != State.duplicate)) or 0,
        punctuality=audit.punctuality(session, default, begin, end, today, medians=False)[-1], period=default,
        charts=charts)


def as_json(board: Dashboard) -> dict:
    """The tablero as the API returns it (GET /api/v1/dashboard): its counts, ISO dates, the on-time share as a
    fraction; each chart as its table (header and rows, as the page shows them)."""
    charts = [{"ident": c.ident, "title": c.title, "header": list(c.header), "rows": [list(r) for r in c.rows]}
              for c in board.charts]
    return {**audit.plain(asdict(replace(board, charts=()))), "charts": charts}
