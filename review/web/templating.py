"""Pages rendered from the templates: the values every page gets (who, CSRF token, role names, directorate), and
the error page for a typed refusal or an unreadable address."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.exc import SQLAlchemyError

from pipeline.errors import ReviewError
from review.errors import InvalidInput, NotAuthenticated
from review.roles import ROLE_NAMES
from review.web.forms import Viewer, viewer
from review.web.statuses import status_of
from storage.tables import Directorate, Role


def page(request: Request, name: str, who: Viewer | None, status: int = 200, **values) -> HTMLResponse:
    """The template `name` for this request and viewer, with `values`."""
    values.update(request=request, who=who.actor if who else None, csrf=who.csrf if who else "",
                  role_names=ROLE_NAMES, Role=Role)
    # An enlace reads the name of their directorate, not its code; pages that hold the catalogue pass it.
    if who and who.actor.directorate and not values.get("directorate_name"):
        with request.app.state.reads() as session:
            found = session.get(Directorate, who.actor.directorate)  # also an inactive one
        values["directorate_name"] = found.name if found else None
    return request.app.state.templates.TemplateResponse(request, name, values, status_code=status)


async def refused(request: Request, error: ReviewError):
    """A typed refusal: the login form for a GET without a session, else the error page with its status."""
    if isinstance(error, NotAuthenticated) and request.method == "GET":
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    return await run_in_threadpool(error_page, request, status_of(error), error)


def error_page(request: Request, status: int, error: ReviewError) -> HTMLResponse:
    """The error page; with the navigation of whoever is logged in, so a refused person can go on from there."""
    try:
        who = viewer(request)
    except (ReviewError, SQLAlchemyError):  # no session, or the database itself is what failed
        who = None
    return page(request, "error.html", who, status, error=error)


async def unreadable(request: Request, error: RequestValidationError):
    """A path or query value out of its range (an id past 64 bits, a negative offset): the error page, 422."""
    return await run_in_threadpool(error_page, request, InvalidInput.http_status,
                                   InvalidInput(str(error.errors())[:200], user_message="Revise la dirección: un "
                                                                                        "número o una fecha no es "
                                                                                        "válido."))
