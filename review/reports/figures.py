"""The managers' charts in Spanish, from the trends (review/reports/trends.py), the informe and the audit: what each
chart shows, its categories and series named for staff (channels, programs and directorates by name)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from review import labels
from review.reports import audit, report, trends
from review.reports.charts import Chart, Series, bars, heatmap, lines
from review.reports.views import BANDS
from review.turnos.slip import MONTHS

MAX_WEEKS, MAX_MONTHS, MAX_PROGRAMS = 53, 12, 10


def week_label(monday: dt.date) -> str:
    return monday.strftime("%d/%m")


def month_label(first: dt.date) -> str:
    return f"{MONTHS[first.month - 1][:3]} {first.year}"


def received_per_week(session: Session, since: dt.date, until: dt.date, timezone: str,
                      directorate: str | None = None) -> Chart:
    """Stacked bars: petitions received each week of [since, until] (the latest MAX_WEEKS), by channel."""
    spans = [span for span in trends.weeks(until, MAX_WEEKS) if span[1] >= since]
    counts = trends.received_by_week(session, spans, timezone, directorate)
    series = [Series(labels.channel(code), values) for code, values in counts.items()]
    return bars("recibidas-semana", "Peticiones recibidas por semana y medio de recepción",
                [week_label(first) for first, _ in spans], series or [Series("Recibidas", [0] * len(spans))])


def backlog(table: dict[str, list[int]]) -> Chart:
    """Stacked bars: unfinished petitions by where they stand, by age since they were received (trends.backlog)."""
    keys = list(trends.BACKLOG)
    series = [Series(name, [table[key][n] for key in keys]) for n, (_, name) in enumerate(trends.AGES)]
    return bars("pendientes", "Peticiones sin concluir por situación y antigüedad", list(trends.BACKLOG.values()),
                series)


def punctuality_per_month(session: Session, since: dt.date, until: dt.date, names: dict[str, str],
                          directorate: str | None = None) -> Chart:
    """Heat map: per directorate and month of the answer, the share answered within the deadline."""
    spans = [span for span in trends.months(until, MAX_MONTHS) if span[1] >= since]
    table = trends.punctuality_by_month(session, spans, directorate)
    values = [[right / count if count else None for right, count in cells] for cells in table.values()]
    return heatmap("puntualidad-mes", "Respondidas en plazo por dirección y mes de la respuesta (%)",
                   [names.get(code, code) for code in table] or ["Sin respuestas"],
                   [month_label(first) for first, _ in spans], values or [[None] * len(spans)], percent=True)


def reliability(accuracy: audit.Accuracy) -> Chart:
    """Lines per confidence band: the suggestions' mean score (stated) against the share that was right."""
    bands = [t for t in reversed(accuracy.bands) if t.key != "sin"]  # baja, media, alta
    names = [BANDS.get(t.key, t.key) for t in bands]
    return lines("confiabilidad", "Confiabilidad de las sugerencias: confianza declarada contra acierto real",
                 names, [Series("Acierto real", [t.share_right for t in bands])],
                 reference=Series("Confianza declarada (puntaje promedio)", [t.mean_score for t in bands]))


def confusion(session: Session, p: audit.Period, timezone: str, programs: dict[str, str]) -> Chart:
    """Heat map: route decisions by program suggested (rows) and program routed (columns), the most used first."""
    start, end = audit.bounds(p, timezone)
    pairs = trends.confusion(session, start, end, p.directorate)
    used: dict[str | None, int] = {}
    for (suggested, routed), count in pairs.items():
        used[suggested] = used.get(suggested, 0) + count
        used[routed] = used.get(routed, 0) + count
    top = [code for code, _ in sorted(used.items(), key=lambda item: (-item[1], item[0] or ""))][:MAX_PROGRAMS]
    name = lambda code: programs.get(code, code) if code else "sin programa"  # noqa: E731
    rows = [code for code in top if any(s == code for s, _ in pairs)]
    columns = [code for code in top if any(r == code for _, r in pairs)]
    values = [[pairs.get((s, r)) for r in columns] for s in rows]
    return heatmap("confusion", "Programa sugerido (filas) contra programa turnado (columnas)",
                   [("sugerido: " + name(s)) if s else "sin sugerencia" for s in rows] or ["Sin decisiones"],
                   [name(r) for r in columns] or ["—"], values or [[None]])


def one_keystroke(learning) -> Chart:
    """A line: the share of each week's route decisions taken with one keystroke."""
    weeks = learning.weeks if learning else ()
    return lines("una-tecla", "Turnos con una sola tecla por semana (%)", [week_label(w.since) for w in weeks],
                 [Series("Con una sola tecla", [w.share for w in weeks])])


def status_per_directorate(r: report.Report, names: dict[str, dict[str, str]]) -> Chart:
    """Stacked bars: the informe's petitions per directorate, by where they stand."""
    rows = r.tables["directorate"]
    return bars("situacion-direccion", "Peticiones del periodo por dirección y situación",
                [report.key_name("directorate", x.key, names) for x in rows],
                [Series(report.STATUS_NAMES[s], [x.counts[s] for x in rows]) for s in report.STATUSES])


def audit_charts(session: Session, a: audit.Audit, timezone: str,
                 names: dict[str, dict[str, str]]) -> dict[str, Chart]:
    """The audit page's charts by their ident: reliability, confusion map, punctuality per month and, with the
    learning part, the weekly one-keystroke share."""
    p = a.period
    charts = [reliability(a.accuracy), confusion(session, p, timezone, names.get("program", {})),
              punctuality_per_month(session, p.since, p.until, names.get("directorate", {}), p.directorate)]
    if a.learning:
        charts.append(one_keystroke(a.learning))
    return {chart.ident: chart for chart in charts}


def report_charts(session: Session, r: report.Report, timezone: str,
                  names: dict[str, dict[str, str]]) -> dict[str, Chart]:
    """The informe page's charts by their ident: received per week and channel, status per directorate."""
    p = r.period
    charts = [received_per_week(session, p.since, p.until, timezone, p.directorate), status_per_directorate(r, names)]
    return {chart.ident: chart for chart in charts}
