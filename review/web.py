"""The staff pages: login, the queue, a document with its decision form, turnos, the access log.

Every page asks for a live server-side session (cookie), every form carries the session's CSRF token, and every
action goes through review/roles.py. Views of documents, page images and files leave an access-log entry.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from pipeline.errors import CsrfRefused, DocumentNotFound, InvalidInput, NotAuthenticated, ReviewError, StaleVersion
from review import admin, audit, auth, bodies, calendar, capture, dates, export, images, labels, report, routing, search, views, web_documents
from review.app import status_of
from review.audit_models import RetrainRules
from review.params import MAX_INT, Id, Offset, OptionalId
from review.roles import ROLE_NAMES, Actor, require
from storage import access, catalogue, users
from storage import routing as turnos
from storage.tables import Directorate, Role, utcnow

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


def install(app: FastAPI) -> None:
    ctx = app.state.ctx
    templates = app.state.templates
    reads = app.state.reads

    def page(request: Request, name: str, who: Viewer | None, status: int = 200, **values) -> HTMLResponse:
        values.update(request=request, who=who.actor if who else None, csrf=who.csrf if who else "",
                      role_names=ROLE_NAMES, Role=Role)
        # An enlace reads the name of their directorate, not its code; pages that hold the catalogue pass it.
        if who and who.actor.directorate and not values.get("directorate_name"):
            with reads() as session:
                found = session.get(Directorate, who.actor.directorate)  # also an inactive one
            values["directorate_name"] = found.name if found else None
        return templates.TemplateResponse(request, name, values, status_code=status)

    @app.exception_handler(ReviewError)
    async def _typed(request: Request, error: ReviewError):
        if isinstance(error, NotAuthenticated) and request.method == "GET":
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        return page(request, "error.html", None, status_of(error), error=error)

    @app.exception_handler(RequestValidationError)
    async def _unreadable(request: Request, error: RequestValidationError):
        """A path or query value out of its range (an id past 64 bits, a negative offset): the error page, 422."""
        return page(request, "error.html", None, InvalidInput.http_status,
                    error=InvalidInput(str(error.errors())[:200], user_message="Revise la dirección: un número o "
                                                                               "una fecha no es válido."))

    # Login and logout ---------------------------------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/"):
        nonce = secrets.token_urlsafe(24)
        with reads() as session:
            first_run = not users.any_admin(session)
        response = page(request, "login.html", None, login_csrf=nonce, next=_local(next), first_run=first_run)
        response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="strict", secure=ctx.settings.secure_cookies)
        return response

    @app.post("/login")
    async def login(request: Request):
        form = await bodies.form(request, max_files=0)
        nonce = request.cookies.get(LOGIN_COOKIE)
        if not nonce or not auth.same(str(form.get("csrf", "")), nonce):
            raise CsrfRefused("login form")
        try:
            result = await run_in_threadpool(auth.login, ctx, str(form.get("name", "")), str(form.get("password", "")),
                                             auth.client_ip(request, ctx.settings.trusted_proxies))
        except ReviewError as error:
            return page(request, "login.html", None, status_of(error), error=error, login_csrf=nonce,
                        next=_local(str(form.get("next", "/"))), user_name=str(form.get("name", "")))
        response = RedirectResponse(_local(str(form.get("next", "/"))), status_code=303)
        response.set_cookie(COOKIE, result.token, httponly=True, samesite="strict", secure=ctx.settings.secure_cookies,
                            max_age=int(ctx.settings.session_hours * 3600))
        response.delete_cookie(LOGIN_COOKIE)
        return response

    @app.post("/logout")
    async def logout(request: Request):
        who, _ = await signed_form(request)
        await run_in_threadpool(auth.logout, ctx, who.token, who.actor)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    # Queue and turnos ---------------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request):
        who = viewer(request)
        return RedirectResponse("/turnados" if not who.actor.may("read_queue") else "/cola", status_code=303)

    @app.get("/cola", response_class=HTMLResponse)
    def queue_page(request: Request, canal: str = "", programa: str = "", banda: str = "", marca: str = "",
                   desde: Offset = 0):
        who = viewer(request)
        f = views.QueueFilter(canal or None, programa or None, banda or None, marca or None, max(0, desde),
                              ctx.settings.queue_page_size)
        with reads() as session:
            result = views.queue(session, who.actor, f)
            known = catalogue.load(session)
        views.log_view(ctx, who.actor, "view_queue", None, f"{result['total']} documentos")  # it shows names
        return page(request, "queue.html", who, result=result, f=f, bands=views.BANDS, flags=views.FLAGS,
                    programs={p.code: p.name for p in known.programs},
                    directorates={d.code: d.name for d in known.directorates})

    @app.get("/turnados", response_class=HTMLResponse)
    def routed_page(request: Request, direccion: str = "", semaforo: str = "", desde: Offset = 0):
        who = viewer(request)
        today = calendar.local_date(utcnow(), ctx.settings.timezone)
        f = views.RoutedFilter(direccion or None, semaforo if semaforo in export.LIGHTS else None, max(0, desde))
        with reads() as session:
            closed = turnos.closures(session)
            result = views.routed_page(session, who.actor, f, today, closed)
            known = catalogue.load(session)
        for row in result["items"]:
            row["days_left"], row["light"] = export.countdown(today, row["due_date"], closed)
        views.log_view(ctx, who.actor, "view_routed", None,  # it shows petitioners' names, as the queue does
                       f"{direccion or 'todas'} {semaforo or ''}: {result['total']} turnos".replace("  ", " "))
        names = {d.code: d.name for d in known.directorates}
        return page(request, "routed.html", who, result=result, rows=result["items"], f=f, directorate=direccion,
                    directorates=names, directorate_name=names.get(who.actor.directorate or ""),
                    programs={p.code: p.name for p in known.programs}, lights=export.LIGHTS)

    @app.get("/buscar", response_class=HTMLResponse)
    def search_page(request: Request, q: str = ""):
        who = viewer(request)
        require(who.actor, "search")
        if not q.strip():
            return page(request, "search.html", who, q="", result=None)
        try:
            with reads() as session:
                result = search.find(session, who.actor, q)
                directorates, programs = admin.catalogue_rows(session)  # inactive ones too: old turnos name them
                closed = turnos.closures(session)
        except ReviewError as error:
            return page(request, "search.html", who, status_of(error), q=q, result=None, error=error)
        views.log_view(ctx, who.actor, "search", None, result["query"])
        today = calendar.local_date(utcnow(), ctx.settings.timezone)
        for row in result["items"]:
            if row["due_date"] and row["state"] == "routed":
                row["days_left"], row["light"] = export.countdown(today, row["due_date"], closed)
        names = {d.code: d.name for d in directorates}
        return page(request, "search.html", who, q=q, result=result, directorates=names,
                    directorate_name=names.get(who.actor.directorate or ""),
                    programs={p.code: p.name for p in programs})

    @app.get("/bitacora", response_class=HTMLResponse)
    def access_page(request: Request, documento: OptionalId = None, usuario: str = ""):
        who = viewer(request)
        require(who.actor, "read_access_log")
        with reads() as session:
            rows = access.entries(session, document_id=documento, user_name=usuario or None, limit=500)
        views.log_view(ctx, who.actor, "view_access_log", documento, usuario)
        return page(request, "access.html", who, rows=rows, documento=documento, usuario=usuario)

    @app.get("/auditoria", response_class=HTMLResponse)
    def audit_page(request: Request, desde: str = "", hasta: str = "", direccion: str = ""):
        who = viewer(request)
        require(who.actor, "audit")
        today = calendar.local_date(utcnow(), ctx.settings.timezone)
        form = {"desde": desde, "hasta": hasta, "direccion": direccion}
        with reads() as session:
            directorates, programs = admin.catalogue_rows(session)  # inactive ones too: past turnos name them
            try:
                chosen = audit.period(desde, hasta, direccion, today)
                result = audit.report(session, who.actor, chosen, ctx.settings.timezone, today,
                                      RetrainRules.of(ctx.settings))
            except ReviewError as error:
                return page(request, "audit.html", who, status_of(error), error=error, result=None, form=form,
                            directorates={d.code: d.name for d in directorates})
        views.log_view(ctx, who.actor, "view_audit", None, audit.describe(chosen))
        return page(request, "audit.html", who, result=result, form=form, bands=views.BANDS,
                    directorates={d.code: d.name for d in directorates}, programs={p.code: p.name for p in programs},
                    reasons=labels.MODEL_REASONS)

    def attention_report(request: Request, desde: str, hasta: str, direccion: str):
        """The informe for the form's period, or the form again with the error; with the catalogue's names."""
        who = viewer(request)
        require(who.actor, "report")
        today = calendar.local_date(utcnow(), ctx.settings.timezone)
        with reads() as session:
            directorates, programs = admin.catalogue_rows(session)  # inactive ones too: past turnos name them
            names = {"directorate": {d.code: d.name for d in directorates},
                     "program": {p.code: p.name for p in programs}}
            try:
                chosen = audit.period(desde, hasta, direccion, today)
                result = report.report(session, who.actor, chosen, ctx.settings.timezone, today)
            except ReviewError as error:
                return who, names, None, error
        return who, names, result, None

    @app.get("/informe", response_class=HTMLResponse)
    def report_page(request: Request, desde: str = "", hasta: str = "", direccion: str = ""):
        who, names, result, error = attention_report(request, desde, hasta, direccion)
        form = {"desde": desde, "hasta": hasta, "direccion": direccion}
        if error is not None:
            return page(request, "report.html", who, status_of(error), error=error, result=None, form=form,
                        names=names)
        views.log_view(ctx, who.actor, "view_report", None, audit.describe(result.period))
        return page(request, "report.html", who, result=result, form=form, names=names, report=report)

    @app.get("/informe.csv")
    def report_csv(request: Request, desde: str = "", hasta: str = "", direccion: str = ""):
        who, names, result, error = attention_report(request, desde, hasta, direccion)
        if error is not None:
            raise error
        views.log_view(ctx, who.actor, "export", None, f"informe de atención {audit.describe(result.period)}")
        name = f"informe-atencion-{result.period.since.isoformat()}-{result.period.until.isoformat()}.csv"
        return Response(report.as_csv(result, names), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    # Office closures (días inhábiles) -----------------------------------------------------------------------

    def closures_page(request: Request, who: Viewer, status: int = 200,
                      error: ReviewError | None = None) -> HTMLResponse:
        require(who.actor, "read_queue")
        year = calendar.local_date(utcnow(), ctx.settings.timezone).year
        with reads() as session:
            rows = turnos.closure_list(session)
        return page(request, "closures.html", who, status, closures=rows, year=year, error=error,
                    official=sorted(calendar.official_holidays(year).items()))

    @app.get("/cierres", response_class=HTMLResponse)
    def closures(request: Request):
        return closures_page(request, viewer(request))

    @app.post("/cierres")
    async def closure_add(request: Request):
        who, form = await signed_form(request)
        require(who.actor, "manage_closures")
        try:
            day = calendar.check_day(dt.date.fromisoformat(str(form.get("day", ""))), "día")
        except InvalidInput as error:
            return await run_in_threadpool(closures_page, request, who, 422, error)
        except ValueError:
            return await run_in_threadpool(closures_page, request, who, 422,
                                           InvalidInput("date", user_message="Escriba una fecha válida."))
        reason = str(form.get("reason", "")).strip()[:300]

        def add() -> None:
            with ctx.sessions.begin() as session:
                turnos.add_closure(session, day, reason, who.actor.name)
                access.record(session, who.actor.user_id, who.actor.name, "closure_added", target=dates.day(day),
                              ip=who.actor.ip)

        await run_in_threadpool(add)
        return RedirectResponse("/cierres", status_code=303)

    @app.post("/cierres/{day}/quitar")
    async def closure_remove(request: Request, day: dt.date):
        who, _ = await signed_form(request)
        require(who.actor, "manage_closures")

        def remove() -> None:
            with ctx.sessions.begin() as session:
                if turnos.remove_closure(session, day):
                    access.record(session, who.actor.user_id, who.actor.name, "closure_removed",
                                  target=dates.day(day), ip=who.actor.ip)

        await run_in_threadpool(remove)
        return RedirectResponse("/cierres", status_code=303)

    # Manual capture -----------------------------------------------------------------------------------------

    @app.get("/captura", response_class=HTMLResponse)
    def capture_form(request: Request, hecho: int = 0):
        who = viewer(request)
        require(who.actor, "capture")
        return page(request, "capture.html", who, channels=capture.CHANNELS, fields=capture.FIELDS, values={},
                    captured=bool(hecho))

    @app.post("/captura")
    async def capture_post(request: Request):
        who, form = await signed_form(request)
        petitioner = _fields(form)
        try:
            await run_in_threadpool(capture.capture, ctx, who.actor, str(form.get("channel", "")),
                                    str(form.get("text", "")), petitioner)
        except ReviewError as error:
            return page(request, "capture.html", who, status_of(error), channels=capture.CHANNELS,
                        fields=capture.FIELDS, values={k: str(v) for k, v in form.items()}, error=error)
        return RedirectResponse("/captura?hecho=1", status_code=303)

    # A document ---------------------------------------------------------------------------------------------

    def document_page(request: Request, who: Viewer, document_id: int, status: int = 200, **extra) -> HTMLResponse:
        with reads() as session:
            doc = views.document(session, who.actor, document_id, ctx.settings.timezone)
            # The queue's neighbours; an enlace has no queue, only its turnos.
            previous, following = (None, None) if who.actor.limited_to_directorate else views.neighbours(session, document_id)
            known = catalogue.load(session)
            extra = {**web_documents.extras(session, who.actor, doc), **extra}
        views.log_view(ctx, who.actor, "view_document", document_id)
        # The form starts from what a reviewer confirmed before (a returned turno), else from the machine's reading.
        confirmed = doc["petitioner"] or routing.clean_fields(doc["fields"])
        names = list(routing.FIELD_LABELS) + [n for n in confirmed if n not in routing.FIELD_LABELS]
        directorate_names = {d.code: d.name for d in known.directorates}
        return page(request, "document.html", who, status, doc=doc, previous=previous, following=following,
                    programs=known.programs, directorates=known.directorates, directorate_names=directorate_names,
                    directorate_name=directorate_names.get(who.actor.directorate or ""),
                    program_names={p.code: p.name for p in known.programs},
                    field_names=names, field_labels=routing.FIELD_LABELS, field_values=confirmed,
                    instructions=routing.INSTRUCTIONS, low=ctx.settings.low_confidence_word, **extra)

    # Routes in other modules (review/web_documents.py, review/web_admin.py) render through these.
    app.state.page, app.state.document_page = page, document_page

    @app.get("/documentos/{document_id}", response_class=HTMLResponse)
    def document_view(request: Request, document_id: Id):
        return document_page(request, viewer(request), document_id)

    @app.get("/documentos/{document_id}/paginas/{number}.png")
    def page_image(request: Request, document_id: Id, number: Id):
        who = viewer(request)
        with reads() as session:
            views.readable(session, who.actor, document_id)
        path = images.cached_png(ctx, document_id, number)
        views.log_view(ctx, who.actor, "view_page_image", document_id, f"página {number}")
        return FileResponse(path, media_type="image/png")

    @app.get("/documentos/{document_id}/pdf")
    def document_pdf(request: Request, document_id: Id):
        from pipeline.stages import searchable_pdf

        who = viewer(request)
        with reads() as session:
            views.readable(session, who.actor, document_id)
        path = searchable_pdf(ctx, document_id)
        if not path.is_file():
            raise DocumentNotFound(str(path), user_message="El PDF de este documento no está disponible.")
        views.log_view(ctx, who.actor, "download_pdf", document_id, path.name)
        return FileResponse(path, media_type="application/pdf", filename=path.name)

    @app.get("/documentos/{document_id}/volante")
    def document_slip(request: Request, document_id: Id):
        who = viewer(request)
        with reads() as session:
            views.readable(session, who.actor, document_id)
            row = turnos.current(session, document_id)
        path = ctx.settings.home / row.slip_path if row and row.slip_path else None
        if path is None or not path.is_file():
            raise DocumentNotFound(str(document_id), user_message="Este documento no tiene volante de turno todavía.")
        views.log_view(ctx, who.actor, "download_slip", document_id, row.folio)
        return FileResponse(path, media_type="application/pdf", filename=path.name)

    @app.post("/documentos/{document_id}/confirmar")
    async def confirm(request: Request, document_id: Id):
        who, form = await signed_form(request)
        fields = _fields(form)
        try:
            await run_in_threadpool(
                routing.confirm, ctx, who.actor, document_id, version=_int(form.get("version")),
                program=str(form.get("program", "")) or None, directorate=str(form.get("directorate", "")) or None,
                copies=[str(c) for c in form.getlist("copies")], instruction=str(form.get("instruction", routing.INSTRUCTIONS[0])),
                fields=fields, note=str(form.get("note", "")))
        except StaleVersion as error:
            return await run_in_threadpool(document_page, request, who, document_id, 409, error=error)
        return RedirectResponse(f"/documentos/{document_id}?turnado=1", status_code=303)

    @app.post("/documentos/{document_id}/no-es-peticion")
    async def dismiss(request: Request, document_id: Id):
        who, form = await signed_form(request)
        try:
            await run_in_threadpool(routing.dismiss, ctx, who.actor, document_id, version=_int(form.get("version")),
                                    note=str(form.get("note", "")))
        except StaleVersion as error:
            return await run_in_threadpool(document_page, request, who, document_id, 409, error=error)
        following = await run_in_threadpool(next_in_queue, document_id)
        return RedirectResponse(f"/documentos/{following}" if following else "/cola", status_code=303)

    def next_in_queue(document_id: int) -> int | None:
        with reads() as session:
            return views.neighbours(session, document_id)[1]

    @app.post("/documentos/{document_id}/paginas/{number}/transcripcion")
    async def transcribe(request: Request, document_id: Id, number: Id):
        who, form = await signed_form(request)
        await run_in_threadpool(routing.transcribe, ctx, who.actor, document_id, number, str(form.get("text", "")))
        return RedirectResponse(f"/documentos/{document_id}#pagina-{number}", status_code=303)


def _fields(form) -> dict[str, str]:
    """The petitioner's fields a form sent, as inputs named campo_<field>."""
    return {key.removeprefix("campo_"): str(value) for key, value in form.multi_items() if key.startswith("campo_")}


def _int(value) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        raise InvalidInput(f"not a number: {value!r}") from None
    if not 0 <= number <= MAX_INT:  # past a database integer
        raise InvalidInput(f"out of range: {value!r}")
    return number


def _local(target: str) -> str:
    """Only paths of this app after login: never an open redirect to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"
