"""Búsqueda: a petition found by its petitioner's name, CURP, phone or e-mail, by its folio, or by what it says
(full text, storage/fulltext.py), in any state (in review, routed, concluded...). An exact hit on the petitioner or
the folio comes first, newest first; then the petitions whose text has every word typed, best first, each with an
excerpt whose matching words are marked. The page and GET /api/v1/search both answer from here; an enlace finds only
what was routed to its directorate. Every search goes to the access log with what was searched: looking a person
up is reading their data."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from review.errors import InvalidInput
from review.roles import Actor, require
from storage import fulltext, search
from storage import routing as turnos
from storage.search_words import excerpt, terms
from storage.tables import Document, Routing, aware

LIMIT = 50
MAX_LENGTH = 200  # characters: a name, a folio or a few words of a letter, not a letter
RANKED_UP_TO = 20_000  # text matches ranked by relevance; more are listed newest first


def find(session: Session, actor: Actor, text: str, limit: int = LIMIT) -> dict:
    """The documents the text finds (at most `limit`: exact hits newest first, then text matches best first), how
    many it finds in all, and the query read."""
    require(actor, "search")
    if len(text or "") > MAX_LENGTH:
        raise InvalidInput(f"search of {len(text)} characters",
                           user_message=f"La búsqueda admite hasta {MAX_LENGTH} caracteres; escriba sólo unas "
                                        "palabras, un nombre o un folio.")
    query = search.parse(text)
    if not query.usable:
        raise InvalidInput(f"search too short: {query.text!r}",
                           user_message=f"Escriba al menos {search.MIN_LENGTH} caracteres: un nombre, una CURP, "
                                        "un teléfono, un correo, un folio o palabras de la petición.")
    scope = turnos.open_to_directorate(actor.directorate or "") if actor.limited_to_directorate else None
    exact = _exact(session, query, scope)  # read once: the text matches below leave these out
    rows = list(session.scalars(select(Document).where(Document.id.in_(exact[:limit]))
                                .order_by(Document.received_at.desc(), Document.id.desc())))
    total = len(exact)
    words = fulltext.matching(session.get_bind().dialect.name, query.text)
    if words is not None:
        found = words.subquery()
        # Inline integers rather than one parameter each: a common first name can be thousands of exact hits.
        where = ([found.c.document_id.not_in(bindparam("exact", exact, expanding=True, literal_execute=True))]
                 if exact else []) + ([found.c.document_id.in_(scope)] if scope is not None else [])
        matches = session.scalar(select(func.count()).select_from(found).where(*where))
        total += matches
        if len(rows) < limit:
            # Past RANKED_UP_TO matches the words are in most letters and rank little apart: newest first, without
            # scoring every one of them (a quarter of a second at 60,000).
            order = [found.c.rank] if matches <= RANKED_UP_TO else []
            ranked = list(session.scalars(select(found.c.document_id).where(*where)
                                          .order_by(*order, found.c.document_id.desc()).limit(limit - len(rows))))
            by_id = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(ranked)))}
            rows += [by_id[i] for i in ranked]
    return {"query": query.text, "total": total, "items": _items(session, rows, terms(query.text))}


def _exact(session: Session, query: search.Query, scope) -> list[int]:
    """The ids of the documents the query names exactly (petitioner or folio) within the scope, newest first."""
    named = search.matching(query)
    if named is None:
        return []
    where = [Document.id.in_(named)] + ([Document.id.in_(scope)] if scope is not None else [])
    return list(session.scalars(select(Document.id).where(*where)
                                .order_by(Document.received_at.desc(), Document.id.desc())))


def _items(session: Session, rows: list[Document], wanted: tuple[str, ...]) -> list[dict]:
    ids = [d.id for d in rows]
    names = search.names(session, ids)
    texts = fulltext.texts_of(session, ids)
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
                      "due_date": r.due_date.isoformat() if in_attention else None,
                      **_marked(excerpt(texts.get(d.id, ""), wanted))})
    return items


def _marked(pieces: list[tuple[str, bool]]) -> dict:
    """The excerpt as plain text, and where its matching words are in it ([start, end) character offsets): whoever
    shows it escapes the text and marks those spans, so nothing in a petition's text is ever read as markup."""
    text, marks = "", []
    for piece, marked in pieces:
        if marked:
            marks.append([len(text), len(text) + len(piece)])
        text += piece
    return {"excerpt": text, "highlights": marks}
