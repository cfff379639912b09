"""Derecho de acceso (ARCO): an admin exports, as one owner-only ZIP, everything held about a petitioner's documents
(a Spanish summary, the data as JSON, copies of the files), from the search page or the terminal; each document
included goes to the access log; anyone else, or an unknown document, gets nothing written."""

from __future__ import annotations

import datetime as dt
import io
import json
import stat
import zipfile

import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF
from typer.testing import CliRunner

from pipeline.cli import app
from review.errors import DocumentNotFound, Forbidden, InvalidInput
from review.reports import arco
from review.turnos import calendar, followup, routing
from review.web.app import create_app
from storage import access
from storage.tables import Role, utcnow
from tests.review_helpers import actor, document_in_review, make_user, version_of
from tests.test_review_web import csrf_of, log_in

ORIGINAL = b"%PDF-1.4\n% el escaneo tal como llego\n%%EOF\n"


def pdf_of(line: str) -> bytes:
    pdf = FPDF(format="letter")
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=line)
    return bytes(pdf.output())


@pytest.fixture
def client(ctx):
    with TestClient(create_app(ctx), follow_redirects=False) as c:
        yield c


@pytest.fixture
def concluded(ctx) -> dict:
    """A petition read, confirmed with a corrected name, routed and answered with a PDF; its original archived."""
    make_user(ctx, "admin", Role.admin)
    make_user(ctx, "ana", Role.revisor)
    make_user(ctx, "enzo", Role.enlace, "programas_sociales")
    original = ctx.settings.archive / "00" / "00" / "x.pdf"  # where document_in_review says it is archived
    original.parent.mkdir(parents=True, exist_ok=True)
    original.write_bytes(ORIGINAL)
    received = dt.datetime(2026, 3, 2, 16, 5, tzinfo=dt.timezone.utc)  # 09:05 in Hermosillo
    document_id = document_in_review(ctx, received_at=received, pdf=pdf_of("Solicito apoyo de Las Jefas"))
    confirmed = {"name": "María Peña de Ávila", "phone": "+526622139087"}
    folio = routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id),
                            program="las_jefas", fields=confirmed).folio
    today = calendar.local_date(utcnow(), ctx.settings.timezone)
    followup.answer(ctx, actor(ctx, "enzo"), document_id, version=version_of(ctx, document_id), answered_on=today,
                    text="Se le incorporó al padrón de Las Jefas.", pdf=pdf_of("Oficio de respuesta"))
    routing.rectify(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id),
                    fields={**confirmed, "phone": "+526441002030"}, note="La ciudadana pidió corregir su teléfono.")
    other = document_in_review(ctx, fields={"name": {"value": "María Peña Ávila", "score": 0.9}})
    return {"id": document_id, "other": other, "folio": folio, "original": original}


def zip_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def arco_entries(ctx, document_id: int) -> list:
    with ctx.sessions() as session:
        return [e for e in access.entries(session, document_id=document_id) if e.action == "arco_access"]


def test_the_expediente_holds_the_summary_the_data_and_copies_of_the_files(ctx, concluded, tmp_path):
    out = tmp_path / "entrega" / "expediente.zip"
    summary = arco.dossier(ctx, actor(ctx, "admin"), [concluded["id"], concluded["other"], concluded["id"]], out)

    assert (summary.documents, summary.files) == (2, 5)  # original, PDF, slip and answer; the other's original
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not [p for p in out.parent.iterdir() if p != out]  # no partial file left beside it
    files = zip_of(out.read_bytes())
    document_id = concluded["id"]
    summary_text = files["resumen.txt"].decode("utf-8")
    assert "DERECHO DE ACCESO" in summary_text and f"DOCUMENTO {document_id}" in summary_text
    assert "Fecha y hora de recepción: 02/03/2026 09:05" in summary_text  # the office's clock, not UTC
    assert "Medio de recepción: Correspondencia" in summary_text and "Estado: concluido" in summary_text
    assert "Nombre del peticionario: María Peña Ávila" in summary_text  # what the machine read
    assert "Nombre del peticionario: María Peña de Ávila" in summary_text  # what the reviewer confirmed
    assert "Teléfono: 644 100 2030" in summary_text  # as rectified...
    assert "sustituidos por una corrección" in summary_text and "Teléfono: 662 213 9087" in summary_text  # ...and before
    assert "corrección: La ciudadana pidió corregir su teléfono." in summary_text
    assert f"Folio {concluded['folio']} (turno 1)" in summary_text and "Programa: Las Jefas" in summary_text
    assert "Respuesta al ciudadano" in summary_text and "Se le incorporó al padrón de Las Jefas." in summary_text
    assert "ana · Turnó (web)" in summary_text and "enzo · Registró la respuesta (web)" in summary_text  # bitácora
    assert "Solicito una silla de ruedas" in summary_text  # the pages' text

    data = json.loads(files["expediente.json"])
    first, second = data["documents"]
    assert (first["id"], second["id"], data["generated_by"]) == (document_id, concluded["other"], "admin")
    assert first["state"] == "concluded" and first["channel"] == "correspondencia"
    assert first["received_at"] == "2026-03-02T16:05:00+00:00"
    assert first["confirmed"]["fields"] == {"name": "María Peña de Ávila", "phone": "+526441002030"}
    assert (first["confirmed"]["kind"], first["confirmed"]["by"]) == ("rectify", "ana")
    assert [c["fields"]["phone"] for c in first["confirmed_before"]] == ["+526622139087"]
    assert first["extracted"]["fields"]["name"]["value"] == "María Peña Ávila"
    [turno] = first["turnos"]
    assert (turno["folio"], turno["program"], turno["directorate"]) == (concluded["folio"], "las_jefas",
                                                                        "programas_sociales")
    assert [f["kind"] for f in turno["followups"]] == ["answer"] and turno["followups"][0]["file"]
    assert [a["action"] for a in first["access_log"]] == ["decision", "answer", "rectify"]  # oldest first
    assert [e["kind"] for e in first["history"]][-2:] == ["answered", "petitioner_corrected"]
    assert second["confirmed"] is None and second["turnos"] == []

    assert files[f"archivos/{document_id}/original.pdf"] == ORIGINAL  # the bytes as received
    assert files[f"archivos/{document_id}/documento-{document_id}.pdf"].startswith(b"%PDF")
    assert files[turno["followups"][0]["file"]].startswith(b"%PDF")
    assert files[turno["slip"]].startswith(b"%PDF")
    assert {f["kind"] for f in first["files"]} == {"original", "pdf", "slip", "answer"}
    assert concluded["original"].read_bytes() == ORIGINAL  # copied, never moved or changed

    for each in (document_id, concluded["other"]):
        [entry] = arco_entries(ctx, each)  # once per document, the repeated id included once
        assert (entry.user_name, entry.target, entry.via) == ("admin", "expediente.zip", "web")


def test_an_unknown_document_an_empty_list_or_a_reviewer_get_nothing_written(ctx, concluded, tmp_path):
    out = tmp_path / "expediente.zip"
    with pytest.raises(DocumentNotFound):
        arco.dossier(ctx, actor(ctx, "admin"), [concluded["id"], 9999], out)
    with pytest.raises(InvalidInput) as empty:
        arco.dossier(ctx, actor(ctx, "admin"), [], out)
    assert "al menos un documento" in empty.value.user_message
    with pytest.raises(Forbidden):
        arco.dossier(ctx, actor(ctx, "ana"), [concluded["id"]], out)
    assert list(tmp_path.iterdir()) == [ctx.settings.home]  # not the ZIP, nor a partial one
    assert arco_entries(ctx, concluded["id"]) == []

    out.write_bytes(b"otro archivo")
    with pytest.raises(InvalidInput):  # never replaces a file
        arco.dossier(ctx, actor(ctx, "admin"), [concluded["id"]], out)
    assert out.read_bytes() == b"otro archivo"


def test_an_admin_ticks_search_results_and_downloads_the_zip(ctx, concluded, client):
    log_in(client, "admin")
    found = client.get("/buscar", params={"q": "maria pena"})
    assert 'value="%d" form="arco-form"' % concluded["id"] in found.text
    assert "Exportar expediente ARCO (derecho de acceso)" in found.text
    answer = client.post("/arco/expediente", data={"csrf": csrf_of(found.text),
                                                  "documento": [str(concluded["id"]), str(concluded["other"])]})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "expediente-arco-" in disposition
    files = zip_of(answer.content)
    assert files[f"archivos/{concluded['id']}/original.pdf"] == ORIGINAL
    [entry] = arco_entries(ctx, concluded["other"])
    assert entry.target.startswith("expediente-arco-") and entry.target.endswith(".zip")
    assert not list(ctx.settings.home.glob(".arco-*"))  # the temporary copy is gone once sent

    assert client.post("/arco/expediente", data={"csrf": "falso", "documento": str(concluded["id"])}).status_code == 403
    assert client.post("/arco/expediente", data={"csrf": csrf_of(found.text)}).status_code == 422
    assert client.post("/arco/expediente", data={"csrf": csrf_of(found.text), "documento": "9999"}).status_code == 404
    assert not list(ctx.settings.home.glob(".arco-*"))


def test_a_reviewer_sees_no_checkboxes_and_is_refused(ctx, concluded, client):
    log_in(client, "ana")
    found = client.get("/buscar", params={"q": "maria pena"})
    assert found.status_code == 200 and f'/documentos/{concluded["id"]}' in found.text
    assert 'form="arco-form"' not in found.text and "Exportar expediente ARCO" not in found.text
    answer = client.post("/arco/expediente", data={"csrf": csrf_of(found.text), "documento": str(concluded["id"])})
    assert answer.status_code == 403
    assert arco_entries(ctx, concluded["id"]) == []
    assert not list(ctx.settings.home.glob(".arco-*"))


def cli(monkeypatch, ctx, *arguments: str):
    monkeypatch.setenv("PETICIONES_HOME", str(ctx.settings.home))
    return CliRunner().invoke(app, ["arco", "acceso", *arguments])


def test_the_terminal_writes_the_expediente_for_an_active_admin_only(ctx, concluded, tmp_path, monkeypatch):
    out = tmp_path / "entrega" / "expediente-maria.zip"
    refused = cli(monkeypatch, ctx, "--documento", str(concluded["id"]), "--out", str(out), "--usuario", "ana")
    assert refused.exit_code == 2 and "no es administrador" in refused.output
    unknown = cli(monkeypatch, ctx, "--documento", str(concluded["id"]), "--out", str(out), "--usuario", "nadie")
    assert unknown.exit_code == 2 and "No existe ese usuario" in unknown.output
    missing = cli(monkeypatch, ctx, "--documento", "9999", "--out", str(out), "--usuario", "admin")
    assert missing.exit_code == 2 and "No existe ese documento" in missing.output
    assert not out.exists() and arco_entries(ctx, concluded["id"]) == []

    done = cli(monkeypatch, ctx, "--documento", str(concluded["id"]), "--documento", str(concluded["other"]),
               "--out", str(out), "--usuario", "admin")
    assert done.exit_code == 0, done.output
    assert "2 documento(s) y 5 archivo(s)" in done.output and str(out) in done.output
    assert json.loads(done.stdout.strip().splitlines()[-1])["documents"] == 2
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "María Peña de Ávila" in zip_of(out.read_bytes())["resumen.txt"].decode("utf-8")
    [entry] = arco_entries(ctx, concluded["id"])
    assert (entry.user_name, entry.via, entry.target) == ("admin", "cli", "expediente-maria.zip")


def test_expedientes_left_by_a_stopped_server_are_removed_when_the_app_starts_only_once_old(ctx):
    import os
    import time

    from review.web.admin import SCRATCH_MAX_AGE

    old, recent = ctx.settings.home / ".arco-viejo", ctx.settings.home / ".arco-en-curso"
    for folder in (old, recent):
        folder.mkdir(parents=True)
        (folder / "expediente-arco.zip").write_bytes(b"PK")
    stale = time.time() - SCRATCH_MAX_AGE - 60
    os.utime(old, (stale, stale))
    create_app(ctx)
    assert not old.exists() and (recent / "expediente-arco.zip").exists()  # another process may be sending it


def test_a_scan_split_into_two_petitions_is_not_handed_whole_to_either_citizen(ctx, concluded, tmp_path):
    from review.turnos import regroup
    from tests.test_review_documents import add_pages

    both = document_in_review(ctx, text="Rosa Ruiz solicita una silla de ruedas.")
    add_pages(ctx, both, ["Juan Soto solicita una despensa."])
    juan = regroup.split(ctx, actor(ctx, "ana"), both, version=version_of(ctx, both), at_page=2)
    for document_id in (both, juan):
        out = tmp_path / f"expediente-{document_id}.zip"
        arco.dossier(ctx, actor(ctx, "admin"), [document_id], out)
        files = zip_of(out.read_bytes())
        assert not any(name.endswith(f"{document_id}/original.pdf") for name in files), document_id
        assert f"archivos/{document_id}/documento-{document_id}.pdf" in files  # its own pages only
        assert "contiene también páginas de otras peticiones" in files["resumen.txt"].decode()
        assert json.loads(files["expediente.json"])["documents"][0]["original_shared"] is True
    whole = tmp_path / "expediente-concluido.zip"
    arco.dossier(ctx, actor(ctx, "admin"), [concluded["id"]], whole)
    assert zip_of(whole.read_bytes())[f"archivos/{concluded['id']}/original.pdf"] == ORIGINAL  # a scan of its own
