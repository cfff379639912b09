"""The catalogue of directorates and programs as database rows the admin edits."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.catalogue import Catalogue
from classifiers.catalogue_file import CatalogueUnknownDirectorate
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


def inactive_labels(session: Session) -> dict[str, frozenset[str]]:
    """Per classifier target, the codes an admin deactivated: never suggested, never trained on."""
    return {"program": frozenset(session.scalars(select(Program.code).where(~Program.active))),
            "directorate": frozenset(session.scalars(select(Directorate.code).where(~Directorate.active)))}


@dataclass
class Change:
    """One row an import added, updated (reactivated included) or deactivated, with its values before and after."""

    table: str  # "directorates" or "programs", as the admin's single-row edits record it
    code: str
    kind: str  # "added", "updated" or "deactivated"
    before: dict | None
    after: dict


@dataclass
class Applied:
    changes: list[Change] = field(default_factory=list)
    unchanged: dict[str, int] = field(default_factory=lambda: {"directorates": 0, "programs": 0})

    def counts(self) -> dict[str, dict[str, int]]:
        """Per table: how many rows were added, updated, deactivated and left as they were."""
        return {table: {**{kind: sum(c.table == table and c.kind == kind for c in self.changes)
                           for kind in ("added", "updated", "deactivated")}, "unchanged": self.unchanged[table]}
                for table in ("directorates", "programs")}


def _directorate_values(row: Directorate) -> dict:
    return {"name": row.name, "active": row.active}


def _program_values(row: Program) -> dict:
    return {"name": row.name, "directorate": row.directorate, "description": row.description or "",
            "synonyms": list(row.synonyms or []), "deadline_days": row.deadline_days, "active": row.active}


def _upsert(session: Session, result: Applied, table: str, rows: dict, model, values_of, code: str,
            values: dict) -> None:
    row = rows.get(code)
    before = values_of(row) if row is not None else None
    if before == values:
        result.unchanged[table] += 1
        return
    if row is None:
        row = rows[code] = model(code=code)
        session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    result.changes.append(Change(table, code, "added" if before is None else "updated", before, values))


def apply(session: Session, catalogue: Catalogue, *, replace: bool) -> Applied:
    """Upsert a whole catalogue file in the caller's transaction: every entry added or updated and active; with
    `replace`, every row the file leaves out deactivated. Nothing is ever deleted: decisions and turnos name these
    codes. A program's directorate must be in the file, or (without `replace`, which would deactivate it) active in
    the database; checked for every program before any row changes."""
    directorates = {d.code: d for d in session.scalars(select(Directorate))}
    programs = {p.code: p for p in session.scalars(select(Program))}
    in_file = {d.code for d in catalogue.directorates}
    for p in catalogue.programs:
        kept = p.directorate in directorates and directorates[p.directorate].active and not replace
        if p.directorate not in in_file and not kept:
            raise CatalogueUnknownDirectorate(
                f"{p.code}: {p.directorate}",
                user_message=f"El programa «{p.code}» pertenece a la dirección «{p.directorate}», que no está en el "
                             f"archivo{'' if replace else ' ni activa en el catálogo'}: agréguela al archivo. No se cambió nada.")
    result = Applied()
    for d in catalogue.directorates:
        _upsert(session, result, "directorates", directorates, Directorate, _directorate_values, d.code,
                {"name": d.name, "active": True})
    session.flush()  # the programs' foreign key needs the new directorates first
    for p in catalogue.programs:
        _upsert(session, result, "programs", programs, Program, _program_values, p.code,
                {"name": p.name, "directorate": p.directorate, "description": p.description,
                 "synonyms": list(p.synonyms), "deadline_days": p.deadline_days, "active": True})
    if replace:
        listed = {"directorates": in_file, "programs": {p.code for p in catalogue.programs}}
        for table, rows, values_of in (("programs", programs, _program_values),
                                       ("directorates", directorates, _directorate_values)):
            for code, row in rows.items():
                if code not in listed[table] and row.active:
                    before = values_of(row)
                    row.active = False
                    result.changes.append(Change(table, code, "deactivated", before, values_of(row)))
    return result


def active_rows(session: Session) -> Catalogue:
    """What an export writes: the active rows, by code (a stable order for comparing two exports)."""
    found = load(session)
    return Catalogue(tuple(sorted(found.directorates, key=lambda d: d.code)),
                     tuple(sorted(found.programs, key=lambda p: p.code)))
