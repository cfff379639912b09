"""Dates in a letter's folded text (long, month-first and numeric, OCR slips in the digits forgiven) and which of
them is the letter's own date."""

from __future__ import annotations

import datetime
import re

from classifiers import fuzzy
from classifiers.layout import line_end, line_start, nth_line_offset

_MONTHS = {"enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
           "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12}
_MONTH = "(" + "|".join(_MONTHS) + ")"
# A year's 2 is read "¿" or "?" ("de ¿025"): one before a 0 is taken for it, one before a whole year is a speck.
_DATE_LONG = re.compile(r"\b([0-3]?[0-9oil])\s*(?:de\s+)?" + _MONTH + r"\s*(?:,\s*)?(?:de[l]?\s+)?(?:ano\s+)?"
                        r"(?:[¿?](?=[12]\d{3}))?([12][0-9oil]{3}|[¿?]0[0-9oil]{2})\b")
_DATE_MONTH_FIRST = re.compile(r"\b" + _MONTH + r"\s+([0-3]?[0-9])\s*,?\s*(?:de[l]?\s+)?([12][0-9]{3})\b")
# Not inside a longer run of numbers ("1.12.03.2026", "12/03/2026/4"), but a full stop may end the sentence after it
# ("Navojoa, Son., a 05/02/2026.").
_DATE_NUMERIC = re.compile(r"(?<![\d/.\-])([0-3]?\d)\s?([/.\-])\s?([01]?\d)\s?\2\s?(\d{4}|\d{2})(?![\d/\-]|\.\d)")
_OCR_DIGITS = str.maketrans("oil¿?", "01122")


def find_dates(folded: str) -> list[tuple[int, int, datetime.date]]:
    """Every valid calendar date in `folded` as (start, end, date), in order of position."""
    found = []
    for m in _DATE_LONG.finditer(folded):
        found.append((m.start(), m.end(), m.group(1).translate(_OCR_DIGITS), _MONTHS[m.group(2)],
                      m.group(3).translate(_OCR_DIGITS)))
    for m in _DATE_MONTH_FIRST.finditer(folded):
        found.append((m.start(), m.end(), m.group(2), _MONTHS[m.group(1)], m.group(3)))
    for m in _DATE_NUMERIC.finditer(folded):
        year = m.group(4) if len(m.group(4)) == 4 else "20" + m.group(4)
        found.append((m.start(), m.end(), m.group(1), int(m.group(3)), year))
    dates = []
    for start, end, day, month, year in found:
        try:
            dates.append((start, end, datetime.date(int(year), month, int(day))))
        except ValueError:
            continue
    return sorted(dates)


# Between a dateline's town and its date: the state, maybe misread ("Sohor", "SONOtá", "Sonpra"), then "a" or "a los";
# commas, full stops or a colon between them ("Guaymas, Sonora: 17 de marzo", "Navojoa. Sonora. a 1 de…").
_PLACE_TO_DATE = re.compile(r"[\s,.:;]*(?:((?!(?:a|los)\b)[^\W\d_]+)([\s,.:;]+))?(a\s+)?(los\s+)?$")
_STATE_SLIPS = 2


def _state(word: str) -> bool:
    return word in ("son", "mexico") or fuzzy.distance(word, "sonora") <= _STATE_SLIPS


def place_to_date(gap: str) -> bool:
    """Whether `gap` (folded), between a dateline's town and its date, is what a dateline puts there (", Sonora, a")."""
    m = _PLACE_TO_DATE.match(gap)
    return bool(m) and (not m.group(1) or _state(m.group(1)))


def _after_place(before: str) -> bool:
    """Whether a line's text before a date ends as a dateline's place does: the state ("…, Sonora, a") or a town and
    a comma ("Hermosillo, a"), then maybe "a"."""
    m = _PLACE_TO_DATE.search(before)
    if not m or not m.group():
        return False
    word, after_word = m.group(1), m.group(2)
    return _state(word) or "," in after_word if word else "," in m.group()


# A day and a month with the year lost to OCR ("13 de diciembre de 20; 5"): no date, but a dateline's mark.
_DAY_MONTH = re.compile(r"\b[0-3]?[0-9oil]\s*(?:de\s+)?" + _MONTH + r"\b")


def date_starts(folded: str, dates: list[tuple[int, int, datetime.date]]) -> list[int]:
    """Where each date begins, and each day and month whose year OCR left unreadable."""
    return sorted({start for start, _, _ in dates} | {m.start() for m in _DAY_MONTH.finditer(folded)})


def find_letter_date(folded: str, dates: list[tuple[int, int, datetime.date]]) -> dict | None:
    """The date the letter was written, {"value": ISO date, "score"}: a dateline or a date alone on a line at the
    head or foot of the letter."""
    head_end, tail_start = nth_line_offset(folded, 10), len(folded) - 300
    best = None
    for start, end, date in dates:
        if not 2000 <= date.year <= datetime.date.today().year + 1:
            continue
        before = folded[line_start(folded, start):start]
        if re.search(r"\b(nac\w*|naci\w*|desde|dia|del|el)\W*$", folded[max(0, start - 25):start]):
            continue                               # "nació el...", "desde el...": a date in the story
        at_edge = start < head_end or start > tail_start
        if at_edge and len(before) <= 60 and line_end(folded, end) - end <= 40 and (
                re.search(r"^\W*fecha\b\W*$|^\W*a\s*$", before) or _after_place(before)):
            score = 0.92                           # "Navojoa, Son., a 12 de marzo de 2026", "Fecha: 12/03/2026"
        elif not before.strip(" \t.,-") and len(folded[end:line_end(folded, end)].strip(" .,")) <= 3 \
                and at_edge:
            score = 0.75                           # alone on a line at the head or foot of the letter
        else:
            continue                               # dates inside the text are events, not the letter's date
        if best is None or score > best[0]:
            best = (score, date)
    return {"value": best[1].isoformat(), "score": best[0]} if best else None
