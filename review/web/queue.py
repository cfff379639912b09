"""The reviewers' queue, the turnos routed (with their traffic light) and the search by petitioner or folio."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.errors import ReviewError
from review import admin, queue_order
from review.reports import export, search, views
from review.roles import require
from review.turnos import calendar
from review.web.forms import viewer
from review.web.office import today
from review.web.params import Offset
from review.web.statuses import status_of
from review.web.templating import page
from storage import catalogue
from storage import routing as turnos
from storage.tables import Page

EXCERPT = 140  # characters of the request shown in the queue

router = APIRouter()


@router.get("/cola", response_class=HTMLResponse)
def queue_page(request: Request, canal: str = "", programa: str = "", banda: str = "", marca: str = "",
               desde: Offset = 0, orden: str = ""):
    ctx, who = request.app.state.ctx, viewer(request)
    require(who.actor, "read_queue")
    f = views.QueueFilter(canal or None, programa or None, banda or None, marca or None, max(0, desde),
                          ctx.settings.queue_page_size, queue_order.check(orden))
    with request.app.state.reads() as session:
        result = views.queue(session, who.actor, f)
        known = catalogue.load(session)
        columns(session, result["items"], today(request), ctx.settings.timezone)
    views.log_view(ctx, who.actor, "view_queue", None, f"{result['total']} documentos")  # it shows names
    return page(request, "queue.html", who, result=result, f=f, bands=views.BANDS, flags=views.FLAGS,
                orders=queue_order.ORDERS, programs={p.code: p.name for p in known.programs},
                directorates={d.code: d.name for d in known.directorates})


def excerpt(text: str) -> str:
    """`text` on one line, cut at a word before EXCERPT characters ("…" says it goes on)."""
    line = " ".join(text[:4 * EXCERPT].split())
    if len(line) <= EXCERPT:
        return line
    return line[:line.rfind(" ", 0, EXCERPT - 1) if " " in line[:EXCERPT - 1] else EXCERPT - 2] + " …"


def columns(session: Session, items: list[dict], day: dt.date, timezone: str) -> None:
    """Each queue entry's excerpt (the request the machine read, else the start of its first page) and the
    business days it has waited since it was received."""
    closed = turnos.closures(session)
    starts = dict(session.execute(select(Page.document_id, func.substr(Page.text, 1, 4 * EXCERPT))
                                  .where(Page.document_id.in_([i["id"] for i in items]), Page.number == 1)).all())
    received = {i["id"]: calendar.local_date(dt.datetime.fromisoformat(i["received_at"]), timezone) for i in items}
    # One walk from the oldest day to today counts every entry's business days (not one walk per entry).
    counted, count, walk = {}, 0, min(received.values(), default=day)
    while walk < day:
        counted[walk] = count
        walk += dt.timedelta(days=1)
        count += calendar.is_business_day(walk, closed)
    for item in items:
        asked = item["fields"].get("request")
        text = (asked.get("value") if isinstance(asked, dict) else None) or starts.get(item["id"]) or ""
        item["excerpt"] = excerpt(text)
        item["waiting"] = count - counted.get(received[item["id"]], count)


@router.get("/turnados", response_class=HTMLResponse)
def routed_page(request: Request, direccion: str = "", semaforo: str = "", desde: Offset = 0):
    ctx, who, day = request.app.state.ctx, viewer(request), today(request)
    f = views.RoutedFilter(direccion or None, semaforo if semaforo in export.LIGHTS else None, max(0, desde))
    with request.app.state.reads() as session:
        closed = turnos.closures(session)
        result = views.routed_page(session, who.actor, f, day, closed)
        known = catalogue.load(session)
    for row in result["items"]:
        row["days_left"], row["light"] = export.countdown(day, row["due_date"], closed)
    views.log_view(ctx, who.actor, "view_routed", None,  # it shows petitioners' names, as the queue does
                   f"{direccion or 'todas'} {semaforo or ''}: {result['total']} turnos".replace("  ", " "))
    names = {d.code: d.name for d in known.directorates}
    return page(request, "routed.html", who, result=result, rows=result["items"], f=f, directorate=direccion,
                directorates=names, directorate_name=names.get(who.actor.directorate or ""),
                programs={p.code: p.name for p in known.programs}, lights=export.LIGHTS)


@router.get("/buscar", response_class=HTMLResponse)
def search_page(request: Request, q: str = ""):
    ctx, who = request.app.state.ctx, viewer(request)
    require(who.actor, "search")
    if not q.strip():
        return page(request, "search.html", who, q="", result=None)
    try:
        with request.app.state.reads() as session:
            result = search.find(session, who.actor, q)
            directorates, programs = admin.catalogue_rows(session)  # inactive ones too: old turnos name them
            closed = turnos.closures(session)
    except ReviewError as error:
        return page(request, "search.html", who, status_of(error), q=q, result=None, error=error)
    views.log_view(ctx, who.actor, "search", None, result["query"])
    for row in result["items"]:
        if row["due_date"] and row["state"] == "routed":
            row["days_left"], row["light"] = export.countdown(today(request), row["due_date"], closed)
    names = {d.code: d.name for d in directorates}
    return page(request, "search.html", who, q=q, result=result, directorates=names,
                directorate_name=names.get(who.actor.directorate or ""),
                programs={p.code: p.name for p in programs})
