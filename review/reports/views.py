"""What the pages and the API show: the queue, a document, the turnos of a directorate. Reads only, except
the access-log entry that every view of a document leaves (`log_view`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from review import queue_order
from review.errors import DocumentNotFound, Forbidden
from review.turnos import calendar
from review.labels import HIGH, MEDIUM
from review.roles import Actor, log_access, require
from storage import decisions, documents, fingerprints, mailings, search
from storage import routing as turnos
from storage.tables import Document, Event, Extraction, Page, Routing, State, Suggestion, Transcription, aware

# Confidence bands of the program suggestion (score of the top label), on the limits the pages' labels use.
_HIGH, _MEDIUM = round(HIGH * 100), round(MEDIUM * 100)
BANDS = {"alta": f"alta (≥ {_HIGH} %)", "media": f"media ({_MEDIUM}-{_HIGH} %)", "baja": f"baja (< {_MEDIUM} %)",
         "sin": "sin sugerencia confiable"}
FLAGS = {"needs_transcription": "por transcribir", "ocr_error": "página ilegible", "no_suggestion": "sin sugerencia",
         "possible_duplicate": "posible duplicado"}


@dataclass(frozen=True)
class QueueFilter:
    channel: str | None = None
    program: str | None = None
    band: str | None = None
    flag: str | None = None
    offset: int = 0
    limit: int = 50
    order: str = queue_order.DEFAULT  # one of queue_order.ORDERS


def _latest(target: str):
    return (select(func.max(Suggestion.id))
            .where(Suggestion.document_id == Document.id, Suggestion.target == target)
            .correlate(Document).scalar_subquery())


def _untranscribed_pages():
    # Driven from the few flagged pages (index on needs_transcription), not one probe per document in review.
    transcribed = exists().where(Transcription.document_id == Page.document_id, Transcription.page_number == Page.number)
    return Document.id.in_(select(Page.document_id).where(Page.needs_transcription, ~transcribed))


def _latest_program_is(*conditions):
    """Documents whose latest program suggestion meets `conditions`: driven from the matching suggestion rows
    (index on target and label), not from a probe per document in review."""
    newer = aliased(Suggestion)
    latest = (select(func.max(newer.id)).where(newer.document_id == Suggestion.document_id, newer.target == "program")
              .scalar_subquery())
    return Document.id.in_(select(Suggestion.document_id)
                           .where(Suggestion.target == "program", Suggestion.id == latest, *conditions))


def _filtered(query, f: QueueFilter, program_s):
    if f.channel:
        query = query.where(Document.channel == f.channel)
    if f.program:
        query = query.where(_latest_program_is(Suggestion.label == f.program))
    if f.band == "alta":
        query = query.where(program_s.label.is_not(None), program_s.score >= HIGH)
    elif f.band == "media":
        query = query.where(program_s.label.is_not(None), program_s.score >= MEDIUM, program_s.score < HIGH)
    elif f.band == "baja":
        query = query.where(program_s.label.is_not(None), program_s.score < MEDIUM)
    elif f.band == "sin":
        query = query.where(or_(program_s.id.is_(None), program_s.label.is_(None)))
    if f.flag == "needs_transcription":
        query = query.where(_untranscribed_pages())
    elif f.flag == "ocr_error":
        query = query.where(Document.id.in_(select(Page.document_id).where(Page.error_code.is_not(None))))
    elif f.flag == "no_suggestion":
        query = query.where(or_(program_s.id.is_(None), program_s.label.is_(None)))
    return query


def _flagged_duplicates(query, session: Session, f: QueueFilter):
    # Near-identical pairs are few; the petitioner check that decides which count is done in Python.
    if f.flag == "possible_duplicate":
        query = query.where(Document.id.in_(fingerprints.flagged(session)))
    return query


def queue(session: Session, actor: Actor, f: QueueFilter) -> dict:
    """Documents waiting for review in `f.order` (oldest first by default), with their suggestions, fields and
    flags; total and counts."""
    require(actor, "read_queue")
    program_s = aliased(Suggestion)
    base = select(Document.id).select_from(Document).where(Document.state == State.review)
    if f.band or f.flag == "no_suggestion" or f.order == "confianza":
        # Only these filters and that order need the latest program suggestion joined (a probe per document in
        # review): joined once, for all of them.
        base = base.outerjoin(program_s, program_s.id == _latest("program"))
    base = _flagged_duplicates(_filtered(base, f, program_s), session, f)
    ids = list(session.scalars(queue_order.apply(base, f.order, program_s).offset(f.offset).limit(f.limit)))
    by_channel = {channel: count for channel, count in session.execute(
        select(Document.channel, func.count()).where(Document.state == State.review).group_by(Document.channel))}
    if not (f.program or f.band or f.flag):  # the counts per channel already hold the total
        total = by_channel.get(f.channel, 0) if f.channel else sum(by_channel.values())
    else:
        total = session.scalar(select(func.count()).select_from(base.subquery()))
    return {"items": items(session, ids), "total": total, "by_channel": by_channel,
            "in_review": sum(by_channel.values())}


def items(session: Session, ids: list[int]) -> list[dict]:
    """Queue entries for these documents, in this order (a handful of queries, whatever the count)."""
    if not ids:
        return []
    rows = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(ids)))}
    suggestions: dict[int, dict] = {i: {} for i in ids}
    for s in session.scalars(select(Suggestion).where(Suggestion.document_id.in_(ids)).order_by(Suggestion.id)):
        suggestions[s.document_id][s.target] = suggestion_json(s)
    fields: dict[int, dict] = {}
    for e in session.scalars(select(Extraction).where(Extraction.document_id.in_(ids)).order_by(Extraction.id)):
        fields[e.document_id] = e.fields or {}
    pages = session.execute(select(Page.document_id, Page.number, Page.needs_transcription, Page.error_code)
                            .where(Page.document_id.in_(ids)))
    transcribed = {(d, n) for d, n in session.execute(select(Transcription.document_id, Transcription.page_number)
                                                      .where(Transcription.document_id.in_(ids)))}
    flags: dict[int, set] = {i: set() for i in ids}
    for document_id, number, needs, error_code in pages:
        if needs and (document_id, number) not in transcribed:
            flags[document_id].add("needs_transcription")
        if error_code:
            flags[document_id].add("ocr_error")
    for document_id in fingerprints.possible_duplicates(session, ids):
        flags[document_id].add("possible_duplicate")
    result = []
    for i in ids:
        d = rows[i]
        program = suggestions[i].get("program")
        if program is None or program["label"] is None:
            flags[i].add("no_suggestion")
        result.append({"id": d.id, "version": d.version, "state": d.state.value, "channel": d.channel,
                       "received_at": _iso(d.received_at), "suggestions": suggestions[i], "fields": fields.get(i, {}),
                       "flags": sorted(flags[i]), "pages": d.page_count})
    return result


def suggestion_json(s: Suggestion) -> dict:
    return {"label": s.label, "score": round(s.score, 4), "alternatives": [list(a) for a in s.alternatives or []],
            "model_version": s.model_version}


def readable(session: Session, actor: Actor, document_id: int) -> Document:
    """The document if this actor may read it; an enlace only what was routed to its directorate."""
    require(actor, "read_document")
    document = session.get(Document, document_id)
    if document is None:
        raise DocumentNotFound(str(document_id))
    if actor.limited_to_directorate:
        visible = session.scalar(turnos.open_to_directorate(actor.directorate or "")
                                 .where(Routing.document_id == document_id).limit(1))
        if visible is None:
            raise DocumentNotFound(str(document_id))  # not Forbidden: do not reveal that it exists
    return document


def document(session: Session, actor: Actor, document_id: int, timezone: str) -> dict:
    """Everything the document page and GET /api/v1/documents/{id} show."""
    d = readable(session, actor, document_id)
    pages = documents.pages(session, document_id)
    typed = decisions.transcriptions(session, document_id)
    extraction = documents.latest_extraction(session, document_id)
    suggested = decisions.latest_suggestions(session, document_id)
    routing = turnos.current(session, document_id)
    history = session.scalars(select(Event).where(Event.document_id == document_id).order_by(Event.id))
    page_list = []
    for p in pages:
        t = typed.get(p.number)
        page_list.append({"number": p.number, "text": t.text if t else p.text, "ocr_text": p.text,
                          "transcribed": t is not None, "confidence": p.confidence, "width": p.width,
                          "height": p.height, "blank": p.blank, "needs_transcription": p.needs_transcription and t is None,
                          "source": p.source, "error_code": p.error_code, "error": p.error, "words": p.words or []})
    return {
        "id": d.id, "version": d.version, "state": d.state.value, "channel": d.channel,
        "reception_folio": documents.reception_folio(d), "received_at": _iso(d.received_at), "received_on": calendar.local_date(d.received_at, timezone).isoformat(),
        "original_name": d.original_name, "page_count": d.page_count, "reason_code": d.reason_code, "reason": d.reason,
        "pages": page_list, "text": "\n\n".join(p["text"] for p in page_list if p["text"]),
        "suggestions": {target: suggestion_json(s) for target, s in suggested.items()},
        "fields": extraction.fields if extraction else {},
        # The petitioner as a reviewer confirmed it, at routing or corrected since (the machine's reading stays in
        # "fields").
        "petitioner": decisions.confirmed_fields(session, document_id),
        "folio": routing.folio if routing else None,
        "due_date": routing.due_date.isoformat() if routing else None,
        "routing": _routing_json(routing, mailings.pending_by_routing(session, [routing.id]).get(routing.id, []))
        if routing else None,
        "history": [{"at": _iso(e.at), "kind": e.kind, "actor": e.actor, "detail": e.detail} for e in history],
        "possible_duplicates": possible_duplicates(session, actor, document_id),
    }


def possible_duplicates(session: Session, actor: Actor, document_id: int) -> list[dict]:
    """The documents this one is probably the same petition as, among those the actor may read: id, state and
    folio (the latest turno's), oldest first."""
    others = fingerprints.possible_duplicates(session, [document_id]).get(document_id, [])
    if not others:
        return []
    if actor.limited_to_directorate:  # as `readable`: an enlace only what is routed to its directorate
        visible = set(session.scalars(turnos.open_to_directorate(actor.directorate or "")
                                      .where(Routing.document_id.in_(others))))
        others = [o for o in others if o in visible]
    states = dict(session.execute(select(Document.id, Document.state).where(Document.id.in_(others))).all())
    folios = {d: folio for d, folio in session.execute(select(Routing.document_id, Routing.folio)
                                                      .where(Routing.document_id.in_(others)).order_by(Routing.round))}
    return [{"id": o, "state": states[o].value, "folio": folios.get(o)} for o in others]


def neighbours(session: Session, document_id: int) -> tuple[int | None, int | None]:
    """The previous and next documents in the queue order (oldest first) around this one."""
    current = session.get(Document, document_id)
    if current is None:
        return None, None
    at, key = current.received_at, current.id
    in_review = Document.state == State.review
    after = or_(Document.received_at > at, and_(Document.received_at == at, Document.id > key))
    before = or_(Document.received_at < at, and_(Document.received_at == at, Document.id < key))
    following = session.scalar(select(Document.id).where(in_review, after)
                               .order_by(Document.received_at, Document.id).limit(1))
    previous = session.scalar(select(Document.id).where(in_review, before)
                              .order_by(Document.received_at.desc(), Document.id.desc()).limit(1))
    return previous, following


@dataclass(frozen=True)
class RoutedFilter:
    """Which turnos in attention: one directorate's (an enlace: always its own), one traffic light, one page."""

    directorate: str | None = None
    light: str | None = None  # "vencido", "por-vencer" or "en-tiempo" (review.calendar.light)
    offset: int = 0
    limit: int = 100


def _in_attention(actor: Actor, directorate: str | None) -> list:
    """Conditions on turnos in attention this actor may list: an enlace its directorate's; others all, or one's."""
    if actor.limited_to_directorate:
        directorate = actor.directorate
    elif not (actor.may("read_queue")):
        raise Forbidden(actor.name)
    where = [Document.state == State.routed, Routing.returned_at.is_(None)]
    if directorate:
        where.append(turnos.visible_to_directorate(directorate))
    return where


def _turnos(session: Session, query) -> list[tuple[Routing, Document, list[str]]]:
    rows = list(session.execute(query.order_by(Routing.due_date, Routing.id)))
    unsent = mailings.pending_by_routing(session, [r.id for r, _ in rows])
    return [(r, d, unsent.get(r.id, [])) for r, d in rows]


def routed(session: Session, actor: Actor, directorate: str | None, limit: int = 200) -> list[dict]:
    """Turnos in attention by due date (nearest first), for the spreadsheet export."""
    query = (select(Routing, Document).join(Document, Document.id == Routing.document_id)
             .where(*_in_attention(actor, directorate)).limit(limit))
    return [{"document_id": d.id, "channel": d.channel, **_routing_json(r, unsent)}
            for r, d, unsent in _turnos(session, query)]


def routed_page(session: Session, actor: Actor, f: RoutedFilter, today: dt.date, closed: set[dt.date]) -> dict:
    """A page of turnos in attention by due date (nearest first), with the petitioner's name, and how many there
    are in all; `today` and the office closures place the traffic-light filter's bounds."""
    where = _in_attention(actor, f.directorate)
    if f.light:
        where.extend(calendar.light_is(f.light, Routing.due_date, today, closed))
    base = select(Routing, Document).join(Document, Document.id == Routing.document_id).where(*where)
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    rows = _turnos(session, base.offset(f.offset).limit(f.limit))
    names = search.names(session, [d.id for _, d, _ in rows])
    items = [{"document_id": d.id, "channel": d.channel, "petitioner": names.get(d.id, ""),
              **_routing_json(r, unsent)} for r, d, unsent in rows]
    return {"items": items, "total": total}


def _routing_json(r: Routing, mail_pending: list[str] = ()) -> dict:
    """A turno; `mail_pending` lists the directorates whose e-mail has not gone out yet (correo pendiente)."""
    return {"mail_pending": list(mail_pending), "folio": r.folio, "directorate": r.directorate, "copies": list(r.copies or []), "program": r.program,
            "instruction": r.instruction, "received_on": r.received_on.isoformat(), "routed_at": _iso(r.routed_at),
            "deadline_days": r.deadline_days, "due_date": r.due_date.isoformat(), "delivered": r.delivered_at is not None}


def log_view(ctx, actor: Actor, action: str, document_id: int | None, target: str = "") -> None:
    """One access-log entry for a view, download or export (its own short write transaction)."""
    with ctx.sessions.begin() as session:
        log_access(session, actor, action, document_id, target=target)


def _iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return aware(moment).isoformat()
