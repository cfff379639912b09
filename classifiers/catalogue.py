"""Directorates and programs: the default catalogue shipped as data, and the structure the rest reads."""

from __future__ import annotations

import json
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
    data = json.loads(path.read_text(encoding="utf-8"))
    default_days = data.get("plazo_dias_habiles")
    directorates = tuple(DirectorateEntry(d["clave"], d["nombre"]) for d in data["direcciones"])
    programs = tuple(
        ProgramEntry(p["clave"], p["nombre"], p["direccion"], p.get("descripcion", ""), tuple(p.get("sinonimos", ())),
                     p.get("plazo_dias_habiles", default_days))
        for p in data["programas"]
    )
    known = {d.code for d in directorates}
    unknown = [p.code for p in programs if p.directorate not in known]
    if unknown:
        raise ValueError(f"programs with an unknown directorate: {unknown}")
    return Catalogue(directorates, programs)
