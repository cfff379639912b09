"""The forms that change a document: the decision (confirm, not a petition), a page's transcription, split and
merge (review/turnos/regroup.py), rectification, and the follow-up of a turno (review/turnos/followup.py). Live
session, CSRF, roles, access log."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import UploadFile

from pipeline.errors import ReviewError
from review.errors import InvalidCurp, InvalidInput, StaleVersion
from review.reports import views
from review.turnos import followup, regroup, routing
from review.web import bodies
from review.web.document import document_page
from review.web.forms import fields, form_action, integer, may, signed_form
from review.web.params import Id

router = APIRouter()


def on_document(document_id: int):
    """The document page again, with the error and its status (409 when someone changed it meanwhile)."""
    def again(request: Request, who, status: int, error: ReviewError) -> HTMLResponse:
        return document_page(request, who, document_id, status, error=error)

    return again


@router.post("/documentos/{document_id}/confirmar", dependencies=may("route"))
async def confirm(request: Request, document_id: Id):
    who, form = await signed_form(request)
    petitioner = fields(form)
    try:
        await run_in_threadpool(
            routing.confirm, request.app.state.ctx, who.actor, document_id, version=integer(form.get("version")),
            program=str(form.get("program", "")) or None, directorate=str(form.get("directorate", "")) or None,
            copies=[str(c) for c in form.getlist("copies")],
            instruction=str(form.get("instruction", routing.INSTRUCTIONS[0])), fields=petitioner,
            note=str(form.get("note", "")), invalid_curp_confirmed=form.get("curp_no_valida") == "1")
    except StaleVersion as error:
        return await run_in_threadpool(document_page, request, who, document_id, 409, error=error)
    except InvalidCurp as error:  # the page again with what the reviewer typed, the warning and its checkbox
        return await run_in_threadpool(document_page, request, who, document_id, error.http_status, error=error,
                                       sent=routing.clean_fields(petitioner))
    return RedirectResponse(f"/documentos/{document_id}?turnado=1", status_code=303)


@router.post("/documentos/{document_id}/no-es-peticion", dependencies=may("dismiss"))
async def dismiss(request: Request, document_id: Id):
    who, form = await signed_form(request)
    try:
        await run_in_threadpool(routing.dismiss, request.app.state.ctx, who.actor, document_id,
                                version=integer(form.get("version")), note=str(form.get("note", "")))
    except StaleVersion as error:
        return await run_in_threadpool(document_page, request, who, document_id, 409, error=error)
    following = await run_in_threadpool(next_in_queue, request, document_id)
    return RedirectResponse(f"/documentos/{following}" if following else "/cola", status_code=303)


def next_in_queue(request: Request, document_id: int) -> int | None:
    with request.app.state.reads() as session:
        return views.neighbours(session, document_id)[1]


@router.post("/documentos/{document_id}/paginas/{number}/transcripcion", dependencies=may("transcribe"))
async def transcribe(request: Request, document_id: Id, number: Id):
    who, form = await signed_form(request)
    await run_in_threadpool(routing.transcribe, request.app.state.ctx, who.actor, document_id, number,
                            str(form.get("text", "")))
    return RedirectResponse(f"/documentos/{document_id}#pagina-{number}", status_code=303)


def document_form(path: str, action: str):
    """A form on a document's page, registered as POST `path` for the roles that may `action`:
    `act(ctx, who, form, document_id)` runs once the CSRF token matches and returns where to go next; a typed
    refusal shows the document page again with it."""
    def register(act):
        async def handler(request: Request, document_id: Id):
            ctx = request.app.state.ctx
            return await form_action(request, lambda who, form: act(ctx, who, form, document_id),
                                     on_document(document_id))

        handler.__name__ = act.__name__
        router.post(path, dependencies=may(action))(handler)
        return act

    return register


@document_form("/documentos/{document_id}/separar", "regroup")
def split(ctx, who, form, document_id: int) -> str:
    new_id = regroup.split(ctx, who.actor, document_id, version=integer(form.get("version")),
                           at_page=integer(form.get("page")))
    return f"/documentos/{document_id}#separado-{new_id}"


@document_form("/documentos/{document_id}/rectificar", "rectify")
def rectify(ctx, who, form, document_id: int) -> str:
    routing.rectify(ctx, who.actor, document_id, version=integer(form.get("version")), fields=fields(form),
                    note=str(form.get("note", "")))
    return f"/documentos/{document_id}#petitioner"


@document_form("/documentos/{document_id}/unir", "regroup")
def merge(ctx, who, form, document_id: int) -> str:
    into = integer(form.get("into"))
    regroup.merge(ctx, who.actor, document_id, version=integer(form.get("version")), into=into)
    return f"/documentos/{into}"


@document_form("/documentos/{document_id}/avance", "follow_up")
def progress(ctx, who, form, document_id: int) -> str:
    followup.add_note(ctx, who.actor, document_id, str(form.get("text", "")))
    return f"/documentos/{document_id}#seguimiento"


@document_form("/documentos/{document_id}/respuesta", "follow_up")
def answer(ctx, who, form, document_id: int) -> str:
    upload = form.get("file")
    # Read in chunks and never past the limit: followup.answer refuses one byte more.
    pdf = bodies.upload_bytes(upload, followup.MAX_ANSWER_BYTES) if isinstance(upload, UploadFile) else b""
    try:
        answered_on = dt.date.fromisoformat(str(form.get("answered_on", "")))
    except ValueError:
        raise InvalidInput("answer date", user_message="Escriba la fecha de la respuesta.") from None
    followup.answer(ctx, who.actor, document_id, version=integer(form.get("version")), answered_on=answered_on,
                    text=str(form.get("text", "")), pdf=pdf or None, letter=form.get("oficio") == "1")
    return f"/documentos/{document_id}#seguimiento"


@document_form("/documentos/{document_id}/devolver", "return_turno")
def give_back(ctx, who, form, document_id: int) -> str:
    followup.return_turno(ctx, who.actor, document_id, version=integer(form.get("version")),
                          note=str(form.get("note", "")))
    return f"/documentos/{document_id}"
