"""Admin pages (users, catalogue), the turnados export and the expediente ARCO. Live session, CSRF on every form,
roles, access log."""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse
from starlette.background import BackgroundTask

from classifiers.catalogue_file import MAX_BYTES, CatalogueTooLarge
from pipeline import paths
from pipeline.errors import ReviewError
from review.errors import InvalidInput
from review import admin
from review.reports import arco, export, views
from review.roles import require
from review.turnos import calendar
from review.reports.workbook import MEDIA_TYPE
from review.web.downloads import attachment
from review.web.forms import form_action, integer, may, signed_form, viewer
from review.web.office import today
from review.web.params import Id
from review.web.templating import page
from storage.tables import Role, utcnow

router = APIRouter()

SCRATCH_MAX_AGE = 3600.0  # seconds: far longer than any download of an expediente


def sweep_scratch(home: Path, max_age: float = SCRATCH_MAX_AGE) -> None:
    """Remove expedientes left behind by a server stopped while sending one (copies of personal data); only old
    ones, since another process on the same HOME may be sending one right now."""
    cutoff = time.time() - max_age
    for folder in home.glob(f"{paths.ARCO_SCRATCH}*"):
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def users_page(request: Request, who, status: int = 200, error: ReviewError | None = None) -> HTMLResponse:
    ctx = request.app.state.ctx
    require(who.actor, "manage_users")
    with request.app.state.reads() as session:
        people = admin.user_list(session)
        directorates, _ = admin.catalogue_rows(session)
        tokens = admin.token_rows(session, ctx.settings.api_token_days)
    views.log_view(ctx, who.actor, "view_users", None)
    return page(request, "admin_users.html", who, status, users=people, roles=list(Role),
                directorates=directorates, error=error, tokens=tokens, now=utcnow())


def catalogue_page(request: Request, who, status: int = 200, error: ReviewError | None = None,
                   imported: str = "") -> HTMLResponse:
    require(who.actor, "manage_catalogue")
    with request.app.state.reads() as session:
        directorates, programs = admin.catalogue_rows(session)
    return page(request, "admin_catalogue.html", who, status, directorates=directorates,
                programs=programs, error=error, imported=imported, max_kb=MAX_BYTES // 1024)


@router.get("/admin/usuarios", response_class=HTMLResponse)
def users(request: Request):
    return users_page(request, viewer(request))


@router.post("/admin/usuarios")
async def user_add(request: Request):
    def act(who, form) -> str:
        admin.create_user(request.app.state.ctx, who.actor, str(form.get("name", "")), str(form.get("role", "")),
                          str(form.get("password", "")), str(form.get("directorate", "")) or None)
        return "/admin/usuarios"

    return await form_action(request, act, users_page)


@router.post("/admin/usuarios/{user_id}", dependencies=may("manage_users"))
async def user_change(request: Request, user_id: Id):
    def act(who, form) -> str:
        admin.change_user(request.app.state.ctx, who.actor, user_id, action=str(form.get("action", "")),
                          password=str(form.get("password", "")), role=str(form.get("role", "")),
                          directorate=str(form.get("directorate", "")) or None)
        return "/admin/usuarios"

    return await form_action(request, act, users_page)


@router.get("/admin/catalogo", response_class=HTMLResponse)
def catalogue(request: Request, importado: str = ""):
    # The import's summary comes back through the redirect as counts only, rebuilt into its sentence here.
    imported = ""
    numbers = importado.split("-")
    if len(numbers) == 9 and all(n.isdigit() for n in numbers):
        counts = {table: dict(zip(("added", "updated", "deactivated", "unchanged"), map(int, numbers[i:i + 4])))
                  for table, i in (("directorates", 0), ("programs", 4))}
        imported = admin.describe_import(counts, numbers[8] == "1")
    return catalogue_page(request, viewer(request), imported=imported)


@router.get("/admin/catalogo/exportar.json")
def catalogue_export(request: Request):
    who = viewer(request)
    text = admin.export_catalogue(request.app.state.ctx, who.actor)
    name = f"catalogo-{today(request).isoformat()}.json"
    return attachment(text.encode("utf-8"), "application/json; charset=utf-8", name)


@router.post("/admin/catalogo/importar")
async def catalogue_import(request: Request):
    ctx = request.app.state.ctx
    # Refused before the body is read: the form parser would spool any size to disk first. The margin is for
    # the multipart framing and the other fields.
    if int(request.headers.get("content-length") or 0) > MAX_BYTES + 64 * 1024:
        who = await run_in_threadpool(viewer, request)
        return await run_in_threadpool(catalogue_page, request, who, 413, CatalogueTooLarge("content-length"))

    def act(who, form) -> str:
        upload = form.get("archivo")
        if upload is None or isinstance(upload, str):
            raise InvalidInput("no file", user_message="Elija el archivo JSON del catálogo.")
        replace = form.get("reemplazar") == "1"
        counts = admin.import_catalogue(ctx, who.actor, upload.file.read(MAX_BYTES + 1), replace=replace)
        numbers = [counts[t][k] for t in ("directorates", "programs")
                   for k in ("added", "updated", "deactivated", "unchanged")]
        return f"/admin/catalogo?importado={'-'.join(map(str, numbers + [int(replace)]))}#importar"

    return await form_action(request, act, catalogue_page)


@router.post("/admin/catalogo/programas")
async def program_save(request: Request):
    return await form_action(request, lambda who, form: save_program(request.app.state.ctx, who, form), catalogue_page)


def save_program(ctx, who, form) -> str:
    admin.save_program(ctx, who.actor, code=str(form.get("code", "")), name=str(form.get("name", "")),
                       directorate=str(form.get("directorate", "")), synonyms=str(form.get("synonyms", "")),
                       deadline_days=str(form.get("deadline_days", "")), active=form.get("active") == "1")
    return "/admin/catalogo#programas"


@router.post("/admin/catalogo/direcciones")
async def directorate_save(request: Request):
    return await form_action(request, lambda who, form: save_directorate(request.app.state.ctx, who, form),
                             catalogue_page)


def save_directorate(ctx, who, form) -> str:
    admin.save_directorate(ctx, who.actor, code=str(form.get("code", "")), name=str(form.get("name", "")),
                           email=str(form.get("email", "")), active=form.get("active") == "1")
    return "/admin/catalogo#direcciones"


@router.get("/turnados/exportar.csv")
def routed_export(request: Request, direccion: str = ""):
    return routed_download(request, direccion, "csv")


@router.get("/turnados/exportar.xlsx")
def routed_export_xlsx(request: Request, direccion: str = ""):
    return routed_download(request, direccion, "xlsx")


def routed_download(request: Request, direccion: str, kind: str):
    """The turnados list as CSV or XLSX (the same rows), logged as an export."""
    ctx = request.app.state.ctx
    who = viewer(request)
    with request.app.state.reads() as session:
        rows = export.routed_rows(session, who.actor, direccion or None, ctx.settings.timezone, today(request))
    views.log_view(ctx, who.actor, "export", None,
                   f"turnados {direccion or 'todas'}: {len(rows)} filas ({kind.upper()})")
    # The code was checked against the catalogue; only safe characters reach the header all the same.
    name = f"turnados-{re.sub(r'[^a-z0-9_-]', '', direccion) or 'todas'}-{today(request).isoformat()}.{kind}"
    if kind == "xlsx":
        return attachment(export.routed_xlsx(rows), MEDIA_TYPE, name)
    return attachment(export.routed_csv(rows).encode("utf-8"), "text/csv; charset=utf-8", name)


@router.post("/arco/expediente")
async def arco_dossier(request: Request):
    ctx = request.app.state.ctx
    who, form = await signed_form(request)
    require(who.actor, "arco_access")
    ids = [integer(value) for value in form.getlist("documento")]
    name = f"expediente-arco-{calendar.local_moment(utcnow(), ctx.settings.timezone):%Y%m%d-%H%M}.zip"
    # A private scratch folder (0700) on the data disk: the ZIP is a copy, deleted once it has been sent.
    scratch = Path(tempfile.mkdtemp(prefix=paths.ARCO_SCRATCH, dir=ctx.settings.home))
    try:
        summary = await run_in_threadpool(arco.dossier, ctx, who.actor, ids, scratch / name)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return FileResponse(summary.out, media_type="application/zip", filename=name,
                        background=BackgroundTask(shutil.rmtree, scratch, ignore_errors=True))
