"""A document's page (its text, suggestions, decision form, follow-up) and its files: page images, the searchable
PDF, the slip and the answers. Every view leaves an access-log entry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from sqlalchemy.orm import Session

from review.errors import DocumentNotFound, InvalidInput
from pipeline.paths import searchable_pdf, stored
from review.reports import views
from review.roles import Actor
from review.turnos import curp_check, followup, receipt, regroup, routing
from review.web import images
from review.web.downloads import attachment
from review.web.forms import Viewer, may, viewer
from review.web.params import Id
from review.web.templating import page
from storage import catalogue
from storage import routing as turnos
from storage.tables import Document

router = APIRouter()


def extras(session: Session, actor: Actor, doc: dict) -> dict:
    """What the document page shows besides views.document: where pages came from, what it was merged into."""
    row = session.get(Document, doc["id"])
    turno = doc["routing"]  # views.document already read the current turno
    in_attention = doc["state"] == "routed" and turno is not None
    responsible = not actor.limited_to_directorate or (turno is not None and turno["directorate"] == actor.directorate)
    return {"origins": regroup.origins(session, doc["id"]), "duplicate_of": row.duplicate_of if row else None,
            "may_regroup": actor.may("regroup") and doc["state"] == "review",
            "turno": followup.history(session, doc["id"]),
            "may_follow_up": in_attention and actor.may("follow_up") and responsible,
            "may_return": in_attention and actor.may("return_turno"),
            "may_rectify": doc["petitioner"] is not None and doc["state"] in ("routed", "concluded")
                           and actor.may("rectify")}


def document_page(request: Request, who: Viewer, document_id: int, status: int = 200, **extra) -> HTMLResponse:
    """The document's page for this viewer; `extra` (an error) shown with it."""
    ctx = request.app.state.ctx
    with request.app.state.reads() as session:
        doc = views.document(session, who.actor, document_id, ctx.settings.timezone)
        # The queue's neighbours; an enlace has no queue, only its turnos.
        limited = who.actor.limited_to_directorate
        previous, following = (None, None) if limited else views.neighbours(session, document_id)
        known = catalogue.load(session)
        extra = {**extras(session, who.actor, doc), **extra}
    views.log_view(ctx, who.actor, "view_document", document_id)
    # The form starts from what the reviewer just sent (a refused decision), else what a reviewer confirmed before
    # (a returned turno), else the machine's reading.
    confirmed = extra.pop("sent", None) or doc["petitioner"] or routing.clean_fields(doc["fields"])
    names = list(routing.FIELD_LABELS) + [n for n in confirmed if n not in routing.FIELD_LABELS]
    directorate_names = {d.code: d.name for d in known.directorates}
    return page(request, "document.html", who, status, doc=doc, previous=previous, following=following,
                programs=known.programs, directorates=known.directorates, directorate_names=directorate_names,
                directorate_name=directorate_names.get(who.actor.directorate or ""),
                program_names={p.code: p.name for p in known.programs},
                field_names=names, field_labels=routing.LABELS, field_values=confirmed,
                instructions=routing.INSTRUCTIONS, low=ctx.settings.low_confidence_word,
                may_receive=who.actor.may("capture"), curp=curp_of(doc, confirmed), **extra)


def curp_of(doc: dict, confirmed: dict) -> curp_check.CurpCheck | None:
    """The CURP in the form checked against the letter, dated by the letter when it says when it was written."""
    try:
        on = dt.date.fromisoformat(confirmed.get("letter_date", ""))
    except ValueError:
        on = dt.date.fromisoformat(doc["received_on"])
    return curp_check.check(confirmed.get("curp", ""), doc["text"], on)


@router.get("/documentos/{document_id}", response_class=HTMLResponse, dependencies=may("read_document"))
def document_view(request: Request, document_id: Id):
    return document_page(request, viewer(request), document_id)


@router.get("/documentos/{document_id}/paginas/{number}.png", dependencies=may("read_document"))
def page_image(request: Request, document_id: Id, number: Id, resolucion: str = ""):
    """The page's image; `?resolucion=alta` renders it at full resolution, for zooming in."""
    ctx, who = request.app.state.ctx, viewer(request)
    with request.app.state.reads() as session:
        views.readable(session, who.actor, document_id)
    if resolucion not in ("", "alta"):
        raise InvalidInput(f"resolucion {resolucion[:40]!r}", user_message="La resolución de la imagen sólo puede "
                                                                          "ser «alta» o la normal (sin indicarla).")
    path = images.cached_png(ctx, document_id, number, full=resolucion == "alta")
    views.log_view(ctx, who.actor, "view_page_image", document_id,
                   f"página {number}" + (" (alta resolución)" if resolucion else ""))
    return FileResponse(path, media_type="image/png")


@router.get("/documentos/{document_id}/pdf", dependencies=may("read_document"))
def document_pdf(request: Request, document_id: Id):
    ctx, who = request.app.state.ctx, viewer(request)
    with request.app.state.reads() as session:
        views.readable(session, who.actor, document_id)
    path = searchable_pdf(ctx, document_id)
    return _stored_pdf(ctx, who, document_id, path, "download_pdf", path.name,
                       "El PDF de este documento no está disponible.")


@router.get("/documentos/{document_id}/volante", dependencies=may("read_document"))
def document_slip(request: Request, document_id: Id):
    ctx, who = request.app.state.ctx, viewer(request)
    with request.app.state.reads() as session:
        views.readable(session, who.actor, document_id)
        row = turnos.current(session, document_id)
    path = stored(ctx, row.slip_path) if row and row.slip_path else None
    return _stored_pdf(ctx, who, document_id, path, "download_slip", row.folio if row else "",
                       "Este documento no tiene volante de turno todavía.")


@router.get("/documentos/{document_id}/acuse.pdf", dependencies=may("capture"))
def receipt_pdf(request: Request, document_id: Id):
    """The acuse de recibo to print for the citizen: the reception folio, date, channel and what was asked."""
    ctx, who = request.app.state.ctx, viewer(request)
    with request.app.state.reads() as session:
        data = receipt.receipt_data(ctx, session, views.readable(session, who.actor, document_id))
    content = receipt.render(data, ctx.settings.slip_font)
    views.log_view(ctx, who.actor, "download_receipt", document_id, data.folio)
    return attachment(content, "application/pdf", f"acuse-{data.folio}.pdf")


@router.get("/documentos/{document_id}/respuestas/{followup_id}.pdf", dependencies=may("read_document"))
def answer_pdf(request: Request, document_id: Id, followup_id: Id):
    ctx, who = request.app.state.ctx, viewer(request)
    with request.app.state.reads() as session:
        views.readable(session, who.actor, document_id)
        path = followup.answer_file(ctx, session, document_id, followup_id)
    return _stored_pdf(ctx, who, document_id, path, "download_answer", path.name,
                       "El archivo de la respuesta no está disponible.")


def _stored_pdf(ctx, who: Viewer, document_id: int, path: Path | None, action: str, target: str,
                missing: str) -> FileResponse:
    """A PDF kept for the document, as a download in the access log; DocumentNotFound saying `missing` (Spanish)
    when it is not there."""
    if path is None or not path.is_file():
        raise DocumentNotFound(f"{document_id}: {path}", user_message=missing)
    views.log_view(ctx, who.actor, action, document_id, target)
    return FileResponse(path, media_type="application/pdf", filename=path.name)
