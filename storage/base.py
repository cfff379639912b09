"""The declarative base every table derives from, and the clock everything stored is stamped with (UTC)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime
from sqlalchemy.orm import DeclarativeBase


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def aware(moment: dt.datetime) -> dt.datetime:
    """A stored moment with its time zone: SQLite hands back naive datetimes even for timezone-aware columns, and
    everything stored here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True), dt.date: Date, dict: JSON, list: JSON}
