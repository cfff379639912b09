"""Issue 15, acuse de recibo: every petition has a reception folio from the moment it is recorded; capture shows
the clerk's latest captures with it, and prints a receipt with the folio, date, channel and what was asked, and
no other personal data; the API answers with it and the document page shows it."""

from __future__ import annotations

import os
import re
import subprocess

from fastapi.testclient import TestClient

from pipeline import runner
from review.web.app import create_app
from storage.tables import AccessEntry, Role, utcnow
from tests.review_helpers import make_user
from tests.test_api_intake import URL, bearer
from tests.test_review_web import csrf_of, log_in
from watch_folders.intake import IncomingFile, take_in

TEXT = "Llamó para pedir una despensa; su esposo perdió el trabajo y tienen tres hijos pequeños."


def test_a_captured_petition_gets_a_folio_and_a_receipt_without_other_personal_data(ctx):
    make_user(ctx, "caro", Role.capturista)
    make_user(ctx, "gina", Role.gerente)
    with TestClient(create_app(ctx), follow_redirects=False) as client:
        log_in(client, "caro")
        form = client.get("/captura")
        client.post("/captura", data={"csrf": csrf_of(form.text), "channel": "telefono", "text": TEXT,
                                      "campo_name": "Rosa Elena Valenzuela Ruiz", "campo_phone": "662 123 4567"})
        assert "recibiéndose" in client.get("/captura").text  # not taken in yet: no folio to give
        [dropped] = list((ctx.settings.inbox / "telefono").iterdir())  # what the watcher does with it
        info = os.lstat(dropped)
        taken = take_in(IncomingFile(dropped, "telefono", info.st_size, info.st_mtime_ns, utcnow()),
                        ctx.settings.archive, ctx.settings.quarantine, ctx.sessions, remove_source=True)
        runner.process(ctx, taken.document_id)
        listed = client.get("/captura").text
        folio = re.search(r"REC-\d{4}-\d{6}", listed).group(0)
        assert folio.endswith(f"{taken.document_id:06d}")
        assert f'href="/documentos/{taken.document_id}/acuse.pdf"' in listed
        assert folio in client.get(f"/documentos/{taken.document_id}").text
        receipt = client.get(f"/documentos/{taken.document_id}/acuse.pdf")
        assert receipt.status_code == 200 and receipt.headers["content-type"] == "application/pdf"
        text = subprocess.run(["pdftotext", "-", "-"], input=receipt.content, capture_output=True,
                              timeout=60).stdout.decode()
        assert "ACUSE DE RECIBO" in text and folio in text and "Teléfono" in text
        assert "Petición" in text and "se registra en unos minutos" not in text  # what was asked, in a line
        assert "662" not in text and "Valenzuela" not in text  # no other personal data
        client.cookies.clear()
        log_in(client, "gina")
        assert client.get(f"/documentos/{taken.document_id}/acuse.pdf").status_code == 403
    with ctx.sessions() as session:
        assert session.query(AccessEntry).filter_by(action="download_receipt", target=folio).count() == 1


def test_the_api_answers_with_the_reception_folio(ctx):
    with TestClient(create_app(ctx), follow_redirects=False) as client:
        answer = client.post(URL, headers=bearer(ctx, "caro", Role.capturista),
                             json={"text": TEXT, "channel": "telefono"})
    assert answer.status_code == 201
    body = answer.json()
    assert re.fullmatch(rf"REC-\d{{4}}-{body['id']:06d}", body["reception_folio"])


def test_a_request_sent_again_with_its_idempotency_key_gets_the_first_answer_and_no_second_document(ctx):
    from sqlalchemy import select

    from storage.tables import Document
    from tests.test_api_intake import png

    headers = {**bearer(ctx, "caro", Role.capturista), "Idempotency-Key": "envio-7f3a"}
    with TestClient(create_app(ctx), follow_redirects=False) as client:
        first = client.post(URL, headers=headers, files={"file": ("foto.png", png(TEXT), "image/png")})
        again = client.post(URL, headers=headers, files={"file": ("foto.png", png(TEXT), "image/png")})
        typed = client.post(URL, headers=headers, json={"text": TEXT})  # the key names the first sending only
        other = client.post(URL, headers={**headers, "Idempotency-Key": "envio-otro"}, json={"text": TEXT})
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert typed.json()["id"] == first.json()["id"] and other.json()["id"] != first.json()["id"]
    with ctx.sessions() as session:
        assert len(session.scalars(select(Document)).all()) == 2
