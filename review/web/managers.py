"""The managers' pages: the access log (bitácora), the audit (page and XLSX) and the informe de atención (page, CSV
and XLSX)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pipeline.errors import ReviewError
from review import admin, labels
from review.reports import audit, audit_sheets, figures, monthly_pdf, report, views, workbook
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


def period_result(request: Request, action: str, compute, desde: str, hasta: str, direccion: str):
    """A managers' report for the form's period, or the error that stopped it; with the catalogue's names.
    `compute(session, actor, period)` makes it."""
    who = viewer(request)
    require(who.actor, action)
    with request.app.state.reads() as session:
        names = admin.catalogue_names(session)
        try:
            result = compute(session, who.actor, audit.period(desde, hasta, direccion, today(request)))
        except ReviewError as error:
            return who, names, None, error
    return who, names, result, None


def managers_audit(request: Request, desde: str, hasta: str, direccion: str):
    settings = request.app.state.ctx.settings
    return period_result(request, "audit", lambda session, actor, chosen: audit.report(
        session, actor, chosen, settings.timezone, today(request), RetrainRules.of(settings)), desde, hasta, direccion)


@router.get("/auditoria", response_class=HTMLResponse)
def audit_page(request: Request, desde: str = "", hasta: str = "", direccion: str = ""):
    who, names, result, error = managers_audit(request, desde, hasta, direccion)
    form = {"desde": desde, "hasta": hasta, "direccion": direccion}
    if error is not None:
        return page(request, "audit.html", who, status_of(error), error=error, result=None, form=form,
                    directorates=names["directorate"])
    ctx = request.app.state.ctx
    with request.app.state.reads() as session:
        charts = figures.audit_charts(session, result, ctx.settings.timezone, names)
    views.log_view(ctx, who.actor, "view_audit", None, audit.describe(result.period))
    return page(request, "audit.html", who, result=result, form=form, bands=views.BANDS, charts=charts,
                directorates=names["directorate"], programs=names["program"], reasons=labels.MODEL_REASONS)


@router.get("/auditoria.xlsx")
def audit_xlsx(request: Request, desde: str = "", hasta: str = "", direccion: str = ""):
    who, names, result, error = managers_audit(request, desde, hasta, direccion)
    if error is not None:
        raise error
    views.log_view(request.app.state.ctx, who.actor, "export", None, f"auditoría {audit.describe(result.period)}")
    name = f"auditoria-{result.period.since.isoformat()}-{result.period.until.isoformat()}.xlsx"
    return attachment(workbook.xlsx(audit_sheets.as_tables(result, names)), workbook.MEDIA_TYPE, name)


def attention_report(request: Request, desde: str, hasta: str, direccion: str):
    """The informe for the form's period, or the form again with the error; with the catalogue's names."""
    timezone = request.app.state.ctx.settings.timezone
    return period_result(request, "report", lambda session, actor, chosen: report.report(
        session, actor, chosen, timezone, today(request)), desde, hasta, direccion)


@router.get("/informe", response_class=HTMLResponse)
def report_page(request: Request, desde: str = "", hasta: str = "", direccion: str = ""):
    who, names, result, error = attention_report(request, desde, hasta, direccion)
    form = {"desde": desde, "hasta": hasta, "direccion": direccion}
    last_month = f"{today(request).replace(day=1) - dt.timedelta(days=1):%Y-%m}"  # the monthly report's usual one
    if error is not None:
        return page(request, "report.html", who, status_of(error), error=error, result=None, form=form,
                    names=names, month_default=last_month)
    ctx = request.app.state.ctx
    with request.app.state.reads() as session:
        charts = figures.report_charts(session, result, ctx.settings.timezone, names)
    views.log_view(ctx, who.actor, "view_report", None, audit.describe(result.period))
    return page(request, "report.html", who, result=result, form=form, names=names, report=report, charts=charts,
                month_default=last_month)


@router.get("/informe.csv")
def report_csv(request: Request, desde: str = "", hasta: str = "", direccion: str = ""):
    return report_download(request, desde, hasta, direccion, "csv")


@router.get("/informe.xlsx")
def report_xlsx(request: Request, desde: str = "", hasta: str = "", direccion: str = ""):
    return report_download(request, desde, hasta, direccion, "xlsx")


def report_download(request: Request, desde: str, hasta: str, direccion: str, kind: str):
    """The informe as CSV (every table in one sheet) or XLSX (a sheet per table), logged as an export."""
    who, names, result, error = attention_report(request, desde, hasta, direccion)
    if error is not None:
        raise error
    views.log_view(request.app.state.ctx, who.actor, "export", None,
                   f"informe de atención {audit.describe(result.period)}")
    name = f"informe-atencion-{result.period.since.isoformat()}-{result.period.until.isoformat()}.{kind}"
    if kind == "xlsx":
        return attachment(workbook.xlsx(report.as_tables(result, names)), workbook.MEDIA_TYPE, name)
    return attachment(report.as_csv(result, names), "text/csv; charset=utf-8", name)


@router.get("/informe/mensual.pdf")
def monthly_pdf_download(request: Request, mes: str = ""):
    """The monthly report for the Governor's office, for the month the Informe page's form names."""
    who = viewer(request)
    require(who.actor, "report")
    made, pdf, _ = monthly_pdf.produce(request.app.state.ctx, who.actor, mes[:20], today(request))
    return attachment(pdf, "application/pdf", f"informe-mensual-{made.month:%Y-%m}.pdf")
