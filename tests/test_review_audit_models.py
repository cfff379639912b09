"""The audit's learning-model part (/auditoria, GET /api/v1/audit): each model version with its exam and its
accuracy in use, the weekly share of petitions routed with one keystroke, the catalogue programs the active model
cannot suggest yet, and the page on a phone."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from classifiers.catalogue import load_default
from classifiers.suggestion import Suggestion
from review.reports import audit
from review.turnos import calendar, followup, routing
from review.web.app import create_app
from review.reports.audit_models import RetrainRules
from storage import documents, model_versions
from storage.tables import Decision, Program, Role, utcnow
from tests.review_helpers import actor, document_in_review, make_user, version_of
from tests.test_review_api import bearer
from tests.test_review_web import log_in

MARIA = {"name": "María Peña Ávila", "municipality": "Hermosillo"}  # document_in_review's default reading, as typed
EXAM = {"promoted": True, "reason": "covers_new_labels", "n": 24,
        "active": {"program": {"accuracy": 0.5, "brier": 0.71, "n": 24},
                   "directorate": {"accuracy": 0.75, "brier": 0.4, "n": 24}},
        "candidate": {"program": {"accuracy": 0.625, "brier": 0.55, "n": 24},
                      "directorate": {"accuracy": 0.8333, "brier": 0.3, "n": 24}},
        "paired": {}, "labels_active_cannot_suggest": ["program:becas_talento"]}


def today(ctx) -> dt.date:
    return calendar.local_date(utcnow(), ctx.settings.timezone)


def model_folder(tmp_path: Path, name: str, programs: list[str]) -> Path:
    """A version's folder as far as the audit reads it: its meta.json."""
    folder = tmp_path / "modelos" / name
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text(json.dumps({"version": name, "metrics": {"program": {"labels": programs}}}))
    return folder


def suggested_by(ctx, document_id: int, version: str, program: str) -> None:
    """The document classified again by another model version: its latest suggestions are that version's."""
    directorate = load_default().directorate_of(program)
    with ctx.sessions.begin() as session:
        documents.save_suggestions(session, document_id, [Suggestion("program", program, 0.9, (), version),
                                                          Suggestion("directorate", directorate, 0.9, (), version)],
                                   "test")


def route(ctx, document_id: int, program: str, fields: dict | None) -> None:
    routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id), program=program,
                    fields=fields)


@pytest.fixture
def office(ctx, tmp_path) -> dict[str, int]:
    """Versions: the shipped model (first), test-1 (promoted, active; knows every program but memoria_viva and the
    new becas_talento), test-2 (refused, never active). Six route decisions (suggested → routed, fields):

    last week: d1 test-1 las_jefas → las_jefas, fields as read; d2 test-1 las_jefas → las_jefas, name corrected.
    this week: d3 test-2 habitacion_propia → mano_con_mano; d4 test-2 habitacion_propia → same, the phone as the form
    shows it (same phone); d5 test-1 nothing → memoria_viva, fields as read; d6 test-1 las_jefas → becas_talento.
    """
    for name, role in (("ana", Role.revisor), ("gina", Role.gerente), ("caro", Role.capturista)):
        make_user(ctx, name, role)
    known = [p.code for p in load_default().programs if p.code != "memoria_viva"]
    with ctx.sessions.begin() as session:
        session.add(Program(code="becas_talento", name="Becas Talento", directorate="programas_sociales"))
        model_versions.register(session, version="test-1", folder=str(model_folder(tmp_path, "test-1", known)),
                                trained_at="2026-01-05T18:00:00+00:00", data_sha256="a" * 64, n=180,
                                counts={"program": {"las_jefas": 40}}, gate={**EXAM, "refit_of": "cand-1"})
        model_versions.activate(session, "test-1", "sistema", "covers_new_labels")
        model_versions.register(session, version="test-2", folder=str(model_folder(tmp_path, "test-2", known)),
                                trained_at="2026-01-12T18:00:00+00:00", data_sha256="b" * 64, n=240, counts={},
                                gate={**EXAM, "promoted": False, "reason": "worse_accuracy"})
    phone_read = {"name": {"value": "Rosa Ruiz", "score": 0.9}, "phone": {"value": "+526622139087", "score": 0.9}}
    ids = {"d1": document_in_review(ctx, program="las_jefas"), "d2": document_in_review(ctx, program="las_jefas"),
           "d3": document_in_review(ctx, program="las_jefas"),
           "d4": document_in_review(ctx, program="las_jefas", fields=phone_read),
           "d5": document_in_review(ctx, program=None), "d6": document_in_review(ctx, program="las_jefas")}
    suggested_by(ctx, ids["d3"], "test-2", "habitacion_propia")
    suggested_by(ctx, ids["d4"], "test-2", "habitacion_propia")
    route(ctx, ids["d1"], "las_jefas", MARIA)
    route(ctx, ids["d2"], "las_jefas", {**MARIA, "name": "María Peña Dávila"})
    route(ctx, ids["d3"], "mano_con_mano", MARIA)
    route(ctx, ids["d4"], "habitacion_propia", {"name": "Rosa Ruiz", "phone": "662 213 9087"})
    route(ctx, ids["d5"], "memoria_viva", MARIA)
    route(ctx, ids["d6"], "becas_talento", MARIA)
    with ctx.sessions.begin() as session:
        session.execute(update(Decision).where(Decision.document_id.in_([ids["d1"], ids["d2"]]))
                        .values(decided_at=utcnow() - dt.timedelta(days=7)))
    return ids


def learning(ctx, direccion: str | None = None, rules: RetrainRules | None = None):
    with ctx.sessions() as session:
        return audit.report(session, actor(ctx, "gina"), audit.period(None, None, direccion, today(ctx)),
                            ctx.settings.timezone, today(ctx), rules or RetrainRules.of(ctx.settings)).learning


def test_each_version_newest_first_with_its_exam_and_its_accuracy_in_use(ctx, office):
    result = learning(ctx)
    assert [v.version for v in result.versions][:2] == ["test-2", "test-1"] and len(result.versions) == 3
    newest, active, shipped = result.versions
    assert result.active == "test-1" and [v.active for v in result.versions] == [False, True, False]
    assert (active.activated_by, active.activation_reason, active.n, active.trained_at) == (
        "sistema", "covers_new_labels", 180, "2026-01-05T18:00:00+00:00")
    assert active.activated_at is not None and newest.activated_at is None
    assert (active.gated, active.promoted, active.reason, active.slice_n) == (True, True, "covers_new_labels", 24)
    program = active.exam[0]
    assert (program.target, program.active_accuracy, program.candidate_accuracy, program.active_brier,
            program.candidate_brier) == ("program", 0.5, 0.625, 0.71, 0.55)
    assert [e.target for e in active.exam] == ["program", "directorate"]
    assert (newest.promoted, newest.reason) == (False, "worse_accuracy")
    assert (active.refit_of, newest.refit_of, newest.refit) == ("cand-1", None, None)
    # The shipped model was never examined, and made none of these suggestions; once active, then replaced.
    assert (shipped.gated, shipped.exam, shipped.decisions, shipped.program_share) == (False, (), 0, None)
    assert shipped.activated_at is not None and not shipped.active
    # test-1: d1, d2 right; d5 (no suggestion) and d6 (becas_talento, same directorate) wrong program.
    assert (active.decisions, active.program_right, active.directorate_right) == (4, 2, 3)
    assert active.program_share == 0.5 and active.directorate_share == 0.75
    # test-2: d3 wrong program and directorate, d4 right.
    assert (newest.decisions, newest.program_right, newest.directorate_right) == (2, 1, 1)


def test_weekly_one_keystroke_share(ctx, office):
    weeks = learning(ctx).weeks
    this_week, last_week = weeks[-1], weeks[-2]
    assert weeks[0].since == today(ctx) - dt.timedelta(days=89) and this_week.until == today(ctx)
    assert all(w.since.weekday() == 0 for w in weeks[1:]) and all(w.until.weekday() == 6 for w in weeks[:-1])
    # Last week: d1 as suggested and as read; d2 as suggested but its name corrected.
    assert (last_week.decisions, last_week.one_keystroke, last_week.share) == (2, 1, 0.5)
    # This week only d4: d3 and d6 routed elsewhere, d5 had no suggestion; d4's phone typed as shown is the same.
    assert (this_week.decisions, this_week.one_keystroke, this_week.share) == (4, 1, 0.25)
    assert sum(w.decisions for w in weeks) == 6 and all(w.share is None for w in weeks[:-2])
    infra = learning(ctx, "infraestructura_social").weeks
    assert (infra[-1].decisions, infra[-1].one_keystroke, infra[-2].decisions, infra[-2].share) == (1, 1, 0, None)


def test_a_changed_field_costs_the_keystroke(ctx, office):
    """d4 again: the same routing, now with the phone changed, is no longer one keystroke."""
    with ctx.sessions.begin() as session:
        session.execute(update(Decision).where(Decision.document_id == office["d4"])
                        .values(fields={"name": "Rosa Ruiz", "phone": "+526622139088"}))
    assert learning(ctx).weeks[-1].one_keystroke == 0


def test_programs_the_active_model_cannot_suggest_yet(ctx, office):
    result = learning(ctx)
    assert result.labels_read
    assert [(p.program, p.decisions, p.needed) for p in result.pending] == [("becas_talento", 1, 19),
                                                                              ("memoria_viva", 1, 19)]
    enough = learning(ctx, rules=RetrainRules(seed_below=1, min_new=200, hours=24))
    assert [(p.program, p.needed) for p in enough.pending] == [("becas_talento", 0), ("memoria_viva", 0)]
    # A returned turno teaches nothing until it is routed again.
    followup.return_turno(ctx, actor(ctx, "ana"), office["d6"], version=version_of(ctx, office["d6"]),
                          note="No es de Becas Talento.")
    assert [(p.program, p.decisions, p.needed) for p in learning(ctx).pending] == [("memoria_viva", 1, 19),
                                                                                    ("becas_talento", 0, 20)]


def test_an_unreadable_active_model_is_said_not_guessed(ctx, office, tmp_path):
    (tmp_path / "modelos" / "test-1" / "meta.json").write_text("{")
    result = learning(ctx)
    assert (result.labels_read, result.pending, result.active) == (False, (), "test-1")


def test_the_page_shows_it_to_gerencia_not_to_a_capturista(ctx, office):
    with TestClient(create_app(ctx), follow_redirects=False) as client:
        log_in(client, "caro")
        assert client.get("/auditoria").status_code == 403
        client.cookies.clear()
        log_in(client, "gina")
        page = client.get("/auditoria")
        assert page.status_code == 200
        text = page.text
        versions = text[text.index('id="versions"'):text.index('id="weeks"')]
        assert versions.index('data-version="test-2"') < versions.index('data-version="test-1"')
        assert "<strong>activa</strong> desde" in versions and "nunca activada" in versions
        assert "aprobada: sugiere programas o direcciones que el modelo activo no conocía" in versions
        assert "no aprobada: acierta menos que el modelo activo" in versions
        assert "sin examen (el modelo con que se instaló)" in versions
        assert "la candidata cand-1 entrenada de nuevo con todas las decisiones" in versions
        exam = re.sub(r"<[^>]+>", "", versions)
        assert "programa: 50.0 % → 62.5 %" in exam and "programa: 0.710 → 0.550" in exam
        assert "75.0 %" in versions and "05/01/2026 11:00" in versions  # trained at 18:00 UTC: 11:00 in Hermosillo
        weeks = text[text.index('id="weeks"'):text.index("Programas que el modelo activo aún no sugiere")]
        assert "50.0 %" in weeks and "25.0 %" in weeks
        assert f"al {today(ctx):%d/%m/%Y}" in weeks
        pending = text[text.index("Programas que el modelo activo aún no sugiere"):]
        assert "Becas Talento" in pending and "Memoria Viva" in pending
        assert "se sugerirá cuando haya 19 decisiones más y se reentrene el modelo" in pending
        assert "cada 24 horas y en cuanto se juntan 200 decisiones nuevas" in pending

        body = client.get("/api/v1/audit", headers=bearer(ctx, "api_gina", Role.gerente)).json()
    versions = {v["version"]: v for v in body["learning"]["versions"]}
    assert versions["test-1"]["decisions"] == 4 and versions["test-1"]["program_share"] == 0.5
    assert versions["test-1"]["exam"][0]["candidate_accuracy"] == 0.625
    assert body["learning"]["weeks"][-1]["share"] == 0.25
    assert [p["program"] for p in body["learning"]["pending"]] == ["becas_talento", "memoria_viva"]


def test_on_a_phone_the_tables_scroll_inside_and_the_page_does_not_widen(ctx, office):
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = Path("/usr/bin/chromium")
    if not chromium.is_file():
        pytest.skip("Debian's chromium is not installed")
    with TestClient(create_app(ctx), follow_redirects=False) as client:
        log_in(client, "gina")
        html = client.get("/auditoria").text
    css = (Path(__file__).resolve().parent.parent / "review" / "web" / "static" / "app.css").read_text(encoding="utf-8")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), headless=True)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.route("**/static/app.css", lambda r: r.fulfill(body=css, content_type="text/css"))
            page.route("**/static/app.js", lambda r: r.fulfill(body="", content_type="text/javascript"))
            page.route("http://audit.test/auditoria", lambda r: r.fulfill(body=html, content_type="text/html"))
            page.goto("http://audit.test/auditoria")
            wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.scroll'))
                .map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + e.getBoundingClientRect().right)""")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
            # The table sits in a box that scrolls sideways if it must; since the phone layout wraps its cells it fits,
            # every column within the box's reach either way.
            box = page.locator("#versions").locator("xpath=..")
            assert box.evaluate("e => getComputedStyle(e).overflowX") == "auto"
            assert page.locator("#versions").bounding_box()["width"] <= box.evaluate("e => e.scrollWidth") + 1
        finally:
            browser.close()
