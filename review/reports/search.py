"""Búsqueda: a petition found by its petitioner's name, CURP, phone or e-mail, or by its folio, in any state
(in review, routed, concluded...). The page and GET /api/v1/search both answer from here; an enlace finds only
what was routed to its directorate. Every search goes to the access log with what was searched: looking a person
up is reading their data."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from review.errors import InvalidInput
from review.roles import Actor, require
from storage import routing as turnos
from storage import search
from storage.tables import Document, Routing, aware

LIMIT = 50


def find(session: Session, actor: Actor, text: str, limit: int = LIMIT) -> dict:
    """The newest documents the text finds (at most `limit`), how many it finds in all, and the query read."""
    require(actor, "search")
    query = search.parse(text)
    if not query.usable:
        raise InvalidInput(f"search too short: {query.text!r}",
                           user_message=f"Escriba al menos {search.MIN_LENGTH} caracteres: un nombre, una CURP, "
                                        "un teléfono, un correo o un folio.")
    found = search.matching(query)
    if found is None:
        return {"query": query.text, "total": 0, "items": []}
    where = [Document.id.in_(found)]
    if actor.limited_to_directorate:
        where.append(Document.id.in_(turnos.open_to_directorate(actor.directorate or "")))
    total = session.scalar(select(func.count()).select_from(Document).where(*where))
    rows = list(session.scalars(select(Document).where(*where)
                                .order_by(Document.received_at.desc(), Document.id.desc()).limit(limit)))
    return {"query": query.text, "total": total, "items": _items(session, rows)}


def _items(session: Session, rows: list[Document]) -> list[dict]:
    ids = [d.id for d in rows]
    names = search.names(session, ids)
    latest: dict[int, Routing] = {}
    for r in session.scalars(select(Routing).where(Routing.document_id.in_(ids)).order_by(Routing.round)):
        latest[r.document_id] = r  # the last round wins
    items = []
    for d in rows:
        r = latest.get(d.id)
        # A returned turno keeps its folio (the citizen may quote it), but no directorate has it any more.
        in_attention = r is not None and r.returned_at is None
        items.append({"id": d.id, "state": d.state.value, "channel": d.channel,
                      "received_at": aware(d.received_at).isoformat(), "petitioner": names.get(d.id, ""),
                      "folio": r.folio if r else None, "program": r.program if in_attention else None,
                      "directorate": r.directorate if in_attention else None,
                      "due_date": r.due_date.isoformat() if in_attention else None})
    return items
