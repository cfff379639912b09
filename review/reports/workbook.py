"""XLSX for spreadsheets (openpyxl), beside every CSV: one sheet per table, its header frozen and bold, dates as
date cells, fractions as percentages, and text cells that cannot become formulas (the CSV's own neutralising,
spreadsheet.neutral: a name or municipality from a scanned letter may start with "=")."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from review.reports.spreadsheet import neutral

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# XML 1.0 has no place for these control characters (a tab, a line feed and a carriage return are allowed).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
FORMATS = {dt.datetime: "dd/mm/yyyy hh:mm", dt.date: "dd/mm/yyyy"}
PERCENT = "0.0%"


@dataclass(frozen=True)
class Table:
    """One sheet: its title (Excel keeps 31 characters), the header, the rows (str, int, float, dates or None)
    and which columns (0-based) hold fractions to show as percentages."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence]
    percent: frozenset[int] = field(default_factory=frozenset)


def xlsx(tables: Iterable[Table]) -> bytes:
    """The workbook's bytes, a sheet per table in the order given."""
    book = Workbook(write_only=True)  # streams rows: a turnados list of 100,000 rows stays in bounded memory
    used: set[str] = set()
    for table in tables:
        sheet = book.create_sheet(_title(table.title, used))
        sheet.freeze_panes = "A2"
        for number, name in enumerate(table.header):
            sheet.column_dimensions[_letter(number)].width = max(10, min(len(name) + 2, 45))
        bold = Font(bold=True)
        sheet.append([_cell(sheet, name, font=bold) for name in table.header])
        for row in table.rows:
            sheet.append([_cell(sheet, value, percent=i in table.percent) for i, value in enumerate(row)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet, value, font: Font | None = None, percent: bool = False) -> WriteOnlyCell:
    if isinstance(value, str):
        value = _ILLEGAL.sub("", neutral(value)) or None
    elif isinstance(value, dt.datetime) and value.tzinfo is not None:
        raise ValueError("Excel keeps no time zone: pass the office's local time")
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if percent and isinstance(value, float):
        cell.number_format = PERCENT
    elif isinstance(value, dt.date):
        cell.number_format = FORMATS[dt.datetime if isinstance(value, dt.datetime) else dt.date]
    return cell


def _title(text: str, used: set[str]) -> str:
    """A sheet title Excel accepts, unique in the workbook."""
    base = _TITLE_FORBIDDEN.sub(" ", text).strip()[:31] or "Hoja"
    title, n = base, 2
    while title.lower() in used:
        title = f"{base[:28]} {n}"
        n += 1
    used.add(title.lower())
    return title


def _letter(number: int) -> str:
    """The column letter of a 0-based column number: 0 → A, 26 → AA."""
    letters = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
