"""Sonora's 72 municipalities (INEGI codes) and the other names their towns go by, with accent-free folding."""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from classifiers import fuzzy
from classifiers.features import normalise

GAZETTEER = Path(__file__).with_name("municipios_sonora.csv")


# --- folding: lower case without accents, one character for one character --------------------------------------

def _fold_char(c: str) -> str:
    base = normalise(c)
    return base if len(base) == 1 else c  # one character for one, so offsets into the original still hold


_FOLD_TABLE = {i: _fold_char(chr(i)) for i in range(0x41, 0x250) if _fold_char(chr(i)) != chr(i)}


def fold(text: str) -> str:
    """Lower case without accents, same length as `text` (so offsets carry over). An accent written apart from its
    letter (NFD: "a" + U+0301) stays: normalise such text to NFC first."""
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
def _codes_by_folded_name() -> dict[str, str]:
    """INEGI code by every folded name and alias."""
    codes = {}
    for m, aliases in entries():
        for n in aliases:
            codes.setdefault(fold(n), m.code)
    codes.update({fold(m.name): m.code for m, _ in entries()})  # a municipality's own name wins over an alias
    return codes


def canonical(name: str) -> str | None:
    """The municipality a typed or read name stands for ("HERMOSILLO" → "Hermosillo", "ciudad obregon" → "Cajeme"),
    or None when it names none of the 72."""
    # NFC: a name pasted with its accents apart ("A" + U+0301, as some PDFs and macOS give it) is the same name.
    code = _codes_by_folded_name().get(" ".join(fold(unicodedata.normalize("NFC", name)).split()))
    return municipalities()[code].name if code else None


# Where a municipality's name stands in an address: before ", Sonora" / "Son.", or after "municipio de", "vecina de".
# Words and the spaces between them bounded (an unbounded run was tried from every letter of a long token, and two
# runs of spaces side by side split a long gap every way: both quadratic).
_BEFORE_STATE = re.compile(r"((?:[^\W\d_][\w|!]{0,30}[ \t]{1,8}){0,4}[^\W\d_][\w|!]{0,30})[ \t]{0,8}(?:[,.][ \t]{0,8})?"
                           r"(?:son\b|sonora\b)")
_AFTER_CUE = re.compile(r"\b(?:municipio\s+de|municipio\s*:|vecin[oa]s?\s+de|vivo\s+en|radico\s+en|resido\s+en)"
                        r"\s+((?:[\w|!]+[ \t]+){0,3}[\w|!]+)")


LONG_NAME = 15  # letters: a name this long ("san pedro de la cueva") is told from the others with three slips in it


def _taken(read: str, name: str, names: tuple[str, ...]) -> bool:
    """Whether `read` is `name` misread: two slips off it, or three off a long name that no other name is as close
    to."""
    slips = fuzzy.distance(read, name)
    if slips <= 2:
        return True
    return slips == 3 and len(name) >= LONG_NAME and sum(fuzzy.distance(read, other) <= 3 for other in names) == 1


def misread(folded: str, start: int = 0) -> list[tuple[int, int, str, float]]:
    """Places in `folded` (from `start`) whose name OCR misread ("Hermosi1lo, Sonora", "vecino de Cajerne"):
    (start, end, INEGI code, similarity) for words that are not a name as written but are close to one of the
    gazetteer's names, where an address puts a municipality."""
    names = tuple(_codes_by_folded_name())
    found = []
    for pattern, last in ((_BEFORE_STATE, True), (_AFTER_CUE, False)):
        for m in pattern.finditer(folded, start):
            words = list(re.finditer(r"[\w|!]+", m.group(1)))
            best = None
            for k in range(1, len(words) + 1):
                span = words[-k:] if last else words[:k]
                a, b = m.start(1) + span[0].start(), m.start(1) + span[-1].end()
                phrase = folded[a:b]
                if phrase in names:
                    best = None
                    break                                  # written right: the cue ruler has it
                plain = fuzzy.unglyph(phrase)
                hit = fuzzy.closest(plain, names, cutoff=0.8) if len(plain) >= 5 else None
                if hit and _taken(plain, hit[0], names) and (best is None or 0.95 * hit[1] > best[3]):
                    best = (a, b, _codes_by_folded_name()[hit[0]], 0.95 * hit[1])   # never as sure as written
            if best:
                found.append(best)
    return found
