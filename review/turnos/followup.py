"""The life of a turno after routing: the directorate's enlace records progress notes and the answer given to
the citizen (which concludes it); a reviewer registers a devolución de turno (returned: back to review, to be
routed again in a new round, the first routing's row kept as it was)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.context import Context
from pipeline import paths
from review.errors import DocumentNotFound, Forbidden, InvalidInput, NotReviewable, StaleVersion
from review.turnos import calendar
from review import dates
from review.turnos import letter as letters
from review.roles import Actor, log_access, require
from storage.files import write_atomic
from storage import decisions, documents, events
from storage import routing as turnos
from storage.tables import Directorate, Document, FollowUp, Routing, State, User, utcnow
from storage.events import EventKind

MAX_ANSWER_BYTES = 20 * 1024 * 1024


def _open_turno(session: Session, actor: Actor, document_id: int, version: int | None = None) -> tuple[Document, Routing]:
    """The routed document, locked, and its current turno, if this actor may follow it up."""
    require(actor, "follow_up")
    document = turnos.lock_document(session, document_id)
    routing = turnos.current(session, document_id) if document else None
    if document is None or routing is None:
        raise DocumentNotFound(str(document_id))
    if actor.limited_to_directorate and routing.directorate != actor.directorate:
        if actor.directorate in (routing.copies or ()):
            raise Forbidden(f"{actor.name}: copy only", user_message="Su dirección recibió copia (c.c.p.): el "
                            "seguimiento y la respuesta los registra la dirección responsable.")
        raise DocumentNotFound(str(document_id))  # not routed to the enlace's directorate: do not reveal it
    if version is not None and document.version != version:
        raise StaleVersion(f"document {document_id}: version {document.version}, not {version}")
    if document.state != State.routed:
        raise NotReviewable(f"document {document_id} is {document.state.value}",
                            user_message="Este turno ya no está en atención (se concluyó o se devolvió).")
    return document, routing


def add_note(ctx: Context, actor: Actor, document_id: int, text: str) -> None:
    """A progress note on a turno in attention (it changes nothing else)."""
    text = text.strip()[:4000]
    if not text:
        raise InvalidInput("empty note", user_message="Escriba el avance antes de guardarlo.")
    with ctx.sessions.begin() as session:
        document, routing = _open_turno(session, actor, document_id)
        session.add(FollowUp(routing_id=routing.id, document_id=document_id, kind="progress", text=text,
                             user_id=actor.user_id))
        events.record(session, EventKind.progress_note, actor.name, document_id, folio=routing.folio)
        log_access(session, actor, "follow_up", document_id, target=routing.folio)


def answer(ctx: Context, actor: Actor, document_id: int, *, version: int, answered_on: dt.date, text: str,
           pdf: bytes | None = None, letter: bool = False) -> None:
    """The answer given to the citizen (date, text, optional PDF kept in procesado/<id>/): the turno concludes.
    With `letter`, that PDF is the answer letter (oficio de respuesta) made from the text, instead of an upload."""
    text = text.strip()[:8000]
    today = calendar.local_date(utcnow(), ctx.settings.timezone)
    if not text:
        raise InvalidInput("empty answer", user_message="Escriba qué se respondió al ciudadano.")
    calendar.check_day(answered_on, "fecha de respuesta")
    if answered_on > today:
        raise InvalidInput("answer in the future", user_message="La fecha de respuesta no puede ser posterior a hoy.")
    if letter and pdf is not None:
        raise InvalidInput("letter and upload", user_message="Adjunte el PDF de la respuesta o pida el oficio generado, "
                                                             "no ambos.")
    if pdf is not None and (not pdf.startswith(b"%PDF-") or len(pdf) > MAX_ANSWER_BYTES):
        raise InvalidInput("answer file not a PDF", user_message="El archivo de la respuesta debe ser un PDF de "
                           f"hasta {MAX_ANSWER_BYTES // (1024 * 1024)} MB.")
    if letter:  # rendered outside any transaction (a PDF takes a while); the version check below guards it
        with ctx.sessions() as session:
            content = _letter(ctx, session, _open_turno(session, actor, document_id, version)[1], answered_on, text)
        pdf = letters.render(content, ctx.settings.slip_font)
    with ctx.sessions.begin() as session:
        document, routing = _open_turno(session, actor, document_id, version)
        relative = None
        if pdf is not None:
            count = session.scalar(select(func.count()).select_from(FollowUp).where(
                FollowUp.document_id == document_id, FollowUp.file_path.is_not(None)))
            target = paths.answer_file(ctx, document_id, routing.folio, count + 1)
            write_atomic(target, pdf)  # before the commit: a recorded answer always has its file
            relative = str(target.relative_to(ctx.settings.home))
        session.add(FollowUp(routing_id=routing.id, document_id=document_id, kind="answer", text=text,
                             answered_on=answered_on, file_path=relative, user_id=actor.user_id))
        routing.concluded_at = utcnow()
        on_time = calendar.answered_on_time(answered_on, routing.due_date)
        documents.set_state(session, document, State.concluded, actor.name, reason_code="answered",
                            reason=f"Respondido al ciudadano el {dates.day(answered_on)}"
                                   + ("" if on_time else " (fuera de plazo)"))
        events.record(session, EventKind.answered, actor.name, document_id, folio=routing.folio,
                      answered_on=answered_on.isoformat(), on_time=on_time, file=relative)
        log_access(session, actor, "answer", document_id, target=routing.folio)


def _letter(ctx: Context, session: Session, routing: Routing, answered_on: dt.date, text: str) -> letters.AnswerLetter:
    """What the oficio de respuesta of this turno says: to the petitioner as last confirmed, signed by its
    directorate."""
    fields = decisions.confirmed_fields(session, routing.document_id) or {}
    directorate = session.get(Directorate, routing.directorate)
    address = ", ".join(fields[k] for k in ("address", "locality", "municipality") if fields.get(k))
    return letters.AnswerLetter(
        office=ctx.settings.office_name, place=ctx.settings.office_place, day=answered_on, folio=routing.folio,
        received_on=routing.received_on, petitioner=fields.get("name", ""), address=address, text=text,
        signer=directorate.name if directorate else routing.directorate)


def return_turno(ctx: Context, actor: Actor, document_id: int, *, version: int, note: str) -> None:
    """Devolución de turno: the turno is marked returned (its row otherwise kept) and the document is back in
    review, to be routed again (a new round and folio)."""
    require(actor, "return_turno")
    note = note.strip()[:2000]
    if not note:
        raise InvalidInput("empty return note", user_message="Anote el motivo de la devolución.")
    with ctx.sessions.begin() as session:
        document, routing = _open_turno(session, actor, document_id, version)
        routing.returned_at, routing.returned_by, routing.return_note = utcnow(), actor.user_id, note
        documents.set_state(session, document, State.review, actor.name)
        events.record(session, EventKind.returned, actor.name, document_id, folio=routing.folio,
                      directorate=routing.directorate, note=note)
        log_access(session, actor, "return", document_id, target=routing.folio)


def answer_file(ctx: Context, session: Session, document_id: int, followup_id: int):
    """The stored PDF of an answer, or DocumentNotFound."""
    row = session.get(FollowUp, followup_id)
    if row is None or row.document_id != document_id or not row.file_path:
        raise DocumentNotFound(f"answer {followup_id}", user_message="Esa respuesta no tiene archivo.")
    return paths.stored(ctx, row.file_path)


def history(session: Session, document_id: int) -> dict:
    """Every turno of the document (oldest round first) and every note and answer, with who wrote them."""
    names = {user_id: name for user_id, name in session.execute(select(User.id, User.name))}  # a handful of staff
    rounds = [{"round": r.round, "folio": r.folio, "directorate": r.directorate, "due_date": r.due_date.isoformat(),
               "routed_at": r.routed_at, "returned_at": r.returned_at, "return_note": r.return_note,
               "returned_by": names.get(r.returned_by, ""), "concluded_at": r.concluded_at}
              for r in session.scalars(select(Routing).where(Routing.document_id == document_id)
                                       .order_by(Routing.round))]
    notes = [{"id": f.id, "kind": f.kind, "text": f.text, "at": f.at, "by": names.get(f.user_id, ""),
              "answered_on": f.answered_on.isoformat() if f.answered_on else None, "has_file": bool(f.file_path)}
             for f in session.scalars(select(FollowUp).where(FollowUp.document_id == document_id)
                                      .order_by(FollowUp.id))]
    return {"rounds": rounds, "notes": notes}
