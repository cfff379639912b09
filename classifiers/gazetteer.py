"""Sonora's 72 municipalities (INEGI codes) and the other names their towns go by, with accent-free folding."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from classifiers.features import normalise

GAZETTEER = Path(__file__).with_name("municipios_sonora.csv")


# --- folding: lower case without accents, one character for one character --------------------------------------

def _fold_char(c: str) -> str:
    base = normalise(c)
    return base if len(base) == 1 else c  # one character for one, so offsets into the original still hold


_FOLD_TABLE = {i: _fold_char(chr(i)) for i in range(0x41, 0x250) if _fold_char(chr(i)) != chr(i)}


def fold(text: str) -> str:
    """Lower case without accents, same length as `text` (so offsets carry over)."""
    return text.translate(_FOLD_TABLE)


# --- the gazetteer ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Municipality:
    code: str
    name: str


@functools.cache
def municipalities() -> dict[str, Municipality]:
    """Sonora's 72 municipalities by INEGI code."""
    return {m.code: m for m, _ in entries()}


@functools.cache
def entries() -> tuple[tuple[Municipality, tuple[str, ...]], ...]:
    """Each municipality with the other names its head town and main towns go by ("Ciudad Obregón": Cajeme)."""
    with GAZETTEER.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return tuple((Municipality(r["code"], r["name"]), tuple(a.strip() for a in r["aliases"].split(";") if a.strip()))
                 for r in rows)


@functools.cache
def place_names() -> frozenset[str]:
    return frozenset(fold(n) for m, aliases in entries() for n in [m.name, *aliases])


@functools.cache
def municipality_names() -> frozenset[str]:
    return frozenset(fold(m.name) for m, _ in entries())


# Names that are also common words, person names, saints or street names: taken only with a place cue around them.
AMBIGUOUS = {fold(n) for n in (
    "Altar", "Fronteras", "Granados", "Trincheras", "Moctezuma", "Rosario", "Magdalena", "Santa Ana", "Santa Cruz",
    "San Javier", "Benito Juárez", "Villa Hidalgo", "General Plutarco Elías Calles", "Plutarco Elías Calles",
    "Rayón",
    "La Colorada", "Naco", "Empalme", "Carbó", "Tepache", "Divisaderos", "Álamos", "Obregón", "Esperanza",
    "Miguel Alemán", "San Felipe de Jesús", "Benjamín Hill", "Arizpe", "Mazatán", "Esqueda", "Cumpas")}


@functools.cache
def _by_folded_name() -> dict[str, str]:
    names = {}
    for m, aliases in entries():
        for n in aliases:
            names.setdefault(fold(n), m.name)
    names.update({fold(m.name): m.name for m, _ in entries()})  # a municipality's own name wins over an alias
    return names


def canonical(name: str) -> str | None:
    """The municipality a typed or read name stands for ("HERMOSILLO" → "Hermosillo", "ciudad obregon" → "Cajeme"),
    or None when it names none of the 72."""
    return _by_folded_name().get(" ".join(fold(name).split()))
