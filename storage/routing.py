"""Turnos: folio numbers, routing rows, their delivery, and the office closures that deadlines skip."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, cast, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.tables import Document, FolioCounter, OfficeClosure, Routing, utcnow


def lock_document(session: Session, document_id: int) -> Document | None:
    """The document row, locked until the transaction ends (PostgreSQL: row lock; SQLite: the writer lock that
    storage.database takes at BEGIN IMMEDIATE), so that checking its version and routing it are one step."""
    return session.scalar(select(Document).where(Document.id == document_id).with_for_update())


def next_folio_number(session: Session, year: int) -> int:
    """The next consecutive number of `year`, in the caller's transaction.

    The counter row is updated in place, so a second transaction waits for the first to commit (row lock on
    PostgreSQL, writer lock on SQLite) and never sees the same number; routings.(year, number) is unique as well.
    """
    for _ in range(3):
        number = session.execute(
            update(FolioCounter).where(FolioCounter.year == year).values(last=FolioCounter.last + 1)
            .returning(FolioCounter.last)
        ).scalar()
        if number is not None:
            return number
        try:
            with session.begin_nested():
                session.add(FolioCounter(year=year, last=1))
            return 1
        except IntegrityError:  # another transaction created the year's counter first: increment it instead
            continue
    raise RuntimeError(f"folio counter for {year} could not be taken")


def add(session: Session, **columns) -> Routing:
    row = Routing(**columns)
    session.add(row)
    session.flush()
    return row


def current(session: Session, document_id: int) -> Routing | None:
    """The document's latest routing (highest round), if any."""
    return session.scalar(
        select(Routing).where(Routing.document_id == document_id).order_by(Routing.round.desc()).limit(1)
    )


def visible_to_directorate(directorate: str):
    """A condition on Routing: routed to this directorate as responsible or as a copy (c.c.p.)."""
    # copies is a JSON list of codes; a LIKE on its text works the same on SQLite and PostgreSQL. Codes hold "_",
    # LIKE's any-character: autoescape makes it (and "%") match only itself.
    return or_(Routing.directorate == directorate,
               cast(Routing.copies, String).contains(f'"{directorate}"', autoescape=True))


def open_to_directorate(directorate: str):
    """A select of the ids of the documents a directorate may read: routed to it (responsible or copy) in a turno
    not returned. A devolución takes the document back from it."""
    return select(Routing.document_id).where(Routing.returned_at.is_(None), visible_to_directorate(directorate))


def mark_delivered(session: Session, routing_id: int, slip_path: str) -> None:
    session.execute(update(Routing).where(Routing.id == routing_id).values(slip_path=slip_path, delivered_at=utcnow()))


def undelivered(session: Session) -> list[int]:
    """Routings whose files have not reached salida/ yet (the process stopped, the disk was full...)."""
    return list(session.scalars(select(Routing.id).where(Routing.delivered_at.is_(None)).order_by(Routing.id)))


def closures(session: Session) -> set[dt.date]:
    return set(session.scalars(select(OfficeClosure.day)))


def closure_list(session: Session) -> list[OfficeClosure]:
    return list(session.scalars(select(OfficeClosure).order_by(OfficeClosure.day)))


def add_closure(session: Session, day: dt.date, reason: str, added_by: str) -> None:
    if session.get(OfficeClosure, day) is None:
        session.add(OfficeClosure(day=day, reason=reason, added_by=added_by))


def remove_closure(session: Session, day: dt.date) -> bool:
    row = session.get(OfficeClosure, day)
    if row is None:
        return False
    session.delete(row)
    return True
