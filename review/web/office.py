"""The office's day as a request sees it: computed once per request, on the office's clock."""

from __future__ import annotations

import datetime as dt

from fastapi import Request

from review.turnos import calendar
from storage.tables import utcnow


def today(request: Request) -> dt.date:
    """Today on the office's clock (settings.timezone), the same for every use within this request."""
    if not hasattr(request.state, "today"):
        request.state.today = calendar.local_date(utcnow(), request.app.state.ctx.settings.timezone)
    return request.state.today
