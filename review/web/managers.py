"""The managers' pages: the access log (bitácora), the audit and the informe de atención (page and CSV)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pipeline.errors import ReviewError
from review import admin, labels
from review.reports import audit, report, views
from review.reports.audit_models import RetrainRules
from review.roles import require
from review.web.downloads import attachment
from review.web.forms import viewer
from review.web.office import today
from review.web.params import OptionalId
from review.web.statuses import status_of
from review.web.templating import page
from storage import access

router = APIRouter()


@router.get("/bitacora", response_class=HTMLResponse)
def access_page(request: Request, documento: OptionalId = None, usuario: str = ""):
    who = viewer(request)
    require(who.actor, "read_access_log")
    with request.app.state.reads() as session:
        rows = access.entries(session, document_id=documento, user_name=usuario or None, limit=500)
    views.log_view(request.app.state.ctx, who.actor, "view_access_log", documento, usuario)
    return page(request, "access.html", who, rows=rows, documento=documento, usuario=usuario)


@router.get("/auditoria", response_class=HTMLResponse)
def audit_page(request: Request, desde: str = "", hasta: str = "", direccion: str = ""):
    ctx, who = request.app.state.ctx, viewer(request)
    require(who.actor, "audit")
    form = {"desde": desde, "hasta": hasta, "direccion": direccion}
    with request.app.state.reads() as session:
        directorates, programs = admin.catalogue_rows(session)  # inactive ones too: past turnos name them
        try:
            chosen = audit.period(desde, hasta, direccion, today(request))
            result = audit.report(session, who.actor, chosen, ctx.settings.timezone, today(request),
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
    with request.app.state.reads() as session:
        directorates, programs = admin.catalogue_rows(session)  # inactive ones too: past turnos name them
        names = {"directorate": {d.code: d.name for d in directorates},
                 "program": {p.code: p.name for p in programs}}
        try:
            chosen = audit.period(desde, hasta, direccion, today(request))
            result = report.report(session, who.actor, chosen, request.app.state.ctx.settings.timezone,
                                   today(request))
        except ReviewError as error:
            return who, names, None, error
    return who, names, result, None


@router.get("/informe", response_class=HTMLResponse)
def report_page(request: Request, desde: str = "", hasta: str = "", direccion: str = ""):
    who, names, result, error = attention_report(request, desde, hasta, direccion)
    form = {"desde": desde, "hasta": hasta, "direccion": direccion}
    if error is not None:
        return page(request, "report.html", who, status_of(error), error=error, result=None, form=form,
                    names=names)
    views.log_view(request.app.state.ctx, who.actor, "view_report", None, audit.describe(result.period))
    return page(request, "report.html", who, result=result, form=form, names=names, report=report)


@router.get("/informe.csv")
def report_csv(request: Request, desde: str = "", hasta: str = "", direccion: str = ""):
    who, names, result, error = attention_report(request, desde, hasta, direccion)
    if error is not None:
        raise error
    views.log_view(request.app.state.ctx, who.actor, "export", None,
                   f"informe de atención {audit.describe(result.period)}")
    name = f"informe-atencion-{result.period.since.isoformat()}-{result.period.until.isoformat()}.csv"
    return attachment(report.as_csv(result, names), "text/csv; charset=utf-8", name)
