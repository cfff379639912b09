"""Directorates and programs: the default catalogue shipped as data, and the structure the rest reads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_CATALOGUE = Path(__file__).resolve().parent / "catalogo.json"
OTHER_AUTHORITY = "otra_autoridad"


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


def load_default(path: Path = DEFAULT_CATALOGUE) -> Catalogue:
    """Read the catalogue file (Spanish keys, as an admin would edit it)."""
    from classifiers import catalogue_file  # the format's reader builds this module's dataclasses

    catalogue = catalogue_file.parse(path.read_bytes())
    known = {d.code for d in catalogue.directorates}
    unknown = [p.code for p in catalogue.programs if p.directorate not in known]
    if unknown:
        raise ValueError(f"programs with an unknown directorate: {unknown}")
    return catalogue
