"""The office closures (días inhábiles) that deadlines skip, and the manual capture of a petition."""

from __future__ import annotations

import datetime as dt
import uuid

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from ocr.cleanup import separator

from pipeline.errors import RejectedInput, ReviewError
from review.errors import InvalidInput
from review import dates
from review.roles import log_access, require
from review.reports import views
from review.turnos import calendar, capture, reception
from review.web import bodies
from review.web.downloads import attachment
from review.web.forms import Viewer, check_csrf, fields, may, signed_form, viewer
from review.web.office import today
from review.web.statuses import status_of
from review.web.templating import page
from storage import routing as turnos

router = APIRouter()


def closures_page(request: Request, who: Viewer, status: int = 200,
                  error: ReviewError | None = None) -> HTMLResponse:
    require(who.actor, "read_queue")
    year = today(request).year
    with request.app.state.reads() as session:
        rows = turnos.closure_list(session)
    return page(request, "closures.html", who, status, closures=rows, year=year, error=error,
                official=sorted(calendar.official_holidays(year).items()), max_days=calendar.MAX_CLOSURE_DAYS)


@router.get("/cierres", response_class=HTMLResponse)
def closures(request: Request):
    return closures_page(request, viewer(request))


@router.post("/cierres")
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
        with request.app.state.ctx.sessions.begin() as session:
            turnos.add_closure(session, day, reason, who.actor.name)
            log_access(session, who.actor, "closure_added", target=dates.day(day))

    await run_in_threadpool(add)
    return RedirectResponse("/cierres", status_code=303)


@router.post("/cierres/rango")
async def closure_range(request: Request):
    """Every working day from «desde» to «hasta» closed at once (Semana Santa, the December break)."""
    who, form = await signed_form(request)
    require(who.actor, "manage_closures")
    try:
        start, end = (dt.date.fromisoformat(str(form.get(name, ""))) for name in ("desde", "hasta"))
        days = calendar.closure_days(start, end)
    except InvalidInput as error:
        return await run_in_threadpool(closures_page, request, who, 422, error)
    except ValueError:
        return await run_in_threadpool(closures_page, request, who, 422,
                                       InvalidInput("dates", user_message="Escriba las dos fechas del periodo."))
    reason = str(form.get("reason", "")).strip()[:300]

    def add() -> None:
        with request.app.state.ctx.sessions.begin() as session:
            for day in days:
                turnos.add_closure(session, day, reason, who.actor.name)
            log_access(session, who.actor, "closure_added",
                       target=f"{dates.day(start)} al {dates.day(end)}: {len(days)} días hábiles")

    await run_in_threadpool(add)
    return RedirectResponse("/cierres", status_code=303)


@router.post("/cierres/{day}/quitar", dependencies=may("manage_closures"))
async def closure_remove(request: Request, day: dt.date):
    who, _ = await signed_form(request)

    def remove() -> None:
        with request.app.state.ctx.sessions.begin() as session:
            if turnos.remove_closure(session, day):
                log_access(session, who.actor, "closure_removed", target=dates.day(day))

    await run_in_threadpool(remove)
    return RedirectResponse("/cierres", status_code=303)


def capture_page(request: Request, who: Viewer, status: int = 200, received_id: int = 0, **extra) -> HTMLResponse:
    """The capture page for this person: the typed form, the photos' form (a new sending token each time it is
    shown), their latest captures, and `extra` (the form's values, an error, what was just received)."""
    with request.app.state.reads() as session:
        recent = capture.recent(session, who.actor)
        received = capture.received(session, who.actor, received_id) if received_id else None
    return page(request, "capture.html", who, status, channels=capture.CHANNELS, fields=capture.FIELDS,
                recent=recent, received=received, sending=uuid.uuid4().hex, **{"values": {}, **extra})


@router.get("/captura", response_class=HTMLResponse)
def capture_form(request: Request, hecho: int = 0, recibido: int = 0):
    who = viewer(request)
    require(who.actor, "capture")
    return capture_page(request, who, received_id=recibido, captured=bool(hecho))


@router.post("/captura/fotos")
async def photos_post(request: Request):
    """Photos of a petition handed in at a jornada, taken with the phone: one petition of the channel jornadas."""
    ctx = request.app.state.ctx
    who = await run_in_threadpool(viewer, request)
    require(who.actor, "receive")  # before a byte of the photos is read
    try:
        with reception.staging(ctx) as folder:
            sent, uploads = await bodies.form_with_files(request, ctx.settings.api_max_body_bytes,
                                                         ctx.settings.api_max_files, folder)
            check_csrf(who, sent.get("csrf"))
            intake = await run_in_threadpool(reception.receive_photos, ctx, request.app.state.queue.get(),
                                             who.actor, uploads, sent.get("nota", ""), sent.get("envio", "")[:64])
    except (ReviewError, RejectedInput) as error:
        return await run_in_threadpool(capture_page, request, who, status_of(error), photo_error=error)
    return RedirectResponse(f"/captura?recibido={intake.document_id}", status_code=303)


@router.get("/captura/hoja-separadora.pdf")
def separator_sheet(request: Request):
    """The sheet to put between petitions scanned together (a batch is split at each one)."""
    ctx, who = request.app.state.ctx, viewer(request)
    require(who.actor, "capture")
    content = separator.sheet_pdf(ctx.settings.slip_font)
    views.log_view(ctx, who.actor, "download_separator", None)
    return attachment(content, "application/pdf", "hoja-separadora.pdf")


@router.post("/captura")
async def capture_post(request: Request):
    who, form = await signed_form(request)
    petitioner = fields(form)
    try:
        await run_in_threadpool(capture.capture, request.app.state.ctx, who.actor, str(form.get("channel", "")),
                                str(form.get("text", "")), petitioner)
    except ReviewError as error:
        return await run_in_threadpool(capture_page, request, who, status_of(error), error=error,
                                       values={k: str(v) for k, v in form.items()})
    return RedirectResponse("/captura?hecho=1", status_code=303)
