"""The catalogue as the rest reads it: directorates, programs and who answers for each program. Built by the
catalogue file's reader (classifiers/catalogue_file.py) and by the database (storage/catalogue.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DirectorateEntry:
    code: str
    name: str


@dataclass(frozen=True)
class ProgramEntry:
    code: str
    name: str
    directorate: str
    description: str = ""
    synonyms: tuple[str, ...] = ()
    deadline_days: int | None = None


@dataclass(frozen=True)
class Catalogue:
    directorates: tuple[DirectorateEntry, ...]
    programs: tuple[ProgramEntry, ...]

    def directorate_of(self, program: str) -> str | None:
        """The directorate responsible for a program, or None if the program is unknown."""
        return next((p.directorate for p in self.programs if p.code == program), None)
