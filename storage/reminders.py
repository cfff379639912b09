"""The daily reminders of turnos por vencer and vencidos: the turnos in attention they draw from, and one row per
directorate and office day, claimed by a sender, then sent (for good) or failed (unsent, retried that day)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.tables import Directorate, Document, Reminder, Routing, State, utcnow


def in_attention_due_before(session: Session, before: dt.date) -> list[Routing]:
    """Turnos in attention (document routed, turno not returned) due before `before`, nearest due first."""
    query = (select(Routing).join(Document, Document.id == Routing.document_id)
             .where(Document.state == State.routed, Routing.returned_at.is_(None), Routing.due_date < before)
             .order_by(Routing.due_date, Routing.id))
    return list(session.scalars(query))


def directorates(session: Session, codes: Iterable[str]) -> dict[str, tuple[str, str | None]]:
    """{code: (name, e-mail address or None)} of these directorates."""
    rows = session.execute(select(Directorate.code, Directorate.name, Directorate.email)
                           .where(Directorate.code.in_(list(codes))))
    return {code: (name, (email or "").strip() or None) for code, name, email in rows}


def claim(session: Session, directorate: str, day: dt.date, stale_before: dt.datetime,
          given_up: tuple[str, ...] = ()) -> int | None:
    """Take the day's reminder of this directorate for sending (creating its row); its id, or None when it was sent
    already, another sender holds a fresh claim, or its last failure's code is one of `given_up` (an address the
    server refused is not retried all day)."""
    try:
        with session.begin_nested():
            session.add(Reminder(directorate=directorate, day=day))
    except IntegrityError:  # another sender made the row first: the claim below decides
        pass
    taken = session.execute(
        update(Reminder)
        .where(Reminder.directorate == directorate, Reminder.day == day, Reminder.sent_at.is_(None),
               or_(Reminder.claimed_at.is_(None), Reminder.claimed_at < stale_before),
               or_(Reminder.error_code.is_(None), Reminder.error_code.not_in(given_up)))
        .values(claimed_at=utcnow(), attempts=Reminder.attempts + 1)
        .returning(Reminder.id)
    ).scalar()
    return taken


def mark_sent(session: Session, reminder_id: int, address: str, message_id: str, turnos: int, overdue: int) -> None:
    session.execute(update(Reminder).where(Reminder.id == reminder_id).values(
        sent_at=utcnow(), address=address, message_id=message_id, turnos=turnos, overdue=overdue, claimed_at=None,
        error_code=None))


def mark_failed(session: Session, reminder_id: int, error_code: str, address: str) -> None:
    """Release the claim and keep the failure's code; the reminder stays unsent."""
    session.execute(update(Reminder).where(Reminder.id == reminder_id).values(
        claimed_at=None, error_code=error_code, address=address))


def of_day(session: Session, day: dt.date) -> dict[str, Reminder]:
    """{directorate: its reminder row} for this office day (sent, failed or being sent)."""
    return {r.directorate: r for r in session.scalars(select(Reminder).where(Reminder.day == day))}
