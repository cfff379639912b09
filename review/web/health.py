"""GET /salud (liveness) and GET /salud/listo (readiness) for a supervisor, a load balancer or a monitor.

No login: they answer codes, counts and the model version, never a document, a name or a path.
"""

from __future__ import annotations

import shutil
import threading

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from ocr import tesseract
from pipeline.errors import PeticionesError

QUEUE_TIMEOUT = 2.0  # seconds a Redis queue has to answer before the check fails


router = APIRouter()


@router.get("/salud")
def live() -> dict:
    """The process answers: 200 while it is up, whatever else is wrong."""
    return {"status": "ok"}


@router.get("/salud/listo")
def ready(request: Request) -> JSONResponse:
    """Whether this process can do its work: 200 when every check passes, else 503 naming the failed ones."""
    ctx, queue = request.app.state.ctx, _queue(request.app)
    checks = {
        "database": _check(lambda: _database(ctx)),
        "queue": _check(lambda: {"pending": queue.get().storage.queue_size()}),
        "disk": _check(lambda: _disk(ctx.settings)),
        "model": _check(lambda: {"version": ctx.classifier.version}),
        "ocr": _check(lambda: tesseract.check_available(ctx.settings.ocr_language)),
    }
    failed = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "ok" if not failed else "not_ready", "failed": failed, "checks": checks}
    return JSONResponse(body, status_code=503 if failed else 200)


_QUEUES = threading.Lock()


def _queue(app) -> "_Once":
    """This app's queue, opened on the first readiness check and kept for the next ones."""
    with _QUEUES:
        if not hasattr(app.state, "health_queue"):
            settings = app.state.ctx.settings
            app.state.health_queue = _Once(lambda: _huey(settings))
        return app.state.health_queue


def _check(run) -> dict:
    """One check's result: ok and its figures, or not ok and the error's code (never its text: it may hold paths
    or data)."""
    try:
        return {"ok": True, **(run() or {})}  # a check may report its own failure ({"ok": False, ...})
    except PeticionesError as error:
        return {"ok": False, "error": error.code}
    except Exception as error:  # a health check reports every failure instead of raising it
        return {"ok": False, "error": type(error).__name__}


def _huey(settings):
    from pipeline.queue import make_huey  # the queue's own storage (SQLite file or Redis), as the workers use it

    return make_huey(settings, QUEUE_TIMEOUT)


def _database(ctx) -> None:
    with ctx.sessions() as session:
        session.execute(text("SELECT 1"))


def _disk(settings) -> dict:
    free_mb = shutil.disk_usage(settings.archive).free // (1024 * 1024)
    figures = {"free_mb": free_mb, "min_free_mb": settings.min_free_mb}
    if free_mb < settings.min_free_mb:
        return {"ok": False, "error": "low_disk_space", **figures}
    return figures


class _Once:
    """A value built on first use (the queue's Huey: building it opens its storage)."""

    def __init__(self, build):
        self._build, self._value, self._lock = build, None, threading.Lock()

    def get(self):
        with self._lock:
            if self._value is None:
                self._value = self._build()
            return self._value
