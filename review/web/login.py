"""Login, logout and the home page's redirect to the queue (for an enlace, its turnos; for a gerente, the tablero)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from pipeline.errors import ReviewError
from review.errors import CsrfRefused
from review import auth
from review.web import bodies
from review.web.forms import COOKIE, LOGIN_COOKIE, local, signed_form, viewer
from review.web.statuses import status_of
from review.web.templating import page
from storage import users
from storage.tables import Role

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/"):
    nonce = secrets.token_urlsafe(24)
    with request.app.state.reads() as session:
        first_run = not users.any_admin(session)
    response = page(request, "login.html", None, login_csrf=nonce, next=local(next), first_run=first_run)
    response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="strict",
                        secure=request.app.state.ctx.settings.secure_cookies)
    return response


@router.post("/login")
async def login(request: Request):
    ctx = request.app.state.ctx
    form = await bodies.form(request, max_files=0)
    nonce = request.cookies.get(LOGIN_COOKIE)
    if not nonce or not auth.same(str(form.get("csrf", "")), nonce):
        raise CsrfRefused("login form")
    try:
        result = await run_in_threadpool(auth.login, ctx, str(form.get("name", "")), str(form.get("password", "")),
                                         auth.client_ip(request, ctx.settings.trusted_proxies))
    except ReviewError as error:
        return page(request, "login.html", None, status_of(error), error=error, login_csrf=nonce,
                    next=local(str(form.get("next", "/"))), user_name=str(form.get("name", "")))
    response = RedirectResponse(local(str(form.get("next", "/"))), status_code=303)
    response.set_cookie(COOKIE, result.token, httponly=True, samesite="strict", secure=ctx.settings.secure_cookies,
                        max_age=int(ctx.settings.session_hours * 3600))
    response.delete_cookie(LOGIN_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request):
    who, _ = await signed_form(request)
    await run_in_threadpool(auth.logout, request.app.state.ctx, who.token, who.actor)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request):
    who = viewer(request)
    if who.actor.role == Role.gerente:  # a gerente consults: the office at a glance first
        return RedirectResponse("/tablero", status_code=303)
    return RedirectResponse("/turnados" if not who.actor.may("read_queue") else "/cola", status_code=303)
