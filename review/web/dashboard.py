"""The gerente's tablero (/tablero): where a gerente lands after logging in; its figures also as JSON
(GET /api/v1/dashboard, review/web/api.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from review import admin
from review.reports import dashboard, views
from review.roles import Actor, require
from review.web.forms import viewer
from review.web.office import today
from review.web.templating import page

router = APIRouter()


def board_of(request: Request, actor: Actor) -> dashboard.Dashboard:
    """The tablero's figures for this request, read by a role that may see them; the access log records it."""
    require(actor, "report")
    ctx = request.app.state.ctx
    with request.app.state.reads() as session:
        names = admin.catalogue_names(session)
        board = dashboard.dashboard(session, actor, ctx.settings.timezone, today(request), names["directorate"])
    views.log_view(ctx, actor, "view_dashboard", None)
    return board


@router.get("/tablero", response_class=HTMLResponse)
def dashboard_page(request: Request):
    who = viewer(request)
    return page(request, "dashboard.html", who, board=board_of(request, who.actor))
