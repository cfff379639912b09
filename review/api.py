"""JSON API /api/v1 with bearer tokens (`peticiones users token NAME`); the same role rules as the pages."""

from __future__ import annotations

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from pipeline.context import Context
from pipeline.errors import NotAuthenticated, ReviewError
from review import audit, auth, calendar, routing, views
from review.roles import Actor, require
from storage.tables import utcnow

_bearer = HTTPBearer(auto_error=False, description="Token de `peticiones users token NOMBRE`.")


class DecisionIn(BaseModel):
    program: str | None = Field(None, description="Program code from the catalogue; null when none applies.")
    directorate: str | None = Field(None, description="Responsible directorate; default the program's.")
    copies: list[str] = Field(default_factory=list, description="Directorates that receive a copy (c.c.p.).")
    instruction: str = Field(routing.INSTRUCTIONS[0], description=f"One of: {', '.join(routing.INSTRUCTIONS)}.")
    fields: dict | None = Field(None, description="Confirmed petitioner fields, {name: value}.")
    note: str = Field("", max_length=4000)
    version: int = Field(description="The document version the client saw (from GET); a stale one gets 409.")


class DecisionOut(BaseModel):
    folio: str
    state: str
    due_date: str


def create_api(ctx: Context, reads) -> FastAPI:
    api = FastAPI(title="Peticiones API", version="1", openapi_url="/openapi.json", docs_url=None, redoc_url=None)

    @api.exception_handler(ReviewError)
    async def _typed(request: Request, error: ReviewError) -> JSONResponse:
        from review.app import status_of

        headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, NotAuthenticated) else None
        return JSONResponse({"detail": {"code": error.code, "message": error.user_message}},
                            status_code=status_of(error), headers=headers)

    def actor(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Actor:
        found = auth.token_actor(reads, credentials.credentials, _ip(request)) if credentials else None
        if found is None:
            raise NotAuthenticated("bearer token missing or unknown",
                                   user_message="Falta un token válido (Authorization: Bearer ...).")
        return found

    @api.get("/queue", summary="Documents waiting for review, oldest first")
    def get_queue(who: Actor = Depends(actor), channel: str | None = None, program: str | None = None,
                  band: str | None = Query(None, description="alta, media, baja or sin"),
                  flag: str | None = Query(None, description="needs_transcription, ocr_error or no_suggestion"),
                  offset: int = Query(0, ge=0), limit: int = Query(50, ge=1, le=500)) -> dict:
        with reads() as session:
            result = views.queue(session, who, views.QueueFilter(channel, program, band, flag, offset, limit))
        views.log_view(ctx, who, "view_queue", None, f"{result['total']} documentos")
        return {"items": result["items"], "total": result["total"]}

    @api.get("/documents/{document_id}", summary="A document: state, pages, text, suggestions, fields, folio, history")
    def get_document(document_id: int, who: Actor = Depends(actor)) -> dict:
        with reads() as session:
            result = views.document(session, who, document_id, ctx.settings.timezone)
        views.log_view(ctx, who, "view_document", document_id)
        return result

    @api.post("/documents/{document_id}/decision", response_model=DecisionOut,
              summary="Confirm program and directorate: the document gets its folio and is routed")
    def post_decision(document_id: int, decision: DecisionIn, who: Actor = Depends(actor)) -> DecisionOut:
        result = routing.confirm(ctx, who, document_id, version=decision.version, program=decision.program,
                                 directorate=decision.directorate, copies=decision.copies,
                                 instruction=decision.instruction, fields=decision.fields, note=decision.note)
        return DecisionOut(folio=result.folio, state="routed", due_date=result.due_date)

    @api.get("/audit", summary="Accuracy of the suggestions and punctuality of the answers over a period")
    def get_audit(who: Actor = Depends(actor),
                  desde: str | None = Query(None, description="First day, YYYY-MM-DD; default 89 days before hasta."),
                  hasta: str | None = Query(None, description="Last day, YYYY-MM-DD; default today."),
                  direccion: str | None = Query(None, description="One directorate's code; default all.")) -> dict:
        require(who, "audit")  # before the dates are read: a role without it learns nothing from a 422
        today = calendar.local_date(utcnow(), ctx.settings.timezone)
        chosen = audit.period(desde, hasta, direccion, today)
        with reads() as session:
            result = audit.report(session, who, chosen, ctx.settings.timezone, today)
        views.log_view(ctx, who, "view_audit", None, audit.describe(chosen))
        return audit.as_json(result)

    return api


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None
