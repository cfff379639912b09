"""The answer letter (oficio de respuesta): the formal page that answers the citizen in writing, made from what
the directorate recorded as its answer and the petitioner as confirmed. The office is measured on answers on time
and in proper form; this gives the form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from review.turnos.slip import PRIVACY, long_date, office_page


@dataclass(frozen=True)
class AnswerLetter:
    office: str
    place: str  # "Hermosillo, Sonora": where the letter is dated
    day: dt.date
    folio: str
    received_on: dt.date
    petitioner: str
    address: str  # one line: street, locality, municipality as confirmed
    text: str
    signer: str  # the responsible directorate


def render(letter: AnswerLetter, font: Path) -> bytes:
    """The letter as a PDF (letter size, as many pages as the text needs), in Spanish."""
    pdf = office_page(font, f"Oficio de respuesta {letter.folio}", letter.office)
    width = pdf.w - 40
    pdf.ln(6)
    pdf.set_font("slip", "B", 11)
    pdf.multi_cell(width, 6, f"Folio: {letter.folio}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("slip", "", 11)
    pdf.multi_cell(width, 6, f"{letter.place}, a {long_date(letter.day)}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("slip", "B", 11)
    pdf.multi_cell(width, 6, f"C. {letter.petitioner}" if letter.petitioner else "A quien corresponda",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("slip", "", 11)
    if letter.address:
        pdf.multi_cell(width, 6, letter.address, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(width, 6, "Presente", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    opening = (f"En atención a su petición recibida el {long_date(letter.received_on)} y registrada con el folio "
               f"{letter.folio}, le informo lo siguiente:")
    for paragraph in [opening, *[p.strip() for p in letter.text.split("\n") if p.strip()]]:
        pdf.multi_cell(width, 6, paragraph, align="J", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.ln(8)
    pdf.multi_cell(width, 6, "Atentamente,", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(16)
    pdf.set_font("slip", "B", 11)
    pdf.multi_cell(width, 6, letter.signer, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("slip", "", 8)
    pdf.multi_cell(width, 4, PRIVACY, align="C")
    return bytes(pdf.output())
