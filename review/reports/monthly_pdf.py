"""The monthly report (review/reports/monthly.py) as a letter-size PDF with the office's header: a summary page for
the whole office with bar charts (overdue per directorate, the main programs and municipalities, received per
channel), then a page per directorate. The bars are drawn by fpdf2 directly: no image, nothing fetched."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from review import admin, dates
from review.reports import monthly, report
from review.reports.monthly import Monthly, Section
from review.turnos.slip import labelled_rows, long_date, office_page

TOP = 10  # programs and municipalities shown per chart
BAR = (0, 114, 178)  # the web charts' first colour
ALERT = (213, 94, 0)


def render(m: Monthly, font: Path) -> bytes:
    pdf = office_page(font, f"Informe mensual de atención: {m.title}", m.office)
    _heading(pdf, "INFORME MENSUAL DE ATENCIÓN", m)
    _section(pdf, m, m.whole)
    _bars(pdf, "En atención y vencidas, por dirección",
          [(s.name, s.informe.total.counts["overdue"]) for s in m.directorates], ALERT)
    _breakdowns(pdf, m, m.whole)
    _bars(pdf, "Recibidas por medio de recepción",
          [(report.key_name("channel", x.key, m.names), x.received) for x in m.whole.informe.tables["channel"]])
    for s in m.directorates:
        pdf.add_page()
        pdf.set_font("slip", "", 9)
        pdf.multi_cell(pdf.w - 40, 4.5, m.office, align="C", new_x="LMARGIN", new_y="NEXT")
        _heading(pdf, s.name.upper(), m)
        _section(pdf, m, s)
        _breakdowns(pdf, m, s)
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str, m: Monthly) -> None:
    width = pdf.w - 40
    pdf.ln(3)
    pdf.set_font("slip", "B", 14)
    pdf.multi_cell(width, 7, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("slip", "", 11)
    pdf.cell(width, 6, f"Mes: {m.title} · elaborado el {long_date(m.today)}", align="C", new_x="LMARGIN",
             new_y="NEXT")
    pdf.ln(4)


def _section(pdf: FPDF, m: Monthly, s: Section) -> None:
    """The figures: received, answered on time and late, in attention, overdue, waiting, the grado de atención."""
    total = s.informe.total
    counts = total.counts
    share = total.attended_share
    pdf.set_font("slip", "B", 12)
    whose = "" if s.code is None else " y turnadas a esta dirección"
    pdf.multi_cell(pdf.w - 40, 6, f"Peticiones recibidas en {m.title}{whose}: {total.received}", new_x="LMARGIN",
                   new_y="NEXT")
    pdf.ln(2)
    labelled_rows(pdf, [
        ("Respondidas", f"{counts['answered']} (en plazo {s.on_time}, fuera de plazo {s.late})"),
        ("En atención, en plazo", str(counts["open_on_time"])),
        ("En atención, vencidas", str(counts["overdue"])),
        ("Por revisar", str(counts["in_review"])),
        ("No es petición", str(counts["not_petition"])),
        ("Archivo con problema", str(counts["unreadable"])),
        ("Grado de atención", "—" if share is None else f"{share * 100:.1f} % (respondidas entre las peticiones)"),
        ("Periodo", f"{dates.day(s.informe.period.since)} a {dates.day(s.informe.period.until)}; situación al "
                    f"{dates.day(m.today)}"),
    ], size=10, line=5.5, gap=0.8, label_width=55)


def _breakdowns(pdf: FPDF, m: Monthly, s: Section) -> None:
    for dimension, title in (("program", "Principales programas"), ("municipality", "Principales municipios")):
        rows = [x for x in s.informe.tables[dimension] if x.key is not None][:TOP]
        _bars(pdf, f"{title} (recibidas)", [(report.key_name(dimension, x.key, m.names), x.received) for x in rows])


def _bars(pdf: FPDF, title: str, rows: list[tuple[str, int]], colour: tuple[int, int, int] = BAR) -> None:
    """A horizontal bar per row, its label on the left and its figure at its end; a new page when it does not fit."""
    line, label_width = 5.5, 62
    if pdf.get_y() + 12 + line * max(len(rows), 1) > pdf.h - 18:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("slip", "B", 11)
    pdf.cell(pdf.w - 40, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("slip", "", 9)
    if not rows:
        pdf.cell(pdf.w - 40, line, "Ninguna en el mes.", new_x="LMARGIN", new_y="NEXT")
        return
    top = max(value for _, value in rows) or 1
    room = pdf.w - 40 - label_width - 14
    for label, value in rows:
        y = pdf.get_y()
        pdf.set_xy(20, y)
        pdf.cell(label_width - 2, line, _fit(pdf, label, label_width - 3))
        pdf.set_fill_color(*colour)
        width = room * value / top
        if width > 0:
            pdf.rect(20 + label_width, y + 1, width, line - 2, style="F")
        pdf.set_xy(20 + label_width + width + 1.5, y)
        pdf.cell(12, line, str(value), new_x="LMARGIN", new_y="NEXT")


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """The text cut with an ellipsis to fit `width` mm in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def produce(ctx, actor, mes: str | None, today, with_xlsx: bool = False) -> tuple[Monthly, bytes, bytes | None]:
    """The month's report as PDF bytes (and workbook bytes if asked), its making recorded in the access log."""
    with ctx.sessions() as session:
        made = monthly.monthly(session, actor, mes, ctx.settings.timezone, today, ctx.settings.office_name,
                               admin.catalogue_names(session))
    pdf = render(made, ctx.settings.slip_font)
    sheet = monthly.as_xlsx(made) if with_xlsx else None
    with ctx.sessions.begin() as session:
        monthly.record(session, actor, made, "PDF y Excel" if with_xlsx else "PDF")
    return made, pdf, sheet
