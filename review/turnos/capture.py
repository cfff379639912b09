"""Manual capture of petitions received by phone or in person: the typed text and petitioner data become a PDF
with a text layer, dropped into entrada/<channel>/, so the watcher stores, reads, classifies and queues it
exactly like a scan (and the original capture is archived like any original). The API's typed petitions
(review/turnos/reception.py) are the same PDF."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from fpdf import FPDF
from sqlalchemy import select

from pipeline.context import Context
from review.errors import InvalidInput, SlipFontMissing
from review.turnos import calendar
from review import labels
from review.roles import Actor, log_access, require
from storage import documents
from storage.files import write_atomic
from storage.tables import AccessEntry, Document, utcnow

CHANNELS = {code: labels.CHANNELS[code] for code in ("telefono", "presencial")}  # what the capture page offers
# Labels written in the PDF before each value: the extraction reads them as cues.
FIELDS = {"name": "Nombre", "curp": "CURP", "phone": "Teléfono", "email": "Correo electrónico", "address": "Domicilio",
          "municipality": "Municipio", "locality": "Localidad"}


def capture(ctx: Context, actor: Actor, channel: str, text: str, petitioner: dict[str, str]) -> Path:
    """Write the capture into the inbox (aside, then renamed) and log who captured it; returns the inbox file."""
    require(actor, "capture")
    if channel not in CHANNELS:
        raise InvalidInput(channel, user_message="Elija el medio de recepción: teléfono o presencial.")
    now = utcnow()
    pdf = typed_pdf(ctx, actor, channel, text, petitioner, now)
    folder = ctx.settings.inbox / channel
    folder.mkdir(parents=True, exist_ok=True)
    name = file_name(now)
    target = folder / name
    write_atomic(target, pdf)  # appears whole: the watcher ignores the hidden .part file written first
    with ctx.sessions.begin() as session:
        log_access(session, actor, "capture", None, target=f"{channel}/{name}")
    return target


def file_name(now: dt.datetime) -> str:
    """The name a typed petition's PDF is received under."""
    return f"captura-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}.pdf"


def typed_pdf(ctx: Context, actor: Actor, channel: str, text: str, petitioner: dict[str, str],
              now: dt.datetime) -> bytes:
    """A typed petition (text, petitioner fields) as the PDF that stands for its original; too short a text is 422."""
    text = text.strip()
    if len(text) < 20:
        raise InvalidInput("short text", user_message="Escriba la petición completa (al menos una o dos frases).")
    return _render(ctx, actor, channel, text, {k: v.strip() for k, v in petitioner.items() if v and v.strip()}, now)


def _render(ctx: Context, actor: Actor, channel: str, text: str, petitioner: dict[str, str], now: dt.datetime) -> bytes:
    font = ctx.settings.slip_font
    if not font.is_file():
        raise SlipFontMissing(str(font))
    pdf = FPDF(format="letter", unit="mm")
    pdf.add_font("capture", "", str(font))
    pdf.set_title(f"Captura {labels.channel(channel).lower()}")
    pdf.add_page()
    pdf.set_margins(20, 20, 20)
    pdf.set_font("capture", "", 11)
    width = pdf.w - 40
    local = calendar.local_date(now, ctx.settings.timezone)
    header = f"Petición recibida por {labels.channel(channel).lower()} el {local.isoformat()}; capturó {actor.name}."

    def lines(text: str) -> None:
        # Left-aligned: fpdf2 justifies by default, placing each word of a wrapped line on its own, and pdftotext
        # then read them one a line with the line's last word moved to the page's end ("correo" away from its
        # address), so extraction lost the phone and the town typed on that line.
        pdf.multi_cell(width, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")

    lines(header)
    pdf.ln(4)
    lines(text)
    pdf.ln(4)
    for key, label in FIELDS.items():
        if petitioner.get(key):
            lines(f"{label}: {petitioner[key]}")
    if petitioner.get("name"):
        pdf.ln(4)
        lines(f"Atentamente,\n{petitioner['name']}")
    return bytes(pdf.output())


def recent(session, actor: Actor, limit: int = 10) -> list[dict]:
    """This person's latest captures, newest first, each with its reception folio once the watcher has taken it in
    (a few seconds after the capture) and its document's id, for the acuse de recibo."""
    entries = session.scalars(select(AccessEntry).where(AccessEntry.user_id == actor.user_id,
                                                        AccessEntry.action == "capture")
                              .order_by(AccessEntry.id.desc()).limit(limit)).all()
    names = [(entry.target or "").partition("/") for entry in entries]
    taken = {(d.channel, d.original_name): d for d in session.scalars(
        select(Document).where(Document.original_name.in_([name for _, _, name in names])))}
    found = []
    for entry, (channel, _, name) in zip(entries, names):
        document = taken.get((channel, name))
        found.append({"name": name, "channel": channel, "at": entry.at,
                      "document_id": document.id if document else None,
                      "folio": documents.reception_folio(document) if document else None})
    return found


def received(session, actor: Actor, document_id: int) -> dict | None:
    """The document this person just sent (its folio, for the receipt), or None if it is not theirs."""
    sent = session.scalar(select(AccessEntry.id).where(AccessEntry.user_id == actor.user_id,
                                                       AccessEntry.action == "receive",
                                                       AccessEntry.document_id == document_id).limit(1))
    document = session.get(Document, document_id) if sent is not None else None
    return {"document_id": document.id, "folio": documents.reception_folio(document)} if document else None
