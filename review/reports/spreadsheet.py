"""CSV for spreadsheets: every CSV the app writes goes through `writer`, whose text cells cannot become formulas."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable

# A cell starting with one of these is read by Excel, LibreOffice or Sheets as a formula (or, after a tab or carriage
# return, may be): petitioners' names and municipalities come from scanned letters and the public.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(value):
    """A text cell that starts like a formula gets a leading apostrophe (shown as text); numbers are kept."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Writer:
    def __init__(self, out):
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([neutral(_text(value)) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def _text(value):
    """A moment as the office's clock shows it ("2026-11-25 01:13"); a date is written as ISO by csv itself."""
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else value


def writer(out) -> _Writer:
    """A csv.writer over `out` that neutralises formulas in every row it writes."""
    return _Writer(out)
