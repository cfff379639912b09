"""The routing slip (volante de turno): the one page that goes with a routed petition to its directorate; and the
letter-size page with the office's Unicode font that the slip and the answer letter (review/turnos/letter.py) start from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from classifiers.catalogue import Catalogue
from pipeline.context import Context
from review.errors import SlipFontMissing
from review import labels
from review.turnos import calendar
from storage import catalogue
from storage.tables import Decision, Document, Routing, User

MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
          "noviembre", "diciembre")


@dataclass(frozen=True)
class SlipData:
    office: str
    folio: str
    document_id: int
    received_on: dt.date
    routed_on: dt.date
    channel: str
    petitioner: str
    petitioner_details: str  # municipality, phone... one line
    subject: str
    program: str
    directorate: str
    copies: tuple[str, ...]
    instruction: str
    deadline_days: int
    due_date: dt.date
    routed_by: str
    note: str = ""


def long_date(day: dt.date) -> str:
    """16 de septiembre de 2026."""
    return f"{day.day} de {MONTHS[day.month - 1]} de {day.year}"


PRIVACY = ("Documento con datos personales: su uso se limita a la atención de esta petición (Ley General de "
           "Protección de Datos Personales en Posesión de Sujetos Obligados).")


def office_page(font: Path, title: str, office: str) -> FPDF:
    """A letter-size page with 20 mm margins, the font as "slip" (regular and bold: accents need a Unicode TrueType
    font) and the office's name at its head."""
    if not font.is_file():
        raise SlipFontMissing(str(font))
    bold = font.with_name(font.stem + "-Bold" + font.suffix)
    pdf = FPDF(format="letter", unit="mm")
    pdf.set_title(title)
    pdf.set_author(office)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("slip", "", str(font))
    pdf.add_font("slip", "B", str(bold if bold.is_file() else font))
    pdf.add_page()
    pdf.set_margins(20, 18, 20)
    pdf.set_xy(20, 18)
    pdf.set_font("slip", "", 9)
    pdf.multi_cell(pdf.w - 40, 4.5, office, align="C", new_x="LMARGIN", new_y="NEXT")
    return pdf


def titled_page(font: Path, title: str, office: str, heading: str, folio_line: str) -> FPDF:
    """office_page with the document's name and its folio centred below the office's name."""
    pdf = office_page(font, title, office)
    width = pdf.w - 40
    pdf.ln(3)
    pdf.set_font("slip", "B", 16)
    pdf.cell(width, 9, heading, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("slip", "B", 13)
    pdf.cell(width, 7, folio_line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    return pdf


def labelled_rows(pdf: FPDF, rows, size: float = 10, line: float = 6, gap: float = 1.5,
                  label_width: float = 52) -> None:
    """Label and value side by side, one row each, the label in bold; values wrap in their column."""
    width = pdf.w - 40
    for label, value in rows:
        pdf.set_font("slip", "B", size)
        y = pdf.get_y()
        pdf.multi_cell(label_width - 2, line, label, new_x="LMARGIN", new_y="NEXT")
        below_label = pdf.get_y()
        pdf.set_font("slip", "", size)
        pdf.set_xy(20 + label_width, y)
        pdf.multi_cell(width - label_width, line, value, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(below_label, pdf.get_y()) + gap)


def render(data: SlipData, font: Path) -> bytes:
    """The slip as a one-page PDF (letter size), in Spanish, with accents (a Unicode TrueType font)."""
    pdf = titled_page(font, f"Volante de turno {data.folio}", data.office, "VOLANTE DE TURNO", f"Folio: {data.folio}")
    width = pdf.w - 40

    rows = [
        ("Fecha de recepción", long_date(data.received_on)),
        ("Fecha de turno", long_date(data.routed_on)),
        ("Medio de recepción", data.channel),
        ("Documento", f"núm. {data.document_id}"),
        ("Peticionario", data.petitioner or "(sin dato)"),
        ("Datos de contacto", data.petitioner_details or "(sin dato)"),
        ("Asunto", data.subject or "(sin dato)"),
        ("Programa", data.program or "(sin programa)"),
        ("Turnado a", data.directorate),
        ("C.c.p.", ", ".join(data.copies) if data.copies else "—"),
        ("Instrucción", data.instruction),
        ("Plazo", f"{data.deadline_days} días hábiles"),
        ("Fecha límite", long_date(data.due_date)),
        ("Turnó", data.routed_by),
    ]
    if data.note:
        rows.append(("Observaciones", data.note))
    labelled_rows(pdf, rows)
    pdf.ln(8)
    pdf.set_font("slip", "", 8)
    pdf.multi_cell(width, 4, PRIVACY, align="C")
    return bytes(pdf.output())


# What a turno's slip says and where it is kept ----------------------------------------------------------------------


def slip_data(ctx: Context, session, routing: Routing, known: Catalogue | None = None) -> SlipData:
    """What the slip and the e-mail say of a turno; `known` spares a batch one catalogue read per turno."""
    document = session.get(Document, routing.document_id)
    decision = session.get(Decision, routing.decision_id) if routing.decision_id else None
    user = session.get(User, routing.routed_by)
    known = known or catalogue.load(session)
    names = {d.code: d.name for d in known.directorates}
    programs = {p.code: p.name for p in known.programs}
    fields = decision.fields if decision else {}
    shown = {name: labels.field_value(name, value) for name, value in fields.items()}
    details = " · ".join(shown[k] for k in ("municipality", "locality", "address", "phone", "email") if shown.get(k))
    subject = fields.get("subject") or fields.get("request") or ""
    return SlipData(
        office=ctx.settings.office_name, folio=routing.folio, document_id=routing.document_id,
        received_on=routing.received_on, routed_on=calendar.local_date(routing.routed_at, ctx.settings.timezone),
        channel=labels.channel(document.channel), petitioner=fields.get("name", ""), petitioner_details=details, subject=subject,
        program=programs.get(routing.program, routing.program or ""),
        directorate=names.get(routing.directorate, routing.directorate),
        copies=tuple(names.get(c, c) for c in routing.copies or ()), instruction=routing.instruction,
        deadline_days=routing.deadline_days, due_date=routing.due_date, routed_by=user.name if user else "",
        note=decision.note if decision else "",
    )
