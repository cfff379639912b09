"""Work on a document's pages in review: a typed page re-classifies the document; split and merge of documents
scanned together (the shipped model and the extraction rules run for real)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from review.app import create_app
from storage import access, decisions, documents
from storage.tables import Event, Role
from tests.review_helpers import document_in_review, make_user, version_of
from tests.test_review_web import csrf_of, log_in

HANDWRITTEN = """Hermosillo, Sonora a 3 de marzo de 2026
C. Secretaria de Desarrollo Social
Por medio de la presente solicito el apoyo del programa Las Jefas, soy madre soltera y jefa de familia y quiero
poner un negocio de costura.
Atentamente
Juana Pérez López
Tel. 662 123 4567"""


@pytest.fixture
def client(ctx):
    with TestClient(create_app(ctx), follow_redirects=False) as c:
        yield c


def kinds(ctx, document_id: int) -> list[str]:
    with ctx.sessions() as session:
        return list(session.scalars(select(Event.kind).where(Event.document_id == document_id).order_by(Event.id)))


def test_a_typed_page_gives_new_suggestions_and_fields(ctx, client):
    make_user(ctx, "ana", Role.revisor)
    document_id = document_in_review(ctx, text="S0l1c1t0 ap0y0 ... (ilegible)", needs_transcription=True,
                                     program="ayudas_sociales_diversas", score=0.35)
    log_in(client, "ana")
    before = client.get(f"/documentos/{document_id}")
    seen = version_of(ctx, document_id)
    answer = client.post(f"/documentos/{document_id}/paginas/1/transcripcion",
                         data={"csrf": csrf_of(before.text), "text": HANDWRITTEN})
    assert answer.status_code == 303
    with ctx.sessions() as session:
        suggested = decisions.latest_suggestions(session, document_id)
        fields = documents.latest_extraction(session, document_id).fields
    assert suggested["program"].label == "las_jefas" and suggested["directorate"].label == "programas_sociales"
    assert suggested["program"].model_version.startswith("peticiones-")
    assert fields["name"]["value"] == "Juana Pérez López" and fields["phone"]["national"] == "662 123 4567"
    assert kinds(ctx, document_id)[-3:] == ["transcribed", "suggested", "reclassified"]
    shown = client.get(f"/documentos/{document_id}").text
    assert "Las Jefas" in shown.split('id="suggestion"')[1].split("</p>")[0]
    assert 'value="Juana Pérez López"' in shown and "reclassified" in shown
    # The reviewer who saw the old suggestions is told the document changed.
    stale = client.post(f"/documentos/{document_id}/confirmar",
                        data={"csrf": csrf_of(before.text), "version": str(seen), "program": "mano_con_mano"})
    assert stale.status_code == 409
    with ctx.sessions() as session:
        assert ("transcription", "página 1") in [(e.action, e.target) for e in access.entries(session, document_id=document_id)]
