"""Directorates and programs: the default catalogue shipped as data (its structure: classifiers/catalogue_entries.py)."""

from __future__ import annotations

from pathlib import Path

from classifiers import catalogue_file
from classifiers.catalogue_entries import Catalogue, DirectorateEntry, ProgramEntry  # noqa: F401 - read from here

DEFAULT_CATALOGUE = Path(__file__).resolve().parent / "catalogo.json"
OTHER_AUTHORITY = "otra_autoridad"


def load_default(path: Path = DEFAULT_CATALOGUE) -> Catalogue:
    """Read the catalogue file (Spanish keys, as an admin would edit it)."""
    catalogue = catalogue_file.parse(path.read_bytes())
    known = {d.code for d in catalogue.directorates}
    unknown = [p.code for p in catalogue.programs if p.directorate not in known]
    if unknown:
        raise ValueError(f"programs with an unknown directorate: {unknown}")
    return catalogue
