"""Who is asking and what they sent: the session behind a page request, CSRF-checked forms, and form values read
as numbers and petitioner fields.

Every page asks for a live server-side session (cookie), every form carries the session's CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from pipeline.errors import ReviewError
from review.errors import CsrfRefused, InvalidInput, NotAuthenticated
from review import auth
from review.roles import Actor, require
from review.web import bodies
from review.web.params import MAX_INT
from review.web.statuses import status_of

COOKIE = "peticiones_sesion"
LOGIN_COOKIE = "peticiones_csrf_login"


@dataclass(frozen=True)
class Viewer:
    actor: Actor
    csrf: str
    token: str


def viewer(request: Request) -> Viewer:
    """The logged-in person behind this request, or NotAuthenticated."""
    token = request.cookies.get(COOKIE)
    proxies = request.app.state.ctx.settings.trusted_proxies
    found = auth.session_actor(request.app.state.reads, token, auth.client_ip(request, proxies)) if token else None
    if found is None:
        raise NotAuthenticated("no live session")
    actor, csrf = found
    return Viewer(actor, csrf, token)


def may(action: str):
    """A page route's role, declared as its dependency: FastAPI runs dependencies before it reads the path, so a
    role that may not `action` gets 403 whether the id in the address is real or malformed (/documentos/abc), and
    someone logged out the login form, never a 422 first. What the route calls checks the role again."""
    def role_allows(request: Request) -> None:
        require(viewer(request).actor, action)

    return [Depends(role_allows)]


def check_csrf(who: Viewer, sent: str | None) -> None:
    if not sent or not auth.same(sent, who.csrf):
        raise CsrfRefused(who.actor.name)


async def signed_form(request: Request):
    """The logged-in person and the form they sent, once the form's CSRF token matches their session's."""
    who = await run_in_threadpool(viewer, request)  # a database read: never on the event loop
    form = await bodies.form(request)
    check_csrf(who, str(form.get("csrf", "")))
    return who, form


async def form_action(request: Request, act: Callable[[Viewer, FormData], str],
                      again: Callable[[Request, Viewer, int, ReviewError], Response]) -> Response:
    """A form that changes something: `act(who, form)` runs once the CSRF token matches and returns where to go
    next (303); a typed refusal shows the page again through `again(request, who, status, error)`."""
    who, form = await signed_form(request)
    try:
        target = await run_in_threadpool(act, who, form)
    except ReviewError as error:
        return await run_in_threadpool(again, request, who, status_of(error), error)
    return RedirectResponse(target, status_code=303)


def fields(form) -> dict[str, str]:
    """The petitioner's fields a form sent, as inputs named campo_<field>."""
    return {key.removeprefix("campo_"): str(value) for key, value in form.multi_items() if key.startswith("campo_")}


def integer(value) -> int:
    """A form value read as a database id or version; InvalidInput otherwise."""
    try:
        found = int(str(value))
    except (TypeError, ValueError):
        raise InvalidInput(f"not a number: {value!r}") from None
    if not 0 <= found <= MAX_INT:  # past a database integer
        raise InvalidInput(f"out of range: {value!r}")
    return found


def local(target: str) -> str:
    """Only paths of this app after login: never an open redirect to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"
