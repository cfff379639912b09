"""The catalogue of directorates and programs as database rows the admin edits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.catalogue import Catalogue
from storage.tables import Directorate, Program


def seed(session: Session, catalogue: Catalogue) -> bool:
    """Load the default catalogue into empty tables; never overwrite what an admin has edited."""
    if session.scalar(select(Directorate.code).limit(1)) is not None:
        return False
    for d in catalogue.directorates:
        session.add(Directorate(code=d.code, name=d.name))
    session.flush()
    for p in catalogue.programs:
        session.add(Program(code=p.code, name=p.name, directorate=p.directorate, description=p.description,
                            synonyms=list(p.synonyms), deadline_days=p.deadline_days))
    return True


def load(session: Session) -> Catalogue:
    """The catalogue as it stands in the database."""
    from classifiers.catalogue import DirectorateEntry, ProgramEntry

    directorates = [DirectorateEntry(d.code, d.name) for d in session.scalars(select(Directorate).where(Directorate.active))]
    programs = [
        ProgramEntry(p.code, p.name, p.directorate, p.description, tuple(p.synonyms or ()), p.deadline_days)
        for p in session.scalars(select(Program).where(Program.active))
    ]
    return Catalogue(tuple(directorates), tuple(programs))
