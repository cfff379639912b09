"""Staff pages that change a document beyond the decision: split and merge (review/regroup.py), and the
follow-up of a turno (review/followup.py). Same rules as review/web.py: live session, CSRF, roles, access log."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from pipeline.errors import ReviewError
from review import regroup
from review.roles import Actor
from storage.tables import Document


def extras(session: Session, actor: Actor, doc: dict) -> dict:
    """What the document page shows besides views.document: where pages came from, what it was merged into."""
    row = session.get(Document, doc["id"])
    return {"origins": regroup.origins(session, doc["id"]), "duplicate_of": row.duplicate_of if row else None,
            "may_regroup": actor.may("regroup") and doc["state"] == "review"}


def install(app: FastAPI) -> None:
    from review.web import _int, check_csrf, viewer

    ctx = app.state.ctx

    async def _changed(request: Request, who, document_id: int, error: ReviewError):
        """The document page again with the error: 409 when someone changed it, the error's status otherwise."""
        from review.app import status_of

        return await run_in_threadpool(app.state.document_page, request, who, document_id, status_of(error),
                                       error=error)

    @app.post("/documentos/{document_id}/separar")
    async def split(request: Request, document_id: int):
        who = viewer(request)
        form = await request.form()
        check_csrf(who, str(form.get("csrf", "")))
        try:
            new_id = await run_in_threadpool(regroup.split, ctx, who.actor, document_id,
                                             version=_int(form.get("version")), at_page=_int(form.get("page")))
        except ReviewError as error:
            return await _changed(request, who, document_id, error)
        return RedirectResponse(f"/documentos/{document_id}#separado-{new_id}", status_code=303)

    @app.post("/documentos/{document_id}/unir")
    async def merge(request: Request, document_id: int):
        who = viewer(request)
        form = await request.form()
        check_csrf(who, str(form.get("csrf", "")))
        into = _int(form.get("into"))
        try:
            await run_in_threadpool(regroup.merge, ctx, who.actor, document_id, version=_int(form.get("version")),
                                    into=into)
        except ReviewError as error:
            return await _changed(request, who, document_id, error)
        return RedirectResponse(f"/documentos/{into}", status_code=303)
