"""Staff pages that change a document beyond the decision: split and merge (review/regroup.py), and the
follow-up of a turno (review/followup.py). Same rules as review/web.py: live session, CSRF, roles, access log."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from starlette.datastructures import UploadFile
from sqlalchemy.orm import Session

from pipeline.errors import DocumentNotFound, InvalidInput, ReviewError
from review import bodies, followup, regroup, routing, views
from review.params import Id
from review.roles import Actor
from storage.tables import Document


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


def install(app: FastAPI) -> None:
    from review.web import _fields, _int, form_action, viewer

    ctx = app.state.ctx

    def on_document(document_id: int):
        """The document page again, with the error and its status (409 when someone changed it meanwhile)."""
        def again(request: Request, who, status: int, error: ReviewError) -> HTMLResponse:
            return app.state.document_page(request, who, document_id, status, error=error)

        return again

    @app.post("/documentos/{document_id}/separar")
    async def split(request: Request, document_id: Id):
        def act(who, form) -> str:
            new_id = regroup.split(ctx, who.actor, document_id, version=_int(form.get("version")),
                                   at_page=_int(form.get("page")))
            return f"/documentos/{document_id}#separado-{new_id}"

        return await form_action(request, act, on_document(document_id))

    @app.post("/documentos/{document_id}/rectificar")
    async def rectify(request: Request, document_id: Id):
        def act(who, form) -> str:
            routing.rectify(ctx, who.actor, document_id, version=_int(form.get("version")), fields=_fields(form),
                            note=str(form.get("note", "")))
            return f"/documentos/{document_id}#petitioner"

        return await form_action(request, act, on_document(document_id))

    @app.post("/documentos/{document_id}/unir")
    async def merge(request: Request, document_id: Id):
        def act(who, form) -> str:
            into = _int(form.get("into"))
            regroup.merge(ctx, who.actor, document_id, version=_int(form.get("version")), into=into)
            return f"/documentos/{into}"

        return await form_action(request, act, on_document(document_id))

    @app.post("/documentos/{document_id}/avance")
    async def progress(request: Request, document_id: Id):
        def act(who, form) -> str:
            followup.add_note(ctx, who.actor, document_id, str(form.get("text", "")))
            return f"/documentos/{document_id}#seguimiento"

        return await form_action(request, act, on_document(document_id))

    @app.post("/documentos/{document_id}/respuesta")
    async def answer(request: Request, document_id: Id):
        def act(who, form) -> str:
            upload = form.get("file")
            # Read in chunks and never past the limit: followup.answer refuses one byte more.
            pdf = bodies.upload_bytes(upload, followup.MAX_ANSWER_BYTES) if isinstance(upload, UploadFile) else b""
            try:
                answered_on = dt.date.fromisoformat(str(form.get("answered_on", "")))
            except ValueError:
                raise InvalidInput("answer date", user_message="Escriba la fecha de la respuesta.") from None
            followup.answer(ctx, who.actor, document_id, version=_int(form.get("version")), answered_on=answered_on,
                            text=str(form.get("text", "")), pdf=pdf or None, letter=form.get("oficio") == "1")
            return f"/documentos/{document_id}#seguimiento"

        return await form_action(request, act, on_document(document_id))

    @app.post("/documentos/{document_id}/devolver")
    async def give_back(request: Request, document_id: Id):
        def act(who, form) -> str:
            followup.return_turno(ctx, who.actor, document_id, version=_int(form.get("version")),
                                  note=str(form.get("note", "")))
            return f"/documentos/{document_id}"

        return await form_action(request, act, on_document(document_id))

    @app.get("/documentos/{document_id}/respuestas/{followup_id}.pdf")
    def answer_pdf(request: Request, document_id: Id, followup_id: Id):
        who = viewer(request)
        with app.state.reads() as session:
            views.readable(session, who.actor, document_id)
            path = followup.answer_file(ctx, session, document_id, followup_id)
        if not path.is_file():
            raise DocumentNotFound(str(path), user_message="El archivo de la respuesta no está disponible.")
        views.log_view(ctx, who.actor, "download_answer", document_id, path.name)
        return FileResponse(path, media_type="application/pdf", filename=path.name)
