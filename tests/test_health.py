"""GET /salud answers while the process is up; GET /salud/listo checks database, queue, disk and model, without a
login and without personal data, and answers 503 naming the check that failed."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from pipeline.context import Context
from pipeline.settings import Settings
from review.web.app import create_app
from tests.review_helpers import document_in_review

SHIPPED = Path(__file__).resolve().parent.parent / "models" / "peticiones"


def client(settings: Settings):
    ctx = Context.open(settings)
    return ctx, TestClient(create_app(ctx), follow_redirects=False)


def test_liveness_and_readiness_answer_without_login_and_without_personal_data(settings):
    ctx, web = client(settings)
    with web:
        document_in_review(ctx)  # a petitioner "María Peña Ávila" in the database
        live = web.get("/salud")
        assert live.status_code == 200 and live.json() == {"status": "ok"}
        ready = web.get("/salud/listo")
        assert ready.status_code == 200, ready.text
        body = ready.json()
        assert body["status"] == "ok" and body["failed"] == []
        assert set(body["checks"]) == {"database", "queue", "disk", "model", "ocr"}
        assert all(check["ok"] for check in body["checks"].values())
        assert body["checks"]["model"]["version"] == ctx.classifier.version
        assert body["checks"]["disk"]["free_mb"] >= settings.min_free_mb
        assert "María" not in ready.text and str(settings.home) not in ready.text
        assert ready.headers["cache-control"] == "no-store"
    ctx.close()


def test_too_little_free_disk_makes_it_not_ready(settings):
    free_mb = shutil.disk_usage(settings.home.parent).free // (1024 * 1024)
    ctx, web = client(settings.model_copy(update={"min_free_mb": free_mb + 10_000_000}))
    with web:
        ready = web.get("/salud/listo")
        assert ready.status_code == 503
        body = ready.json()
        assert body["status"] == "not_ready" and body["failed"] == ["disk"]
        assert body["checks"]["disk"]["error"] == "low_disk_space" and body["checks"]["database"]["ok"]
        assert web.get("/salud").status_code == 200  # still alive: a supervisor must not restart it for this
    ctx.close()


def test_a_missing_active_model_makes_it_not_ready(settings, tmp_path):
    model = tmp_path / "modelo"
    shutil.copytree(SHIPPED, model)  # the active version's folder, removed below (never the project's own)
    ctx, web = client(settings.model_copy(update={"model": model}))
    shutil.rmtree(model)
    with web:
        ready = web.get("/salud/listo")
        assert ready.status_code == 503
        body = ready.json()
        assert body["failed"] == ["model"] and body["checks"]["model"] == {"ok": False, "error": "model_missing"}
        assert str(model) not in ready.text
    ctx.close()


def test_an_unreachable_queue_makes_it_not_ready(settings):
    ctx, web = client(settings.model_copy(update={"queue_url": "redis://127.0.0.1:1/0"}))  # nothing listens there
    with web:
        ready = web.get("/salud/listo")
        assert ready.status_code == 503 and ready.json()["failed"] == ["queue"]
    ctx.close()
