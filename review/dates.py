"""Dates and times as staff read them on every page: 25/11/2026 and 25/11/2026 03:46, on the office's clock.

Templates use them through the Jinja filters `fecha` and `hora` (`install`). Machine outputs keep ISO: the JSON
API, the CSV export (so spreadsheets sort it), `<input type="date">` values and data attributes. The routing slip
keeps its formal long form ("25 de noviembre de 2026", review/turnos/slip.py).
"""

from __future__ import annotations

import datetime as dt

from review.turnos import calendar

DAY = "%d/%m/%Y"
MOMENT = "%d/%m/%Y %H:%M"

When = dt.date | dt.datetime | str | None


def day(value: When, timezone: str = "") -> str:
    """A date as dd/mm/aaaa; a stored (UTC) moment by the office's calendar (its zone required); none as ""."""
    value = _parsed(value, timezone)
    return value.strftime(DAY) if value else ""


def moment(value: When, timezone: str) -> str:
    """A stored (UTC) moment as dd/mm/aaaa hh:mm on the office's 24-hour clock; a bare date as dd/mm/aaaa."""
    value = _parsed(value, timezone)
    if not value:
        return ""
    return value.strftime(MOMENT if isinstance(value, dt.datetime) else DAY)


def install(env, timezone: str) -> None:
    """Jinja filters `fecha` (the date) and `hora` (date and time) in the office's time zone."""
    env.filters.update(fecha=lambda value: day(value, timezone), hora=lambda value: moment(value, timezone))


def _parsed(value: When, timezone: str) -> dt.date | None:
    """A date as it is; a moment in the office's zone; ISO text (the views share it with the API) read first."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        # "2026-11-25" is a calendar date: reading it as a UTC midnight would move it to the day before.
        value = dt.date.fromisoformat(value) if len(value) == 10 else dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        if not timezone:
            raise ValueError(f"{value!r} needs the office's time zone to be shown")  # never a silent UTC date
        return calendar.local_moment(value, timezone)
    return value
