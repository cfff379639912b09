"""The office's calendar: business days (días hábiles: Monday to Friday, minus Mexico's official holidays and the
office's closures), stored UTC moments on the office's clock and its midnights, calendar months, and a turno's
deadline (its traffic light, answered on time). Every report reads these from here.

The official holidays are those of the Ley Federal del Trabajo, art. 74, as the `holidays` library knows them
(including the first of October every six years, when the federal executive changes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from storage.tables import aware


# The days the office can mean: a petition, a closure, an answer or a report period outside these is a typing error,
# and the extremes of Python's dates overflow the arithmetic of periods and deadlines (a 500 instead of a 422).
FIRST_DAY, LAST_DAY = dt.date(1990, 1, 1), dt.date(2199, 12, 31)


def check_day(day: dt.date, what: str = "fecha") -> dt.date:
    """`day` if the office can mean it (FIRST_DAY to LAST_DAY), else InvalidInput with a Spanish message."""
    from review.errors import InvalidInput

    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput(f"{what}: {day.isoformat()} out of range",
                           user_message=f"La fecha «{what}» ({day.isoformat()}) está fuera del rango que admite el "
                                        f"sistema ({FIRST_DAY.year} a {LAST_DAY.year}). Revísela.")
    return day


@lru_cache(maxsize=64)
def _official(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("MX", years=year))


def official_holidays(year: int) -> dict[dt.date, str]:
    """The year's official holidays with their Spanish names."""
    return dict(holidays.country_holidays("MX", years=year, language="es"))


def is_business_day(day: dt.date, closures: Collection[dt.date] = ()) -> bool:
    """Weekday, not an official holiday, not a day the office closed."""
    return day.weekday() < 5 and day not in _official(day.year) and day not in closures


def add_business_days(start: dt.date, days: int, closures: Iterable[dt.date] = ()) -> dt.date:
    """The date on which `days` business days after `start` have run; `start` itself does not count.

    A petition received on Friday with 1 day is due Monday; received on a Saturday, also Monday.
    """
    if days < 0:
        raise ValueError("days must be zero or more")
    closed = frozenset(closures)
    day = start
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_business_day(day, closed):
            counted += 1
    return day


def business_days_between(start: dt.date, end: dt.date, closures: Iterable[dt.date] = ()) -> int:
    """Business days after `start` up to and including `end` (negative when `end` is before `start`)."""
    if end < start:
        return -business_days_between(end, start, closures)
    closed = frozenset(closures)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_business_day(day, closed):
            count += 1
    return count


def local_moment(moment: dt.datetime | str, timezone: str) -> dt.datetime:
    """A stored (UTC) moment, or its ISO text, on the office's clock (SQLite's naive datetimes are UTC)."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return aware(moment).astimezone(ZoneInfo(timezone))


def local_date(moment: dt.datetime, timezone: str) -> dt.date:
    """The office's calendar date of a stored (UTC) moment."""
    return local_moment(moment, timezone).date()


def local_time(moment: dt.datetime | str | None, timezone: str) -> str:
    """A stored (UTC) moment, or its ISO text, as the office's clock shows it: "2026-11-25 01:13"."""
    return local_moment(moment, timezone).strftime("%Y-%m-%d %H:%M") if moment else ""


def midnight(day: dt.date, timezone: str) -> dt.datetime:
    """The office's local midnight starting `day`, as a UTC moment (how moments are stored)."""
    return dt.datetime.combine(day, dt.time(), ZoneInfo(timezone)).astimezone(dt.timezone.utc)


def week_start(day: dt.date) -> dt.date:
    """The Monday of the office week (Monday to Sunday) holding `day`."""
    return day - dt.timedelta(days=day.weekday())


def month_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar month holding `day`: (its first day, its last day)."""
    first = day.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


# The traffic light (semáforo) of a turno: what the turnados page, its export and the reminders show.
SOON = 2  # business days left at which a turno is "por vencer"


def light(days_left: int) -> str:
    """"vencido", "por-vencer" or "en-tiempo" from the business days left to the due date."""
    return "vencido" if days_left < 0 else "por-vencer" if days_left <= SOON else "en-tiempo"


def in_time_from(today: dt.date, closed: Collection[dt.date]) -> dt.date:
    """The first due date that is "en tiempo" today: a turno due before it (and not before today) is por vencer,
    i.e. has at most SOON business days left. Lets a query filter by the light without counting per row."""
    return add_business_days(today, SOON + 1, closed)


def light_is(name: str, due, today: dt.date, closed: Collection[dt.date]) -> tuple:
    """The conditions on a due date (a SQL column or a date) for the traffic light `name` today, for a query's
    where(): the same bounds as `light` without counting business days per row."""
    if name == "vencido":
        return (overdue(due, today),)
    soon = in_time_from(today, closed)
    return {"por-vencer": (due >= today, due < soon), "en-tiempo": (due >= soon,)}[name]


def overdue(due, today: dt.date):
    """Whether a turno still in attention is past its due date (a date or a SQL column)."""
    return due < today


def answered_on_time(answered_on, due_date):
    """Whether an answer met its turno's deadline: answered on or before the due date (dates or SQL columns)."""
    return answered_on <= due_date


MAX_CLOSURE_DAYS = 62  # a closure range (Semana Santa, December) is weeks long; a longer one is a typing error


def closure_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """The days from `start` to `end` (both included) that a closure changes: Monday to Friday, not an official
    holiday already. InvalidInput, in Spanish, for a range backwards or longer than MAX_CLOSURE_DAYS."""
    from review.errors import InvalidInput

    check_day(start, "desde")
    check_day(end, "hasta")
    if end < start:
        raise InvalidInput("closure range backwards", user_message="La fecha «hasta» es anterior a «desde». Revíselas.")
    length = (end - start).days + 1
    if length > MAX_CLOSURE_DAYS:
        raise InvalidInput(f"closure range of {length} days",
                           user_message=f"El periodo abarca {length} días; el máximo es {MAX_CLOSURE_DAYS}. "
                                        "Agréguelo en partes.")
    days = (start + dt.timedelta(days=n) for n in range(length))
    return [day for day in days if is_business_day(day)]
