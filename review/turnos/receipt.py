"""The acuse de recibo: the page the citizen takes home when a petition is recorded, with the reception folio they
can ask about later (and Buscar finds), the date, the channel and what was asked, in a line; no other personal data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from pipeline.context import Context
from review import labels
from review.turnos import calendar
from review.turnos.slip import labelled_rows, long_date, titled_page
from storage import documents
from storage.tables import Document, Program, Suggestion

SUMMARY_CHARS = 160
NOTICE = ("Conserve este acuse. Con su folio de recepción puede preguntar por su petición en la oficina de "
          "Atención Ciudadana, en persona o por teléfono.")


@dataclass(frozen=True)
class ReceiptData:
    office: str
    folio: str
    received_on: dt.date
    channel: str
    summary: str  # what was asked, in a line ("" when nothing was read yet)


def receipt_data(ctx: Context, session, document: Document) -> ReceiptData:
    return ReceiptData(ctx.settings.office_name, documents.reception_folio(document),
                       calendar.local_date(document.received_at, ctx.settings.timezone),
                       labels.channel(document.channel), _summary(session, document.id))


def _summary(session, document_id: int) -> str:
    """What was asked, in a line: the request the letter states, else the program it was taken to be about."""
    extraction = documents.latest_extraction(session, document_id)
    request = " ".join(str(((extraction.fields or {}).get("request") or {}).get("value", "")).split()) \
        if extraction else ""
    if request:
        return request if len(request) <= SUMMARY_CHARS else request[:SUMMARY_CHARS].rsplit(" ", 1)[0] + "…"
    program = session.scalar(select(Suggestion.label).where(Suggestion.document_id == document_id,
                                                            Suggestion.target == "program")
                             .order_by(Suggestion.id.desc()).limit(1))
    if not program:
        return ""
    known = session.get(Program, program)  # the one name, not the whole catalogue
    return f"Apoyo relacionado con: {known.name if known else program}"


def render(data: ReceiptData, font: Path) -> bytes:
    """The acuse as a one-page PDF (letter size), in Spanish."""
    pdf = titled_page(font, f"Acuse de recibo {data.folio}", data.office, "ACUSE DE RECIBO",
                      f"Folio de recepción: {data.folio}")
    width = pdf.w - 40
    labelled_rows(pdf, (("Fecha de recepción", long_date(data.received_on)), ("Medio de recepción", data.channel),
                        ("Petición", data.summary or "(se registra en unos minutos)")), size=11, line=6.5, gap=2)
    pdf.ln(8)
    pdf.set_font("slip", "", 10)
    pdf.multi_cell(width, 5, NOTICE, align="C")
    return bytes(pdf.output())
