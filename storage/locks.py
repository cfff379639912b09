"""Named locks in the database, so that one job (retraining) runs at a time across processes and machines."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.tables import Lock, utcnow


def acquire(sessions: sessionmaker[Session], name: str, owner: str, seconds: float) -> bool:
    """Take the lock `name` for `seconds` (True), unless someone else holds it unexpired (False)."""
    now = utcnow()
    until = now + dt.timedelta(seconds=seconds)
    with sessions.begin() as session:
        taken = session.execute(update(Lock).where(Lock.name == name, Lock.until < now)
                                .values(owner=owner, until=until)).rowcount
        if taken:
            return True
    try:
        with sessions.begin() as session:
            session.add(Lock(name=name, owner=owner, until=until))
        return True
    except IntegrityError:  # a row exists and is unexpired: its holder is alive
        return False


def release(sessions: sessionmaker[Session], name: str, owner: str) -> None:
    """Give the lock back (only its holder can)."""
    with sessions.begin() as session:
        session.execute(delete(Lock).where(Lock.name == name, Lock.owner == owner))
