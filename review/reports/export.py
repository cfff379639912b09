"""The turnados list as a spreadsheet for gerencia and administración: CSV (UTF-8 with a BOM, so Excel shows the
accents) and XLSX, from the same rows."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy.orm import Session

from review.errors import UnknownDirectorate
from review.turnos import calendar
from review import labels
from review.reports import spreadsheet, views
from review.reports.workbook import Table, xlsx
from review.roles import Actor, require
from storage import catalogue, decisions
from storage import routing as turnos
from storage.tables import Directorate

COLUMNS = ("Folio", "Documento", "Canal", "Recibido", "Turnado", "Peticionario", "Municipio", "Asunto", "Programa",
           "Dirección responsable", "Con copia a", "Instrucción", "Días hábiles de plazo", "Fecha límite",
           "Días hábiles restantes", "Semáforo")
CHUNK = 500
LIGHTS = {"vencido": "vencido", "por-vencer": "por vencer", "en-tiempo": "en tiempo"}


def countdown(today: dt.date, due_date: str, closed: set[dt.date]) -> tuple[int, str]:
    """Business days left to a turno's due date (ISO, as views.routed gives it) and its traffic light."""
    left = calendar.business_days_between(today, dt.date.fromisoformat(due_date), closed)
    return left, calendar.light(left)


def routed_rows(session: Session, actor: Actor, directorate: str | None, timezone: str,
                today: dt.date) -> list[list]:
    """The rows of the turnos in attention (one directorate's or all), in COLUMNS order: names for codes, dates
    as dates and the routing moment in the office's local time."""
    require(actor, "export")
    known = catalogue.load(session)
    if directorate is not None and session.get(Directorate, directorate) is None:  # an inactive one is fine
        raise UnknownDirectorate(directorate)  # also keeps the download's file name to a catalogue code
    rows = views.routed(session, actor, directorate, limit=100_000)
    names = {d.code: d.name for d in known.directorates}
    programs = {p.code: p.name for p in known.programs}
    closed = turnos.closures(session)
    ids = [r["document_id"] for r in rows]
    fields: dict[int, dict] = {}  # the petitioner as last confirmed (a rectificación after routing included)
    for start in range(0, len(ids), CHUNK):  # in chunks: SQLite takes a bounded number of parameters per query
        fields.update(decisions.confirmed_fields_of(session, ids[start:start + CHUNK]))
    lines = []
    for r in rows:
        f = fields.get(r["document_id"], {})
        left, lit = countdown(today, r["due_date"], closed)
        routed_at = r["routed_at"] and calendar.local_moment(r["routed_at"], timezone).replace(
            tzinfo=None, second=0, microsecond=0)  # the office's clock: a spreadsheet keeps no time zone
        lines.append([r["folio"], r["document_id"], labels.channel(r["channel"]),
                      dt.date.fromisoformat(r["received_on"]), routed_at, f.get("name", ""),
                      f.get("municipality", ""), f.get("subject") or f.get("request", ""),
                      programs.get(r["program"], r["program"] or ""), names.get(r["directorate"], r["directorate"]),
                      "; ".join(names.get(c, c) for c in r["copies"]), r["instruction"], r["deadline_days"],
                      dt.date.fromisoformat(r["due_date"]), left, LIGHTS[lit]])
    return lines


def routed_csv(rows: list[list]) -> str:
    """The CSV text of `routed_rows` (UTF-8 with a BOM, so Excel shows the accents)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = spreadsheet.writer(out)  # formulas neutralised
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def routed_xlsx(rows: list[list]) -> bytes:
    """The workbook of `routed_rows`: one sheet, dates as date cells."""
    return xlsx([Table("Turnados", COLUMNS, rows)])
