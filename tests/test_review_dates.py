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
