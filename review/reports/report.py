"""Informe de atención: the petitions received over a period of office dates and where each stands today
(answered, in attention within its deadline or overdue, waiting for review, not a petition, unreadable), in all
and by channel, program, directorate and the petitioner's municipality. The figures managers report on how far
petitions have been attended (grado de atención), and the tables the Governor's office asks for.

Reads only: one grouped query, folded into tables in Python. Duplicates of a file already received are not counted.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from review.reports import audit, spreadsheet
from review.reports.workbook import Table
from review import labels
from review.roles import Actor, require
from review.turnos import calendar
from review.errors import UnknownDirectorate
from storage.tables import Directorate, Document, Routing, SearchKey, State

# Where a petition stands, in the order the tables show it.
STATUSES = ("answered", "open_on_time", "overdue", "in_review", "not_petition", "unreadable")
STATUS_NAMES = {"answered": "Respondidas", "open_on_time": "En atención, en plazo", "overdue": "En atención, vencidas",
                "in_review": "Por revisar", "not_petition": "No es petición", "unreadable": "Archivo con problema"}
DIMENSIONS = {"channel": "Medio de recepción", "program": "Programa", "directorate": "Dirección",
              "municipality": "Municipio"}


@dataclass(frozen=True)
class Row:
    """One line of a table: petitions received and how many are in each status."""

    key: str | None
    received: int
    counts: dict[str, int]

    @property
    def attended_share(self) -> float | None:
        """Grado de atención: answered among the petitions (what was not a petition is left out)."""
        petitions = self.received - self.counts["not_petition"]
        return self.counts["answered"] / petitions if petitions else None


@dataclass(frozen=True)
class Report:
    period: audit.Period
    today: dt.date
    total: Row
    tables: dict[str, tuple[Row, ...]]  # by DIMENSIONS key; rows with the most petitions first, "none" last


def report(session: Session, actor: Actor, p: audit.Period, timezone: str, today: dt.date) -> Report:
    require(actor, "report")
    if p.directorate and session.get(Directorate, p.directorate) is None:
        raise UnknownDirectorate(p.directorate)
    return _folded(p, today, session.execute(_grouped(p, timezone, today)))


def with_directorates(session: Session, actor: Actor, p: audit.Period, timezone: str,
                      today: dt.date) -> tuple[Report, dict[str, Report]]:
    """The whole office's report over the period and, by code, each directorate's that received petitions in it
    (the same as `report` for that directorate), from one grouped query."""
    require(actor, "report")
    whole = audit.Period(p.since, p.until)
    rows = list(session.execute(_grouped(whole, timezone, today)))
    codes = {row.directorate for row in rows if row.directorate is not None}
    return _folded(whole, today, rows), {code: _folded(audit.Period(p.since, p.until, code), today,
                                                       [row for row in rows if row.directorate == code])
                                         for code in codes}


def _grouped(p: audit.Period, timezone: str, today: dt.date):
    """Petitions received in the period (duplicates left out), counted by channel, program, directorate,
    municipality and status: everything the tables need."""
    start, end = audit.bounds(p, timezone)
    # The turno in attention or concluded: a document has at most one not returned (it is routed again only after
    # a devolución); a returned one (back in review) names no program or directorate.
    turno = and_(Routing.document_id == Document.id, Routing.returned_at.is_(None))
    confirmed, read = aliased(SearchKey), aliased(SearchKey)
    # The reviewer's data once they confirmed any, even without a municipality (they may have removed a wrong
    # reading); the machine's reading where nobody confirmed petitioner data (not routed yet, or routed without it).
    confirmed_any = or_(confirmed.name != "", confirmed.municipality.is_not(None), confirmed.curp.is_not(None),
                        confirmed.phone.is_not(None), confirmed.email.is_not(None))
    municipality = case((confirmed_any, func.nullif(confirmed.municipality, "")),
                        else_=func.nullif(read.municipality, ""))
    status = case(
        (and_(Document.state == State.concluded, Document.reason_code == "not_petition"), "not_petition"),
        (Document.state == State.concluded, "answered"),
        (and_(Document.state == State.routed, calendar.overdue(Routing.due_date, today)), "overdue"),
        (Document.state == State.routed, "open_on_time"),
        (Document.state.in_((State.failed, State.quarantined)), "unreadable"),
        else_="in_review")
    query = (select(Document.channel, Routing.program, Routing.directorate, municipality, status, func.count())
             .select_from(Document).outerjoin(Routing, turno)
             .outerjoin(confirmed, and_(confirmed.document_id == Document.id, confirmed.source == "decision"))
             .outerjoin(read, and_(read.document_id == Document.id, read.source == "extraction"))
             .where(Document.received_at >= start, Document.received_at < end, Document.state != State.duplicate)
             .group_by(Document.channel, Routing.program, Routing.directorate, municipality, status))
    if p.directorate:
        query = query.where(Routing.directorate == p.directorate)
    return query


def _folded(p: audit.Period, today: dt.date, grouped) -> Report:
    """The report's total and tables from `_grouped`'s rows."""
    total: dict[str, int] = dict.fromkeys(STATUSES, 0)
    sums: dict[str, dict] = {name: {} for name in DIMENSIONS}
    for channel, program, directorate, place, state, count in grouped:
        total[state] += count
        for name, key in (("channel", channel), ("program", program), ("directorate", directorate),
                          ("municipality", place)):
            row = sums[name].setdefault(key, dict.fromkeys(STATUSES, 0))
            row[state] += count
    return Report(p, today, _row(None, total), {name: _table(rows) for name, rows in sums.items()})


def as_json(r: Report) -> dict:
    """The report as the API returns it: codes, ISO dates, the attended share as a fraction."""
    def row(x: Row) -> dict:
        share = x.attended_share
        return {"key": x.key, "received": x.received, **x.counts,
                "attended_share": None if share is None else round(share, 4)}

    return {"period": {"since": r.period.since.isoformat(), "until": r.period.until.isoformat(),
                       "directorate": r.period.directorate},
            "today": r.today.isoformat(), "total": row(r.total),
            "tables": {name: [row(x) for x in rows] for name, rows in r.tables.items()}}


def as_csv(r: Report, names: dict[str, dict[str, str]]) -> str:
    """Every table in one sheet (UTF-8 with a BOM, so Excel shows the accents): dimension, value, figures.
    `names` gives the Spanish names of program and directorate codes."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = spreadsheet.writer(out)  # formulas neutralised
    writer.writerow(["Desglose", "Valor", "Recibidas", *(STATUS_NAMES[s] for s in STATUSES), "Grado de atención (%)"])

    def line(dimension: str, value: str, x: Row) -> None:
        share = x.attended_share
        writer.writerow([dimension, value, x.received, *(x.counts[s] for s in STATUSES),
                         "" if share is None else f"{share * 100:.1f}"])

    line("Total", f"{r.period.since.isoformat()} a {r.period.until.isoformat()}", r.total)
    for name, rows in r.tables.items():
        for x in rows:
            line(DIMENSIONS[name], key_name(name, x.key, names), x)
    return out.getvalue()


def as_tables(r: Report, names: dict[str, dict[str, str]]) -> list[Table]:
    """The report as workbook sheets: the period's totals, then a sheet per table, with names for codes."""
    figures = ["Recibidas", *(STATUS_NAMES[s] for s in STATUSES), "Grado de atención"]
    share = len(figures)  # the grado de atención's column, after the first one

    def line(first, x: Row) -> list:
        return [first, x.received, *(x.counts[s] for s in STATUSES), x.attended_share]

    where = names.get("directorate", {}).get(r.period.directorate, r.period.directorate) or "Todas"
    total = Table("Total", ["Desde", "Hasta", "Dirección", *figures],
                  [[r.period.since, r.period.until, *line(where, r.total)]], frozenset({share + 2}))
    return [total, *(Table(DIMENSIONS[name], [DIMENSIONS[name], *figures],
                           [line(key_name(name, x.key, names), x) for x in rows], frozenset({share}))
                     for name, rows in r.tables.items())]


def key_name(dimension: str, key: str | None, names: dict[str, dict[str, str]]) -> str:
    """What staff read for a table's key: the channel's, program's or directorate's name; the municipality as
    written; "sin ..." for none."""
    if key is None:
        return {"program": "Sin turnar o sin programa", "directorate": "Sin turnar",
                "municipality": "Sin municipio"}.get(dimension, "—")
    if dimension == "channel":
        return labels.channel(key)
    return names.get(dimension, {}).get(key, key)


def _row(key: str | None, counts: dict[str, int]) -> Row:
    return Row(key, sum(counts.values()), dict(counts))


def _table(rows: dict) -> tuple[Row, ...]:
    ordered = sorted(rows.items(), key=lambda item: (item[0] is None, -sum(item[1].values()), item[0] or ""))
    return tuple(_row(key, counts) for key, counts in ordered)
