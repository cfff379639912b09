"""The gerente's tablero (/tablero): where a gerente lands after logging in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from review import admin
from review.reports import dashboard, views
from review.web.forms import viewer
from review.web.office import today
from review.web.templating import page

router = APIRouter()


@router.get("/tablero", response_class=HTMLResponse)
def dashboard_page(request: Request):
    ctx, who = request.app.state.ctx, viewer(request)
    with request.app.state.reads() as session:
        names = admin.catalogue_names(session)
        board = dashboard.dashboard(session, who.actor, ctx.settings.timezone, today(request), names["directorate"])
    views.log_view(ctx, who.actor, "view_dashboard", None)
    return page(request, "dashboard.html", who, board=board)
