"""JSON API /api/v1: bearer tokens, role rules, stale versions, catalogue checks, access log, OpenAPI."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from review import auth
from review.web.app import create_app
from storage import access
from storage.tables import Document, Role, Routing, State
from tests.review_helpers import document_in_review, make_user, version_of


@pytest.fixture
def app(ctx):
    return create_app(ctx)


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


def bearer(ctx, name: str, role: Role, directorate: str | None = None) -> dict:
    make_user(ctx, name, role, directorate)
    return {"Authorization": f"Bearer {auth.new_api_token(ctx, name)}"}


def test_without_a_valid_token_everything_is_401(ctx, client):
    document_id = document_in_review(ctx)
    for headers in ({}, {"Authorization": "Bearer pt_inventado"}, {"Authorization": "Basic YTpi"}):
        assert client.get("/api/v1/queue", headers=headers).status_code == 401
        assert client.get(f"/api/v1/documents/{document_id}", headers=headers).status_code == 401
        answer = client.post(f"/api/v1/documents/{document_id}/decision", headers=headers,
                             json={"program": "las_jefas", "version": 1})
        assert answer.status_code == 401
    assert answer.json()["detail"]["code"] == "not_authenticated"
    assert answer.headers["www-authenticate"] == "Bearer"


def test_the_queue_lists_documents_in_review_oldest_first(ctx, client):
    headers = bearer(ctx, "ana", Role.revisor)
    first, second = document_in_review(ctx), document_in_review(ctx, program=None, channel="telefono")
    body = client.get("/api/v1/queue", headers=headers).json()
    assert body["total"] == 2 and [i["id"] for i in body["items"]] == [first, second]
    item = body["items"][0]
    assert set(item) >= {"id", "version", "state", "channel", "received_at", "suggestions", "fields", "flags"}
    assert item["suggestions"]["program"]["label"] == "ayudas_sociales_diversas"
    assert item["suggestions"]["program"]["alternatives"] == [["mano_con_mano", 0.05]]
    assert item["fields"]["name"]["value"] == "María Peña Ávila"
    assert body["items"][1]["suggestions"]["program"]["label"] is None
    assert "no_suggestion" in body["items"][1]["flags"]
    assert [i["id"] for i in client.get("/api/v1/queue?channel=telefono", headers=headers).json()["items"]] == [second]
    assert [i["id"] for i in client.get("/api/v1/queue?band=sin", headers=headers).json()["items"]] == [second]
    assert [i["id"] for i in client.get("/api/v1/queue?band=alta", headers=headers).json()["items"]] == [first]


def test_a_decision_routes_the_document_and_returns_its_folio(ctx, client):
    headers = bearer(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx)
    version = client.get(f"/api/v1/documents/{document_id}", headers=headers).json()["version"]
    answer = client.post(f"/api/v1/documents/{document_id}/decision", headers=headers,
                         json={"program": "las_jefas", "directorate": "programas_sociales", "note": "ok",
                               "fields": {"name": "María Peña Ávila"}, "version": version})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["state"] == "routed" and body["folio"].startswith("SDS-DAGC-") and body["due_date"]
    shown = client.get(f"/api/v1/documents/{document_id}", headers=headers).json()
    assert shown["state"] == "routed" and shown["folio"] == body["folio"] and shown["due_date"] == body["due_date"]
    assert "routed" in [e["kind"] for e in shown["history"]]
    assert client.get("/api/v1/queue", headers=headers).json()["total"] == 0


def test_a_stale_version_is_409_and_nothing_is_routed_twice(ctx, client):
    headers = bearer(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx)
    version = version_of(ctx, document_id)
    decision = {"program": "las_jefas", "version": version}
    assert client.post(f"/api/v1/documents/{document_id}/decision", headers=headers, json=decision).status_code == 200
    again = client.post(f"/api/v1/documents/{document_id}/decision", headers=headers, json=decision)
    assert again.status_code == 409 and again.json()["detail"]["code"] == "stale_version"
    current = client.post(f"/api/v1/documents/{document_id}/decision", headers=headers,
                          json={**decision, "version": version_of(ctx, document_id)})
    assert current.status_code == 409 and current.json()["detail"]["code"] == "not_reviewable"
    with ctx.sessions() as session:
        assert len(session.scalars(select(Routing)).all()) == 1


def test_a_program_or_directorate_not_in_the_catalogue_is_422(ctx, client):
    headers = bearer(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx)
    version = version_of(ctx, document_id)
    url = f"/api/v1/documents/{document_id}/decision"
    answer = client.post(url, headers=headers, json={"program": "inventado", "version": version})
    assert answer.status_code == 422 and answer.json()["detail"]["code"] == "unknown_program"
    answer = client.post(url, headers=headers, json={"program": None, "directorate": "inventada", "version": version})
    assert answer.status_code == 422 and answer.json()["detail"]["code"] == "unknown_directorate"
    assert client.post(url, headers=headers, json={"program": "las_jefas"}).status_code == 422  # no version
    assert version_of(ctx, document_id) == version


def test_roles_that_may_not_act_get_403(ctx, client):
    document_id = document_in_review(ctx)
    version = version_of(ctx, document_id)
    for name, role, directorate in (("caro", Role.capturista, None), ("gina", Role.gerente, None),
                                    ("enzo", Role.enlace, "programas_sociales")):
        headers = bearer(ctx, name, role, directorate)
        answer = client.post(f"/api/v1/documents/{document_id}/decision", headers=headers,
                             json={"program": "las_jefas", "version": version})
        assert answer.status_code == 403, name
        assert answer.json()["detail"]["code"] == "forbidden"
    assert client.get("/api/v1/queue", headers=bearer(ctx, "gerente2", Role.gerente)).status_code == 200
    with ctx.sessions() as session:
        assert session.get(Document, document_id).state == State.review


def test_an_enlace_sees_only_what_was_routed_to_its_directorate(ctx, client):
    reviewer = bearer(ctx, "ana", Role.revisor)
    ours, theirs, copied = document_in_review(ctx), document_in_review(ctx), document_in_review(ctx)
    for document_id, program, copies in ((ours, "las_jefas", []), (theirs, "infraestructura_basica", []),
                                         (copied, "infraestructura_basica", ["programas_sociales"])):
        assert client.post(f"/api/v1/documents/{document_id}/decision", headers=reviewer,
                           json={"program": program, "copies": copies,
                                 "version": version_of(ctx, document_id)}).status_code == 200
    enlace = bearer(ctx, "enzo", Role.enlace, "programas_sociales")
    assert client.get(f"/api/v1/documents/{ours}", headers=enlace).status_code == 200
    assert client.get(f"/api/v1/documents/{copied}", headers=enlace).status_code == 200
    assert client.get(f"/api/v1/documents/{theirs}", headers=enlace).status_code == 404
    assert client.get("/api/v1/queue", headers=enlace).status_code == 403


def test_views_and_decisions_are_in_the_access_log(ctx, client):
    headers = bearer(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx)
    client.get(f"/api/v1/documents/{document_id}", headers=headers)
    folio = client.post(f"/api/v1/documents/{document_id}/decision", headers=headers,
                        json={"program": "las_jefas", "version": version_of(ctx, document_id)}).json()["folio"]
    with ctx.sessions() as session:
        entries = [(e.action, e.user_name, e.target, e.via, e.ip) for e in access.entries(session, document_id=document_id)]
    assert entries == [("decision", "ana", folio, "api", "testclient"), ("view_document", "ana", "", "api", "testclient")]


def test_openapi_describes_the_api(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/queue", "/documents/{document_id}", "/documents/{document_id}/decision"} <= set(spec["paths"])
