"""Work on a document's pages in review: a typed page re-classifies the document; split and merge of documents
scanned together (the shipped model and the extraction rules run for real)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from review.web.app import create_app
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
    assert 'value="Juana Pérez López"' in shown and "Sugerencias recalculadas tras transcribir una página" in shown
    # The reviewer who saw the old suggestions is told the document changed.
    stale = client.post(f"/documentos/{document_id}/confirmar",
                        data={"csrf": csrf_of(before.text), "version": str(seen), "program": "mano_con_mano"})
    assert stale.status_code == 409
    with ctx.sessions() as session:
        assert ("transcription", "página 1") in [(e.action, e.target) for e in access.entries(session, document_id=document_id)]


def add_pages(ctx, document_id: int, texts: list[str]) -> None:
    """Pages 2.. for a document made by document_in_review, and a page PDF with its text for every page."""
    from fpdf import FPDF

    from pipeline.paths import page_pdf, searchable_pdf
    from storage.tables import Document, Page

    with ctx.sessions.begin() as session:
        for number, text in enumerate(texts, start=2):
            session.add(Page(document_id=document_id, number=number, text=text, confidence=90.0, width=1000, height=1400))
        document = session.get(Document, document_id)
        document.page_count = 1 + len(texts)
        first = session.scalar(select(Page.text).where(Page.document_id == document_id, Page.number == 1))
    pages = []
    for number, text in enumerate([first, *texts], start=1):
        pdf = FPDF(format="letter")
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        pdf.multi_cell(0, 8, text=f"pagina {number}: " + text.encode("latin-1", "replace").decode("latin-1"))
        target = page_pdf(ctx, document_id, number)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(bytes(pdf.output()))
        pages.append(target)
    from ocr import searchable

    searchable.join(pages, searchable_pdf(ctx, document_id))


def pdf_text(path) -> str:
    import subprocess

    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, timeout=60, check=True).stdout


def test_a_reviewer_splits_two_letters_scanned_together_and_merges_them_back(ctx, client):
    from pipeline.paths import searchable_pdf
    from storage.tables import Document, Page, State

    make_user(ctx, "ana", Role.revisor)
    first = document_in_review(ctx, text="Solicito una silla de ruedas para mi hijo, tiene parálisis cerebral.")
    add_pages(ctx, first, ["Mi hijo no puede caminar. Gracias.", HANDWRITTEN, "Anexo: INE de Juana."])
    log_in(client, "ana")
    page = client.get(f"/documentos/{first}")
    assert 'id="split-form"' in page.text and 'id="merge-form"' in page.text
    csrf, seen = csrf_of(page.text), version_of(ctx, first)
    # A stale version, a page out of range: nothing moves.
    assert client.post(f"/documentos/{first}/separar", data={"csrf": csrf, "version": seen - 1, "page": 3}).status_code == 409
    refused = client.post(f"/documentos/{first}/separar", data={"csrf": csrf, "version": seen, "page": 9})
    assert refused.status_code == 422 and "entre 2 y 4" in refused.text
    answer = client.post(f"/documentos/{first}/separar", data={"csrf": csrf, "version": seen, "page": 3})
    assert answer.status_code == 303
    second = int(answer.headers["location"].rsplit("separado-", 1)[1])
    with ctx.sessions() as session:
        one, two = session.get(Document, first), session.get(Document, second)
        assert (one.state, one.page_count, two.state, two.page_count) == (State.review, 2, State.review, 2)
        assert (two.channel, two.received_at, two.archive_path) == (one.channel, one.received_at, one.archive_path)
        moved = [(p.number, p.origin_document_id, p.origin_page) for p in documents.pages(session, second)]
        assert moved == [(1, first, 3), (2, first, 4)]
        assert decisions.latest_suggestions(session, second)["program"].label == "las_jefas"
        assert documents.latest_extraction(session, second).fields["name"]["value"] == "Juana Pérez López"
    assert "pagina 3" in pdf_text(searchable_pdf(ctx, second)) and "pagina 3" not in pdf_text(searchable_pdf(ctx, first))
    assert "pagina 2" in pdf_text(searchable_pdf(ctx, first))
    assert "split" in kinds(ctx, first) and kinds(ctx, second)[:2] == ["document_review", "split_from"]
    shown = client.get(f"/documentos/{second}").text
    assert f'href="/documentos/{first}"' in shown and f"del documento {first}, página 3" in shown
    assert client.get(f"/documentos/{second}/paginas/1.png").headers["content-type"] == "image/png"

    # Merged back: the second's pages follow the first's; the second points at the first.
    page = client.get(f"/documentos/{second}")
    answer = client.post(f"/documentos/{second}/unir", data={"csrf": csrf_of(page.text),
                                                              "version": version_of(ctx, second), "into": first})
    assert answer.status_code == 303 and answer.headers["location"] == f"/documentos/{first}"
    with ctx.sessions() as session:
        one, two = session.get(Document, first), session.get(Document, second)
        assert (one.state, one.page_count) == (State.review, 4)
        assert (two.state, two.duplicate_of, two.reason_code, two.page_count) == (State.duplicate, first, "merged", 0)
        assert [(p.number, p.origin_document_id, p.origin_page) for p in documents.pages(session, first)] == [
            (1, None, None), (2, None, None), (3, first, 3), (4, first, 4)]
        assert session.scalar(select(Page.id).where(Page.document_id == second)) is None
        entries = [(e.action, e.document_id, e.target) for e in access.entries(session) if e.action in ("split", "merge")]
    assert [f"pagina {n}" in pdf_text(searchable_pdf(ctx, first)) for n in (1, 2, 3, 4)] == [True] * 4
    assert ("merge", second, f"documento {first}") in entries and ("split", first, f"documento {second}") in entries
    assert f'href="/documentos/{first}"' in client.get(f"/documentos/{second}").text
    queue = client.get("/cola").text
    assert f'href="/documentos/{first}"' in queue and f'href="/documentos/{second}"' not in queue


def test_merge_needs_another_document_in_review_and_a_reviewer(ctx, client):
    from review.turnos import regroup
    from review.errors import Forbidden, InvalidInput, NotReviewable
    from review.turnos import routing
    from tests.review_helpers import actor

    make_user(ctx, "ana", Role.revisor)
    make_user(ctx, "caro", Role.capturista)
    one, two = document_in_review(ctx), document_in_review(ctx)
    with pytest.raises(InvalidInput):
        regroup.merge(ctx, actor(ctx, "ana"), one, version=version_of(ctx, one), into=one)
    with pytest.raises(Forbidden):
        regroup.merge(ctx, actor(ctx, "caro"), one, version=version_of(ctx, one), into=two)
    with pytest.raises(InvalidInput):
        regroup.split(ctx, actor(ctx, "ana"), one, version=version_of(ctx, one), at_page=2)  # one page only
    routing.confirm(ctx, actor(ctx, "ana"), two, version=version_of(ctx, two), program="las_jefas")
    with pytest.raises(NotReviewable):
        regroup.merge(ctx, actor(ctx, "ana"), one, version=version_of(ctx, one), into=two)
    log_in(client, "caro")
    assert 'id="merge-form"' not in client.get(f"/documentos/{one}").text
