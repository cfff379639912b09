"""Dates and times as staff read them on the pages (review/dates.py)."""

import datetime as dt

import pytest

from review import dates

ZONE = "America/Hermosillo"  # UTC-7 all year


def test_dates_read_dd_mm_yyyy_and_moments_on_the_office_clock():
    assert dates.day(dt.date(2026, 11, 5), ZONE) == "05/11/2026"
    assert dates.day("2026-11-05", ZONE) == "05/11/2026"  # an ISO date stays that calendar day
    # 03:46 UTC on the 26th is still the evening of the 25th in Hermosillo; SQLite's naive datetimes are UTC.
    stored = dt.datetime(2026, 11, 26, 3, 46)
    assert dates.moment(stored, ZONE) == "25/11/2026 20:46"
    assert dates.moment(stored.replace(tzinfo=dt.timezone.utc).isoformat(), ZONE) == "25/11/2026 20:46"
    assert dates.day(stored, ZONE) == "25/11/2026"
    assert dates.day(None, ZONE) == dates.moment(None, ZONE) == dates.moment("", ZONE) == ""


def test_a_moment_without_the_office_zone_is_refused_rather_than_shown_in_utc():
    with pytest.raises(ValueError):
        dates.day(dt.datetime(2026, 11, 26, 3, 46))


def test_the_calendars_light_bounds_for_queries_agree_with_the_light_counted_day_by_day():
    from review.turnos import calendar

    today, closed = dt.date(2026, 12, 10), {dt.date(2026, 12, 11), dt.date(2026, 12, 14)}  # a Thursday, closures
    for offset in range(-5, 30):  # across a weekend, the closures and the 25th of December
        due = today + dt.timedelta(days=offset)
        counted = calendar.light(calendar.business_days_between(today, due, closed))
        bounded = [name for name in ("vencido", "por-vencer", "en-tiempo")
                   if all(calendar.light_is(name, due, today, closed))]
        assert bounded == [counted], due


def test_the_calendars_midnights_months_and_answers_on_time():
    from review.turnos import calendar

    assert calendar.midnight(dt.date(2026, 11, 5), ZONE) == dt.datetime(2026, 11, 5, 7, tzinfo=dt.timezone.utc)
    assert calendar.local_date(dt.datetime(2026, 11, 5, 6, 59), ZONE) == dt.date(2026, 11, 4)
    sunday, monday = dt.date(2026, 12, 6), dt.date(2026, 11, 30)
    assert calendar.week_start(sunday) == calendar.week_start(monday) == monday
    assert calendar.month_of(dt.date(2028, 2, 15)) == (dt.date(2028, 2, 1), dt.date(2028, 2, 29))
    assert calendar.month_of(dt.date(2026, 12, 31)) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    due = dt.date(2026, 11, 20)
    assert calendar.answered_on_time(due, due) and not calendar.answered_on_time(due + dt.timedelta(days=1), due)
    assert calendar.overdue(due, due + dt.timedelta(days=1)) and not calendar.overdue(due, due)
