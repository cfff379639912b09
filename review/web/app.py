"""The web app: server-rendered pages for staff (the routers of review/web/) and the JSON API under /api/v1
(review/web/api.py).

`create_app(ctx)` builds it from a Context, so `peticiones serve`, the tests and the benchmarks run the same app
on whatever HOME and port they choose.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from pipeline.context import Context
from pipeline.errors import ReviewError
from review import dates, labels
from review.web import (admin, api, bodies, closures, dashboard, document, documents, health, login, managers, queue,
                        templating)
from review.web.routes import attach
from storage import database

HERE = Path(__file__).resolve().parent

# The pages' routers; no two answer the same path, so their order only sets the order routes are listed in.
ROUTERS = (health.router, login.router, queue.router, managers.router, dashboard.router, closures.router,
           document.router, documents.router, admin.router)


def read_sessions(ctx: Context) -> sessionmaker[Session]:
    """Sessions for reads: on SQLite a second engine whose transactions do not take the writer lock."""
    if ctx.settings.db_url.startswith("sqlite"):
        return database.make_sessions(database.make_engine(ctx.settings.db_url, read_only=True))
    return ctx.sessions


def create_app(ctx: Context) -> FastAPI:
    """The whole web app (pages, static assets, API) over this Context's database and folders."""
    app = FastAPI(title="Peticiones", openapi_url=None, docs_url=None, redoc_url=None)
    # Every body is bounded as it arrives (review/web/bodies.py); inside _headers, so its 413 gets them too.
    app.add_middleware(bodies.BodyLimit, limit=ctx.settings.max_body_bytes, larger=bodies.larger_routes(ctx.settings))
    app.middleware("http")(_headers)
    app.state.ctx = ctx
    app.state.reads = read_sessions(ctx)
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    # Times are stored in UTC; staff read dd/mm/aaaa on the office's clock (`{{ day|fecha }}`, `{{ moment|hora }}`).
    dates.install(app.state.templates.env, ctx.settings.timezone)
    # States, channels, history events and machine actors in Spanish; the API keeps the codes.
    labels.install(app.state.templates.env)
    app.add_exception_handler(ReviewError, templating.refused)
    app.add_exception_handler(RequestValidationError, templating.unreadable)
    if ctx.settings.home.is_dir():
        admin.sweep_scratch(ctx.settings.home)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    service = api.create_api(ctx, app.state.reads)
    app.state.queue = service.state.queue  # one queue for the API's intake and the jornada photos' page
    app.mount("/api/v1", service)
    for router in ROUTERS:
        attach(app, router)
    return app


async def _headers(request: Request, call_next) -> Response:
    """Security and caching headers on every answer."""
    response = await call_next(request)
    # Every asset comes from this app; nothing may frame it; personal data is not cached by the browser.
    response.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                "frame-ancestors 'none'; form-action 'self'")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if not request.url.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
