"""JSON API /api/v1 with bearer tokens (`peticiones users token NAME`); the same role rules as the pages."""

from __future__ import annotations

import threading

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from pipeline.context import Context
from pipeline.errors import RejectedInput, ReviewError
from review.errors import InvalidInput, NotAuthenticated
from pipeline.queue import TaskQueue
from review.reports import audit, dashboard, report, search, views
from review import auth, queue_order
from review.web import bodies
from review.web import dashboard as web_dashboard
from review.turnos import followup, reception, regroup, routing
from review.reports.audit_models import RetrainRules
from review.web.api_models import (INTAKE_BODY, AnswerIn, DecisionIn, DecisionOut, DismissIn, DocumentOut, MergeIn,
                                   PetitionerIn, ProgressIn, ReceivedOut, ReturnIn, SplitIn, SplitOut,
                                   TranscriptionIn)
from review.web.office import today
from review.web.params import MAX_INT, Id
from review.web.routes import attach
from review.web.statuses import status_of
from review.roles import Actor, require
from storage import documents
from storage.tables import Document

_bearer = HTTPBearer(auto_error=False, description="Token de `peticiones users token NOMBRE`.")


def create_api(ctx: Context, reads) -> FastAPI:
    """The API app, mounted at /api/v1: its own error shapes (JSON), its own OpenAPI description."""
    api = FastAPI(title="Peticiones API", version="1", openapi_url="/openapi.json", docs_url=None, redoc_url=None)
    api.state.ctx, api.state.reads = ctx, reads
    api.state.queue = _Queue(ctx)
    api.add_exception_handler(ReviewError, refused)
    api.add_exception_handler(RejectedInput, refused)  # a file refused (and quarantined) on intake
    api.add_exception_handler(RequestValidationError, malformed)
    attach(api, router)
    return api


async def refused(request: Request, error: ReviewError) -> JSONResponse:
    """A typed refusal: its code and Spanish message, with its HTTP status."""
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, NotAuthenticated) else None
    return JSONResponse({"detail": {"code": error.code, "message": error.user_message}},
                        status_code=status_of(error), headers=headers)


async def malformed(request: Request, error: RequestValidationError) -> JSONResponse:
    """A body or query FastAPI cannot read answers in the same shape as every other refusal."""
    ctx = request.app.state.ctx
    problems = [{"field": ".".join(str(part) for part in e["loc"][1:]), "problem": e["msg"]}
                for e in error.errors()]
    fields = ", ".join(p["field"] for p in problems if p["field"])
    return JSONResponse({"detail": {"code": InvalidInput.code, "errors": problems,
                                    "message": f"Revise los datos enviados ({fields})." if fields
                                    else InvalidInput.user_message}}, status_code=InvalidInput.http_status)


class _Queue:
    """The watcher's task queue, opened on the first document received."""

    def __init__(self, ctx: Context):
        self._ctx, self._queue, self._lock = ctx, None, threading.Lock()

    def get(self) -> TaskQueue:
        with self._lock:
            if self._queue is None:
                self._queue = TaskQueue(self._ctx)
            return self._queue


router = APIRouter()


def actor(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Actor:
    """The API client behind the bearer token, or NotAuthenticated."""
    ctx = request.app.state.ctx
    ip = auth.client_ip(request, ctx.settings.trusted_proxies)
    found = auth.token_actor(ctx, request.app.state.reads, credentials.credentials, ip) if credentials else None
    if found is None:
        raise NotAuthenticated("bearer token missing or unknown",
                               user_message="Falta un token válido (Authorization: Bearer ...).")
    return found


def may(action: str):
    """A route's role, declared as its dependency: checked before FastAPI reads the path and the body, so a role
    that may not `action` gets 403 whatever it sent (not a 422 first). What the route calls checks it again."""
    def role_allows(who: Actor = Depends(actor)) -> None:
        require(who, action)

    return [Depends(role_allows)]


@router.get("/queue", summary="Documents waiting for review, oldest first")
def get_queue(request: Request, who: Actor = Depends(actor), channel: str | None = None,
              program: str | None = None,
              band: str | None = Query(None, description="alta, media, baja or sin"),
              flag: str | None = Query(None, description="needs_transcription, ocr_error or no_suggestion"),
              offset: int = Query(0, ge=0, le=MAX_INT), limit: int = Query(50, ge=1, le=500),
              order: str = Query("", description=f"One of {', '.join(queue_order.ORDERS)} (default espera)")) -> dict:
    require(who, "read_queue")
    f = views.QueueFilter(channel, program, band, flag, offset, limit, queue_order.check(order))
    with request.app.state.reads() as session:
        result = views.queue(session, who, f)
    views.log_view(request.app.state.ctx, who, "view_queue", None, f"{result['total']} documentos")
    return {"items": result["items"], "total": result["total"]}


@router.get("/search", summary="Documents found by petitioner (name, CURP, phone, e-mail), folio or what they say",
            description="Exact hits on the petitioner or the folio first (newest first), then the documents whose "
                        "text has every word typed in any form (plural, accents, capitals), best first. Each item "
                        "has `excerpt` (plain text) and `highlights`, the [start, end) offsets of its matching "
                        "words: escape the excerpt before marking them.")
def get_search(request: Request, who: Actor = Depends(actor),
               q: str = Query(description="A name (every word starts a word of it), a CURP, a phone (7 digits "
                                          "or more), an e-mail, a folio (SDS-DAGC-2026-000123, 2026-123, 123) or "
                                          f"words of the petition; at most {search.MAX_LENGTH} characters."),
               limit: int = Query(search.LIMIT, ge=1, le=500)) -> dict:
    with request.app.state.reads() as session:
        result = search.find(session, who, q, limit)
    views.log_view(request.app.state.ctx, who, "search", None, result["query"])
    return result


@router.post("/documents", status_code=201, response_model=ReceivedOut, openapi_extra=INTAKE_BODY,
             summary="Receive a document (typed petition as JSON, or files as multipart); it is read and queued",
             description="201 once the original is archived and recorded; refused files stay in quarantine with "
                         "their reason (4xx with its code). Duplicates are recorded as from the inbox.")
async def post_documents(request: Request, who: Actor = Depends(actor)) -> ReceivedOut:
    ctx = request.app.state.ctx
    require(who, "receive")  # before a byte of the body is read
    settings, kind = ctx.settings, bodies.kind(request)
    sending = request.headers.get("Idempotency-Key", "")[:64]
    intake = await run_in_threadpool(reception.sent_once, ctx, who, sending)  # sent again: the first answer
    if intake is not None:
        return _received(request, intake)
    with reception.staging(ctx) as folder:
        if kind == "json":
            channel, text, petitioner = await bodies.typed(request, settings.api_max_body_bytes)
            queue = request.app.state.queue.get()
            intake = await run_in_threadpool(reception.receive_text, ctx, queue, who, channel, text, petitioner,
                                             folder, {"envio": sending} if sending else None)
        else:
            channel, uploads = await bodies.files(request, settings.api_max_body_bytes, settings.api_max_files,
                                                  folder)
            reception.check_channel(channel)  # a mistaken request: nothing is quarantined
            queue = request.app.state.queue.get()
            intake = await run_in_threadpool(reception.receive_files, ctx, queue, who, channel, uploads,
                                             {"envio": sending} if sending else None)
    return _received(request, intake)


def _received(request: Request, intake) -> ReceivedOut:
    with request.app.state.reads() as session:
        received = session.get(Document, intake.document_id)
        original, folio = received.duplicate_of, documents.reception_folio(received)
    return ReceivedOut(id=intake.document_id, state=intake.state.value, duplicate_of=original,
                       reception_folio=folio)


@router.get("/documents/{document_id}", dependencies=may("read_document"),
            summary="A document: state, pages, text, suggestions, fields, folio, history")
def get_document(request: Request, document_id: Id, who: Actor = Depends(actor)) -> dict:
    ctx = request.app.state.ctx
    with request.app.state.reads() as session:
        result = views.document(session, who, document_id, ctx.settings.timezone)
    views.log_view(ctx, who, "view_document", document_id)
    return result


@router.post("/documents/{document_id}/decision", dependencies=may("route"), response_model=DecisionOut,
             summary="Confirm program and directorate: the document gets its folio and is routed")
def post_decision(request: Request, document_id: Id, decision: DecisionIn,
                  who: Actor = Depends(actor)) -> DecisionOut:
    ctx = request.app.state.ctx
    result = routing.confirm(ctx, who, document_id, version=decision.version, program=decision.program,
                             directorate=decision.directorate, copies=decision.copies,
                             instruction=decision.instruction, fields=decision.fields, note=decision.note,
                             invalid_curp_confirmed=decision.confirm_invalid_curp)
    return DecisionOut(folio=result.folio, state="routed", due_date=result.due_date)


def over_period(request: Request, who: Actor, action: str, figures, as_json, desde, hasta, direccion) -> dict:
    """A managers' report over a period: the role is checked before the dates are read (a role without it
    learns nothing from a 422), and the reading goes to the access log as `view_<action>`."""
    ctx = request.app.state.ctx
    require(who, action)
    chosen = audit.period(desde, hasta, direccion, today(request))
    with request.app.state.reads() as session:
        result = figures(session, who, chosen, ctx.settings.timezone, today(request))
    views.log_view(ctx, who, f"view_{action}", None, audit.describe(chosen))
    return as_json(result)


@router.get("/audit", summary="Accuracy of the suggestions and punctuality of the answers over a period")
def get_audit(request: Request, who: Actor = Depends(actor),
              desde: str | None = Query(None, description="First day, YYYY-MM-DD; default 89 days before hasta."),
              hasta: str | None = Query(None, description="Last day, YYYY-MM-DD; default today."),
              direccion: str | None = Query(None, description="One directorate's code; default all.")) -> dict:
    ctx = request.app.state.ctx
    rules = RetrainRules.of(ctx.settings)  # with them the answer carries the model versions (learning)
    return over_period(request, who, "audit", lambda *args: audit.report(*args, rules), audit.as_json, desde,
                       hasta, direccion)


@router.get("/report", summary="Informe de atención: petitions received over a period and where they stand")
def get_report(request: Request, who: Actor = Depends(actor),
               desde: str | None = Query(None, description="First day received, YYYY-MM-DD; default 89 days "
                                                           "before hasta."),
               hasta: str | None = Query(None, description="Last day received, YYYY-MM-DD; default today."),
               direccion: str | None = Query(None, description="Only what is routed to this directorate.")) -> dict:
    return over_period(request, who, "report", report.report, report.as_json, desde, hasta, direccion)


@router.get("/dashboard", summary="The tablero's figures: turnos overdue and due soon, petitions in review and "
                                  "received this week, the share answered on time, the charts' tables")
def get_dashboard(request: Request, who: Actor = Depends(actor)) -> dict:
    return dashboard.as_json(web_dashboard.board_of(request, who))


# Actions beyond the decision: each calls the function the pages call (roles, versions, access log there)
# and answers with the document as it is now, so the client has the version for its next action.


def now(request: Request, document_id: int) -> DocumentOut:
    with request.app.state.reads() as session:
        row = session.get(Document, document_id)
        return DocumentOut(id=row.id, state=row.state.value, version=row.version)


@router.post("/documents/{document_id}/dismiss", dependencies=may("dismiss"), response_model=DocumentOut,
             summary="No es petición: the document leaves the queue, concluded")
def post_dismiss(request: Request, document_id: Id, body: DismissIn, who: Actor = Depends(actor)) -> DocumentOut:
    routing.dismiss(request.app.state.ctx, who, document_id, version=body.version, note=body.note)
    return now(request, document_id)


@router.post("/documents/{document_id}/pages/{number}/transcription", dependencies=may("transcribe"),
             response_model=DocumentOut,
             summary="A person's typing of a page; a document in review gets new suggestions (and a new version)")
def post_transcription(request: Request, document_id: Id, number: Id, body: TranscriptionIn,
                       who: Actor = Depends(actor)) -> DocumentOut:
    routing.transcribe(request.app.state.ctx, who, document_id, number, body.text)
    return now(request, document_id)


@router.post("/documents/{document_id}/split", dependencies=may("regroup"), response_model=SplitOut,
             summary="Pages at_page.. of a document in review become a new document in review")
def post_split(request: Request, document_id: Id, body: SplitIn, who: Actor = Depends(actor)) -> SplitOut:
    new_id = regroup.split(request.app.state.ctx, who, document_id, version=body.version, at_page=body.at_page)
    return SplitOut(document=now(request, document_id), new_document=now(request, new_id))


@router.post("/documents/{document_id}/merge", dependencies=may("regroup"), response_model=DocumentOut,
             summary="Append this document's pages to another in review; answers with the remaining one")
def post_merge(request: Request, document_id: Id, body: MergeIn, who: Actor = Depends(actor)) -> DocumentOut:
    regroup.merge(request.app.state.ctx, who, document_id, version=body.version, into=body.into)
    return now(request, body.into)


@router.post("/documents/{document_id}/progress", dependencies=may("follow_up"), response_model=DocumentOut,
             summary="A progress note on a turno in attention (the responsible directorate's enlace, a reviewer)")
def post_progress(request: Request, document_id: Id, body: ProgressIn, who: Actor = Depends(actor)) -> DocumentOut:
    followup.add_note(request.app.state.ctx, who, document_id, body.text)
    return now(request, document_id)


@router.post("/documents/{document_id}/answer", dependencies=may("follow_up"), response_model=DocumentOut,
             summary="The answer given to the citizen: the turno concludes",
             description="The API records the date and text, and makes the answer letter with `letter`; an "
                         "answer's own PDF is attached on the web page (no file upload through the API).")
def post_answer(request: Request, document_id: Id, body: AnswerIn, who: Actor = Depends(actor)) -> DocumentOut:
    ctx = request.app.state.ctx
    followup.answer(ctx, who, document_id, version=body.version, answered_on=body.answered_on, text=body.text,
                    letter=body.letter)
    return now(request, document_id)


@router.post("/documents/{document_id}/petitioner", dependencies=may("rectify"), response_model=DocumentOut,
             summary="Rectificación: correct the petitioner data of a routed or concluded petition")
def post_petitioner(request: Request, document_id: Id, body: PetitionerIn, who: Actor = Depends(actor)) -> DocumentOut:
    routing.rectify(request.app.state.ctx, who, document_id, version=body.version, fields=body.fields, note=body.note)
    return now(request, document_id)


@router.post("/documents/{document_id}/return", dependencies=may("return_turno"), response_model=DocumentOut,
             summary="Devolución de turno: the document is back in review, to be routed again")
def post_return(request: Request, document_id: Id, body: ReturnIn, who: Actor = Depends(actor)) -> DocumentOut:
    followup.return_turno(request.app.state.ctx, who, document_id, version=body.version, note=body.note)
    return now(request, document_id)
