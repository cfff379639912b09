"""What a reviewer's decision does: route (folio, deadline, slip, delivery to salida/), dismiss, transcribe, and
correct a routed petition's petitioner data (rectify).

Routing is one transaction that locks the document, checks the version the reviewer saw, takes the next folio
and moves the document to `routed`; a second reviewer with the same version gets StaleVersion, never a second
folio. Files are delivered after the commit, then the e-mails (review.turnos.mailing, when SMTP is configured): a delivery
or an e-mail that fails is retried by `deliver_pending`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pipeline.context import Context
from pipeline.paths import outbox_files, searchable_pdf, slip_file
from pipeline.errors import PeticionesError
from review.errors import (DocumentNotFound, InvalidInput, NotReviewable, StaleVersion, TextTooLong,
                           UnknownDirectorate, UnknownProgram)
from review.turnos import calendar, curp_check
from review import labels
from review.notify import mail
from review.turnos import mailing
from review.roles import Actor, log_access, require
from review.turnos.slip import render, slip_data
from storage import catalogue, decisions, documents, events, fulltext, mailings
from storage import routing as turnos
from storage.files import copy_atomic, write_atomic
from storage.tables import Document, Routing, State, utcnow
from storage.events import EventKind

log = logging.getLogger(__name__)

MAX_PAGE_CHARS = 50_000  # a person's typing of one page
INSTRUCTIONS = ("Atender y responder", "Para conocimiento", "Respuesta directa al ciudadano")

# Fields a reviewer confirms (the extraction may add others); Spanish labels for the form.
FIELD_LABELS = {
    "name": "Nombre del peticionario",
    "curp": "CURP",
    "phone": "Teléfono",
    "email": "Correo electrónico",
    "address": "Domicilio",
    "municipality": "Municipio",
    "locality": "Localidad",
    "subject": "Asunto",
    "request": "Apoyo solicitado",
    "addressee": "Dirigida a",
    "letter_date": "Fecha de la carta",
}
# Every field's Spanish label: those only the extraction gives (read from a valid CURP) too, so no form or report
# shows a field's key ("birth_date" was shown on the review page).
LABELS = {**FIELD_LABELS, "birth_date": "Fecha de nacimiento", "sex": "Sexo"}


@dataclass(frozen=True)
class Routed:
    document_id: int
    folio: str
    due_date: str  # ISO date
    routing_id: int
    delivered: bool


def _locked_for_decision(session, document_id: int, version: int) -> Document:
    document = turnos.lock_document(session, document_id)
    if document is None:
        raise DocumentNotFound(str(document_id))
    if document.version != version:
        raise StaleVersion(f"document {document_id}: version {document.version}, not {version}")
    if document.state != State.review:
        raise NotReviewable(f"document {document_id} is {document.state.value}")
    return document


def clean_fields(fields: dict | None) -> dict[str, str]:
    """Confirmed fields as {name: text}, stored as the extraction stores what it finds (phone E.164, dates ISO:
    `labels.stored_value`), whatever the form showed; values from the extraction ({"value": ...}) are unwrapped."""
    result = {}
    for name, value in (fields or {}).items():
        if isinstance(value, dict):
            value = value.get("value")
        if value is None:
            continue
        text = labels.stored_value(str(name), str(value).strip())
        if text:
            result[str(name)[:60]] = text[:2000]
    return result


def confirm(ctx: Context, actor: Actor, document_id: int, *, version: int, program: str | None,
            directorate: str | None = None, copies: tuple[str, ...] | list[str] = (),
            instruction: str = INSTRUCTIONS[0], fields: dict | None = None, note: str = "",
            invalid_curp_confirmed: bool = False) -> Routed:
    """Route a document in review: decision, folio, deadline, events and access entry, then its delivery. A CURP
    that is not sound needs `invalid_curp_confirmed` (the reviewer's second confirmation)."""
    require(actor, "route")
    settings = ctx.settings
    if instruction not in INSTRUCTIONS:
        raise InvalidInput(f"instruction {instruction!r}", user_message="Elija una instrucción de la lista.")
    fields = clean_fields(fields)
    invalid_curp = curp_check.require_confirmed(fields.get("curp", ""), invalid_curp_confirmed)
    with ctx.sessions.begin() as session:
        document = _locked_for_decision(session, document_id, version)
        known = catalogue.load(session)
        programs = {p.code: p for p in known.programs}
        directorates = {d.code for d in known.directorates}
        entry = None
        if program:
            entry = programs.get(program)
            if entry is None:
                raise UnknownProgram(program)
        directorate = directorate or (entry.directorate if entry else None)
        if not directorate or directorate not in directorates:
            raise UnknownDirectorate(str(directorate))
        copies = tuple(dict.fromkeys(c for c in copies if c and c != directorate))
        unknown = [c for c in copies if c not in directorates]
        if unknown:
            raise UnknownDirectorate(", ".join(unknown))
        days = (entry.deadline_days if entry and entry.deadline_days else None) or settings.deadline_days
        received_on = calendar.local_date(document.received_at, settings.timezone)
        routed_on = calendar.local_date(utcnow(), settings.timezone)
        due = calendar.add_business_days(received_on, days, turnos.closures(session))
        decision = decisions.add(session, document.id, actor.user_id, "route", program=program, directorate=directorate,
                                 fields=fields, note=note)
        fulltext.refresh(session, [document.id])  # the confirmed petitioner's fields are searched too
        number = turnos.next_folio_number(session, routed_on.year)
        folio = settings.folio_format.format(year=routed_on.year, n=number)
        previous = turnos.current(session, document.id)
        row = turnos.add(session, folio=folio, year=routed_on.year, number=number, document_id=document.id,
                         round=(previous.round + 1) if previous else 1, decision_id=decision.id, program=program,
                         directorate=directorate, copies=list(copies), instruction=instruction,
                         received_on=received_on, deadline_days=days, due_date=due, routed_by=actor.user_id)
        documents.set_state(session, document, State.routed, actor.name)
        # A directorate other than the program's own is allowed (another authority may be right) but never silent:
        # the audit of classification accuracy reads it here.
        catalogue_directorate = entry.directorate if entry else None
        events.record(session, EventKind.routed, actor.name, document.id, folio=folio, program=program,
                      directorate=directorate, copies=list(copies), due_date=due.isoformat(), decision_id=decision.id,
                      program_directorate=catalogue_directorate,
                      directorate_differs=bool(catalogue_directorate and catalogue_directorate != directorate),
                      **({"invalid_curp": True} if invalid_curp else {}))
        log_access(session, actor, "decision", document.id, target=folio)
        routing_id = row.id
    delivered = _deliver_logged(ctx, routing_id)
    if delivered:
        mailing.send_routing(ctx, routing_id)  # a failure stays pending (correo pendiente); never raises to the reviewer
    return Routed(document_id, folio, due.isoformat(), routing_id, delivered)


def dismiss(ctx: Context, actor: Actor, document_id: int, *, version: int, note: str = "") -> None:
    """Mark a document in review as "no es petición": it leaves the queue, concluded, with the reviewer's note."""
    require(actor, "dismiss")
    with ctx.sessions.begin() as session:
        document = _locked_for_decision(session, document_id, version)
        decision = decisions.add(session, document.id, actor.user_id, "not_petition", note=note)
        documents.set_state(session, document, State.concluded, actor.name, reason_code="not_petition",
                            reason="No es petición" + (f": {note}" if note else ""))
        events.record(session, EventKind.not_petition, actor.name, document.id, decision_id=decision.id)
        log_access(session, actor, "not_petition", document.id)


def rectify(ctx: Context, actor: Actor, document_id: int, *, version: int, fields: dict, note: str) -> None:
    """Correct the petitioner's data of a routed or concluded petition (rectificación, also a citizen's ARCO
    right): a decision of kind "rectify" holds the whole corrected set beside the one it replaces. The turno, its
    folio and the slip already delivered stay as they were."""
    require(actor, "rectify")
    note = note.strip()[:2000]
    if not note:
        raise InvalidInput("empty rectify note", user_message="Anote el motivo de la corrección (por ejemplo, la "
                                                              "solicitud de rectificación del ciudadano).")
    fields = clean_fields(fields)
    with ctx.sessions.begin() as session:
        document = turnos.lock_document(session, document_id)
        routing = turnos.current(session, document_id) if document else None
        if document is None:
            raise DocumentNotFound(str(document_id))
        if document.version != version:
            raise StaleVersion(f"document {document_id}: version {document.version}, not {version}")
        before = decisions.confirmed_fields(session, document_id)
        if routing is None or before is None or document.state not in (State.routed, State.concluded):
            raise NotReviewable(f"document {document_id} is {document.state.value}, not routed",
                                user_message="Sólo se corrigen así los datos de una petición turnada; en revisión, "
                                             "corríjalos en el formulario de turno.")
        # Compared as staff read them: "+526622139087" and "662 213 9087" are the same phone.
        changed = sorted(name for name in set(before) | set(fields)
                         if labels.field_value(name, before.get(name)) != labels.field_value(name, fields.get(name)))
        if not changed:
            raise InvalidInput("nothing changed", user_message="Los datos son iguales a los confirmados: no hay nada "
                                                               "que corregir.")
        decision = decisions.add(session, document_id, actor.user_id, "rectify", program=routing.program,
                                 directorate=routing.directorate, fields=fields, note=note)
        fulltext.refresh(session, [document_id])
        document.version += 1  # whoever holds the page open must reload before acting on it
        events.record(session, EventKind.petitioner_corrected, actor.name, document_id, folio=routing.folio,
                      fields=changed, decision_id=decision.id)
        log_access(session, actor, "rectify", document_id, target=", ".join(changed)[:300])


def transcribe(ctx: Context, actor: Actor, document_id: int, page_number: int, text: str) -> None:
    """Keep a person's typing of a page beside its OCR text (which is not changed); a document in review then
    gets new suggestions and fields from the typed text."""
    require(actor, "transcribe")
    if len(text) > MAX_PAGE_CHARS:  # a page is a few thousand characters; the classifier refuses a million
        raise TextTooLong(f"{len(text)} > {MAX_PAGE_CHARS}", user_message=f"El texto de una página admite hasta "
                          f"{MAX_PAGE_CHARS:,} caracteres; el enviado tiene {len(text):,}. Revise que sea sólo esa "
                          "página.".replace(",", " "))
    with ctx.sessions.begin() as session:
        document = session.get(Document, document_id)
        if document is None:
            raise DocumentNotFound(str(document_id))
        if not 1 <= page_number <= (document.page_count or 0):
            raise InvalidInput(f"page {page_number}", user_message="Esa página no existe en el documento.")
        decisions.transcribe(session, document_id, page_number, text.strip(), actor.user_id)
        fulltext.refresh(session, [document_id])  # in any state: a routed petition's typed page is found too
        events.record(session, EventKind.transcribed, actor.name, document_id, page=page_number)
        log_access(session, actor, "transcription", document_id, target=f"página {page_number}")
        in_review = document.state == State.review
    if in_review:
        from review.turnos.reclassify import reclassify

        reclassify(ctx, document_id, actor.name, "transcription", page=page_number)


# Delivery -------------------------------------------------------------------------------------------------------


def deliver(ctx: Context, routing_id: int) -> None:
    """Write the slip, then copy the searchable PDF and the slip to salida/<directorate>/ for the responsible
    directorate and each copy, each file written aside and renamed so nobody picks up half a file."""
    with ctx.sessions() as session:
        routing = session.get(Routing, routing_id)
        data = slip_data(ctx, session, routing)
        session.expunge(routing)
    slip = render(data, ctx.settings.slip_font)
    slip_path = slip_file(ctx, routing)
    write_atomic(slip_path, slip)
    document_pdf = searchable_pdf(ctx, routing.document_id)
    has_pdf = document_pdf.is_file()
    for directorate in (routing.directorate, *(routing.copies or ())):
        pdf_target, slip_target = outbox_files(ctx, routing, directorate)
        if has_pdf:
            copy_atomic(document_pdf, pdf_target)
        write_atomic(slip_target, slip)
    with ctx.sessions.begin() as session:
        turnos.mark_delivered(session, routing_id, str(slip_path.relative_to(ctx.settings.home)))
        events.record(session, EventKind.delivered, "review", routing.document_id, folio=routing.folio,
                      directorates=[routing.directorate, *(routing.copies or ())],
                      searchable_pdf=has_pdf)
        if mail.enabled(ctx.settings):  # planned with the delivery, so a crash right after cannot lose an e-mail
            mailings.plan(session, routing_id, routing.document_id, [routing.directorate, *(routing.copies or ())])


def _deliver_logged(ctx: Context, routing_id: int) -> bool:
    try:
        deliver(ctx, routing_id)
        return True
    except (OSError, PeticionesError) as error:
        log.exception("entrega del turno %s a salida/ falló", routing_id)
        with ctx.sessions.begin() as session:
            routing = session.get(Routing, routing_id)
            events.record(session, EventKind.delivery_failed, "review", routing.document_id, folio=routing.folio,
                          error_code=getattr(error, "code", "internal_error"), error=str(error)[:500])
        return False


def deliver_pending(ctx: Context) -> int:
    """Deliver every routing whose files never reached salida/, then send every pending e-mail; returns how many
    routings were delivered to salida/ now."""
    with ctx.sessions() as session:
        pending = turnos.undelivered(session)
    delivered = sum(_deliver_logged(ctx, routing_id) for routing_id in pending)
    mailed = mailing.send_pending(ctx)
    if mailed:
        log.info("%s correos de turno pendientes enviados", mailed)
    return delivered
