"""JSON API actions beyond the decision (dismiss, transcription, split, merge, progress, answer, return): the same
rules as the pages (roles, versions, typed errors) and every action in the access log with via "api"."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from review.turnos import calendar
from review.web.app import create_app
from storage import access
from storage.tables import Document, Role, State, utcnow
from tests.review_helpers import document_in_review, make_user, version_of
from tests.test_review_api import bearer
from tests.test_review_followup import routed


@pytest.fixture
def client(ctx):
    with TestClient(create_app(ctx)) as c:
        yield c


def state_of(ctx, document_id: int) -> State:
    with ctx.sessions() as session:
        return session.get(Document, document_id).state


def logged(ctx, document_id: int) -> list[tuple[str, str, str]]:
    """(action, user, via) of the document's access entries, oldest first."""
    with ctx.sessions() as session:
        return [(e.action, e.user_name, e.via) for e in reversed(access.entries(session, document_id=document_id))]


def code_of(answer) -> str:
    return answer.json()["detail"]["code"]


def test_without_a_token_every_action_is_401(ctx, client):
    document_id = document_in_review(ctx)
    base = f"/api/v1/documents/{document_id}"
    for path, body in (("/dismiss", {"version": 1}), ("/pages/1/transcription", {"text": "Solicito"}),
                       ("/split", {"version": 1, "at_page": 2}), ("/merge", {"version": 1, "into": 2}),
                       ("/progress", {"text": "Avance"}), ("/answer", {"version": 1, "answered_on": "2026-01-05",
                                                                       "text": "Respondido"}),
                       ("/return", {"version": 1, "note": "No es nuestro"})):
        answer = client.post(base + path, json=body)
        assert answer.status_code == 401 and code_of(answer) == "not_authenticated", path
    assert state_of(ctx, document_id) == State.review and logged(ctx, document_id) == []


def test_a_reviewer_dismisses_a_document_that_is_not_a_petition(ctx, client):
    reviewer, clerk = bearer(ctx, "ana", Role.revisor), bearer(ctx, "caro", Role.capturista)
    document_id = document_in_review(ctx)
    url, version = f"/api/v1/documents/{document_id}/dismiss", version_of(ctx, document_id)
    refused = client.post(url, headers=clerk, json={"version": version})
    assert refused.status_code == 403 and code_of(refused) == "forbidden"
    assert client.post(url, headers=reviewer, json={"version": version - 1}).status_code == 409
    answer = client.post(url, headers=reviewer, json={"version": version, "note": "Es una invitación"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"id": document_id, "state": "concluded", "version": version_of(ctx, document_id)}
    with ctx.sessions() as session:
        assert session.get(Document, document_id).reason == "No es petición: Es una invitación"
    assert client.get("/api/v1/queue", headers=reviewer).json()["total"] == 0
    assert logged(ctx, document_id) == [("not_petition", "ana", "api")]


def test_a_typed_page_is_kept_and_the_document_gets_a_new_version(ctx, client):
    clerk, manager = bearer(ctx, "caro", Role.capturista), bearer(ctx, "gina", Role.gerente)
    document_id = document_in_review(ctx, text="S0l1c1t0 ap0y0", needs_transcription=True)
    url, version = f"/api/v1/documents/{document_id}/pages/1/transcription", version_of(ctx, document_id)
    assert client.post(url, headers=manager, json={"text": "Solicito apoyo"}).status_code == 403
    missing = client.post(f"/api/v1/documents/{document_id}/pages/2/transcription", headers=clerk, json={"text": "x"})
    assert missing.status_code == 422 and code_of(missing) == "invalid_input"
    answer = client.post(url, headers=clerk, json={"text": "Solicito apoyo del programa Las Jefas."})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"id": document_id, "state": "review", "version": version + 1}  # re-classified
    page = client.get(f"/api/v1/documents/{document_id}", headers=clerk).json()["pages"][0]
    assert page["transcribed"] and page["text"] == "Solicito apoyo del programa Las Jefas."
    assert page["ocr_text"] == "S0l1c1t0 ap0y0"
    assert ("transcription", "caro", "api") in logged(ctx, document_id)


def test_documents_scanned_together_are_merged_and_split_again(ctx, client):
    reviewer, clerk = bearer(ctx, "ana", Role.revisor), bearer(ctx, "caro", Role.capturista)
    first, second = document_in_review(ctx), document_in_review(ctx)
    merge, seen = f"/api/v1/documents/{first}/merge", version_of(ctx, first)
    assert client.post(merge, headers=clerk, json={"version": seen, "into": second}).status_code == 403
    assert client.post(merge, headers=reviewer, json={"version": 0, "into": second}).status_code == 409
    itself = client.post(merge, headers=reviewer, json={"version": seen, "into": first})
    assert itself.status_code == 422 and code_of(itself) == "invalid_input"
    merged = client.post(merge, headers=reviewer, json={"version": seen, "into": second})
    assert merged.status_code == 200, merged.text
    assert merged.json() == {"id": second, "state": "review", "version": version_of(ctx, second)}
    assert state_of(ctx, first) == State.duplicate
    split = f"/api/v1/documents/{second}/split"
    version = version_of(ctx, second)
    assert client.post(split, headers=clerk, json={"version": version, "at_page": 2}).status_code == 403
    assert client.post(split, headers=reviewer, json={"version": version - 1, "at_page": 2}).status_code == 409
    beyond = client.post(split, headers=reviewer, json={"version": version, "at_page": 3})
    assert beyond.status_code == 422 and code_of(beyond) == "invalid_input"
    answer = client.post(split, headers=reviewer, json={"version": version, "at_page": 2})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    new_id = body["new_document"]["id"]
    assert body["document"] == {"id": second, "state": "review", "version": version_of(ctx, second)}
    assert body["new_document"] == {"id": new_id, "state": "review", "version": version_of(ctx, new_id)}
    with ctx.sessions() as session:
        assert session.get(Document, second).page_count == 1 and session.get(Document, new_id).page_count == 1
    assert logged(ctx, first) == [("merge", "ana", "api")]
    assert logged(ctx, second) == [("merge", "ana", "api"), ("split", "ana", "api")]
    assert logged(ctx, new_id) == [("split", "ana", "api")]


def test_the_responsible_enlace_records_progress_and_the_answer(ctx, client):
    make_user(ctx, "ana", Role.revisor)
    enlace = bearer(ctx, "enzo", Role.enlace, "programas_sociales")
    copy = bearer(ctx, "julia", Role.enlace, "juridica")
    other = bearer(ctx, "otto", Role.enlace, "infraestructura_social")
    manager = bearer(ctx, "gina", Role.gerente)
    document_id, _ = routed(ctx)  # las_jefas → programas_sociales, copy to juridica
    progress = f"/api/v1/documents/{document_id}/progress"
    refused = client.post(progress, headers=copy, json={"text": "Visto"})
    assert refused.status_code == 403 and code_of(refused) == "forbidden"
    assert client.post(progress, headers=other, json={"text": "Visto"}).status_code == 404  # not revealed
    empty = client.post(progress, headers=enlace, json={"text": "   "})
    assert empty.status_code == 422 and code_of(empty) == "invalid_input"
    version = version_of(ctx, document_id)
    noted = client.post(progress, headers=enlace, json={"text": "Se visitó a la peticionaria."})
    assert noted.status_code == 200, noted.text
    assert noted.json() == {"id": document_id, "state": "routed", "version": version}

    url = f"/api/v1/documents/{document_id}/answer"
    today = calendar.local_date(utcnow(), ctx.settings.timezone)  # the office's day, not this machine's
    answer = {"version": version, "answered_on": today.isoformat(), "text": "Se le incorporó al programa."}
    assert client.post(url, headers=manager, json=answer).status_code == 403
    malformed = client.post(url, headers=enlace, json={**answer, "answered_on": "2026-02-30"})
    assert malformed.status_code == 422  # refused like every other error: a code, a Spanish message, the field
    assert malformed.json()["detail"]["code"] == "invalid_input"
    assert "answered_on" in malformed.json()["detail"]["message"]
    assert malformed.json()["detail"]["errors"][0]["field"] == "answered_on"
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    future = client.post(url, headers=enlace, json={**answer, "answered_on": tomorrow})
    assert future.status_code == 422 and code_of(future) == "invalid_input"
    blank = client.post(url, headers=enlace, json={**answer, "text": ""})
    assert blank.status_code == 422 and code_of(blank) == "invalid_input"
    assert client.post(url, headers=enlace, json={**answer, "version": version - 1}).status_code == 409
    assert state_of(ctx, document_id) == State.routed
    done = client.post(url, headers=enlace, json=answer)
    assert done.status_code == 200, done.text
    assert done.json() == {"id": document_id, "state": "concluded", "version": version_of(ctx, document_id)}
    again = client.post(progress, headers=enlace, json={"text": "Otro avance"})
    assert again.status_code == 409 and code_of(again) == "not_reviewable"
    assert [a for a in logged(ctx, document_id) if a[1] == "enzo"] == [("follow_up", "enzo", "api"),
                                                                       ("answer", "enzo", "api")]


def test_a_reviewer_returns_a_turno_to_review(ctx, client):
    reviewer = bearer(ctx, "ana", Role.revisor)
    enlace = bearer(ctx, "enzo", Role.enlace, "programas_sociales")
    document_id, _ = routed(ctx)
    url, version = f"/api/v1/documents/{document_id}/return", version_of(ctx, document_id)
    refused = client.post(url, headers=enlace, json={"version": version, "note": "No es nuestro"})
    assert refused.status_code == 403 and code_of(refused) == "forbidden"
    empty = client.post(url, headers=reviewer, json={"version": version, "note": " "})
    assert empty.status_code == 422 and code_of(empty) == "invalid_input"
    assert client.post(url, headers=reviewer, json={"version": version}).status_code == 422  # no note at all
    assert client.post(url, headers=reviewer, json={"version": version - 1, "note": "Otra"}).status_code == 409
    answer = client.post(url, headers=reviewer, json={"version": version, "note": "Corresponde a infraestructura"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"id": document_id, "state": "review", "version": version_of(ctx, document_id)}
    assert [i["id"] for i in client.get("/api/v1/queue", headers=reviewer).json()["items"]] == [document_id]
    assert logged(ctx, document_id)[-1] == ("return", "ana", "api")


def test_openapi_describes_the_actions(client):
    spec = client.get("/api/v1/openapi.json").json()
    actions = {f"/documents/{{document_id}}/{action}" for action in ("dismiss", "split", "merge", "progress",
                                                                     "answer", "return")}
    assert actions | {"/documents/{document_id}/pages/{number}/transcription"} <= set(spec["paths"])
    assert "no file upload" in spec["paths"]["/documents/{document_id}/answer"]["post"]["description"]
