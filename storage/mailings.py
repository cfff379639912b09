"""A turno's e-mails, one row per recipient directorate: planned with the delivery, claimed by a sender, then
sent (for good) or failed (pending, retried)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from storage.tables import Directorate, RoutingMail, utcnow


def plan(session: Session, routing_id: int, document_id: int, directorates: Iterable[str]) -> list[str]:
    """A pending e-mail for each of these directorates that has an address and none yet for this routing; returns
    the directorates planned now. A directorate without e-mail gets its files in salida/ only."""
    codes = list(dict.fromkeys(directorates))
    with_address = {
        code for code, email in session.execute(select(Directorate.code, Directorate.email)
                                                .where(Directorate.code.in_(codes)))
        if email and email.strip()
    }
    existing = set(session.scalars(select(RoutingMail.directorate).where(RoutingMail.routing_id == routing_id)))
    planned = [c for c in codes if c in with_address and c not in existing]
    for code in planned:
        session.add(RoutingMail(routing_id=routing_id, document_id=document_id, directorate=code))
    session.flush()
    return planned


def pending(session: Session, routing_id: int | None = None) -> list[int]:
    """Ids of e-mails not sent yet (of one routing, or all), oldest first."""
    query = select(RoutingMail.id).where(RoutingMail.sent_at.is_(None)).order_by(RoutingMail.id)
    if routing_id is not None:
        query = query.where(RoutingMail.routing_id == routing_id)
    return list(session.scalars(query))


def pending_by_routing(session: Session, routing_ids: Iterable[int]) -> dict[int, list[str]]:
    """{routing id: [directorates whose e-mail is still pending]} for these routings (those with none left out)."""
    ids = list(routing_ids)
    result: dict[int, list[str]] = {}
    if not ids:
        return result
    rows = session.execute(select(RoutingMail.routing_id, RoutingMail.directorate)
                           .where(RoutingMail.routing_id.in_(ids), RoutingMail.sent_at.is_(None))
                           .order_by(RoutingMail.id))
    for routing_id, directorate in rows:
        result.setdefault(routing_id, []).append(directorate)
    return result


def claim(session: Session, mail_id: int, stale_before: dt.datetime) -> bool:
    """Take an unsent e-mail for sending; False when it was sent meanwhile or another sender holds a fresh claim."""
    taken = session.execute(
        update(RoutingMail)
        .where(RoutingMail.id == mail_id, RoutingMail.sent_at.is_(None),
               or_(RoutingMail.claimed_at.is_(None), RoutingMail.claimed_at < stale_before))
        .values(claimed_at=utcnow(), attempts=RoutingMail.attempts + 1)
    )
    return taken.rowcount == 1


def mark_sent(session: Session, mail_id: int, address: str, message_id: str) -> None:
    session.execute(update(RoutingMail).where(RoutingMail.id == mail_id).values(
        sent_at=utcnow(), address=address, message_id=message_id, claimed_at=None, error_code=None))


def mark_failed(session: Session, mail_id: int, error_code: str, address: str | None = None) -> None:
    """Release the claim and keep the failure's code; the e-mail stays pending."""
    values = {"claimed_at": None, "error_code": error_code}
    if address:
        values["address"] = address
    session.execute(update(RoutingMail).where(RoutingMail.id == mail_id).values(**values))


def drop(session: Session, mail_id: int) -> None:
    """Forget a pending e-mail whose directorate no longer has an address (the event log keeps why)."""
    row = session.get(RoutingMail, mail_id)
    if row is not None and row.sent_at is None:
        session.delete(row)
