"""POST /api/v1/documents: typed petitions and files received through the API, checked, archived and quarantined
as from the inbox, processed by the watcher's queue task, with every refusal typed."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from review.errors import (BodyTooLarge, Forbidden, InvalidInput, MalformedBody, NotAuthenticated, TextTooLong,
                           TooManyFiles, UnknownChannel, UnsupportedBody)
from watch_folders.errors import ContentMismatch, EmptyFile, ImageTooLarge, UnsupportedType
from pipeline.queue import TaskQueue
from review import labels
from review.web.app import create_app
from storage import access
from storage.tables import Document, Event, Page, Role, State
from tests.pages import LETTERS, save_pdf, small_page
from tests.review_helpers import PASSWORD, make_user
from tests.test_review_api import bearer
from tests.test_review_web import log_in

URL = "/api/v1/documents"
TEXT = ("Solicito de la manera más atenta una silla de ruedas para mi madre, que tiene ochenta años y ya no puede "
        "caminar. Vivimos en Hermosillo.")


@pytest.fixture
def client(ctx):
    with TestClient(create_app(ctx), follow_redirects=False) as c:
        yield c


@pytest.fixture
def tasks(ctx):
    """The queue the watcher's workers consume (the same Huey storage in HOME)."""
    return TaskQueue(ctx).huey


def run_queued(tasks) -> int:
    """Run every queued task as a worker would; returns how many ran."""
    ran = 0
    while (task := tasks.dequeue()) is not None:
        tasks.execute(task)
        ran += 1
    return ran


def png(text: str) -> bytes:
    buffer = io.BytesIO()
    small_page(text).save(buffer, "PNG", dpi=(150, 150))
    return buffer.getvalue()


def pdf(tmp_path: Path, text: str) -> bytes:
    return save_pdf(tmp_path / "carta.pdf", [small_page(text)], resolution=150).read_bytes()


def rows(ctx) -> list[Document]:
    with ctx.sessions() as session:
        return list(session.scalars(select(Document).order_by(Document.id)))


def refused(answer, error) -> dict:
    """The answer carries the refusal's HTTP status, stable code and Spanish message."""
    assert answer.status_code == error.http_status, answer.text
    detail = answer.json()["detail"]
    assert detail["code"] == error.code
    return detail


def test_a_typed_petition_is_archived_recorded_and_reaches_review_through_the_watchers_queue(ctx, client, tasks):
    headers = bearer(ctx, "caro", Role.capturista)
    answer = client.post(URL, headers=headers, json={"text": TEXT, "petitioner": {"name": "María Peña Ávila",
                                                                                  "phone": "662 213 9087"}})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["state"] == "received" and body["duplicate_of"] is None
    [row] = rows(ctx)
    assert row.id == body["id"] and row.channel == "sistema" and row.state == State.received
    archived = ctx.settings.archive / row.archive_path
    assert hashlib.sha256(archived.read_bytes()).hexdigest() == row.sha256 and archived.suffix == ".pdf"
    assert not list((ctx.settings.archive / "tmp").iterdir())  # nothing left behind in staging

    assert run_queued(tasks) == 1
    shown = client.get(f"{URL}/{row.id}", headers=headers).json()
    assert shown["state"] == "review" and shown["channel"] == "sistema"
    assert "silla de ruedas" in " ".join(p["text"] for p in shown["pages"])
    assert shown["fields"]["name"]["value"] == "María Peña Ávila"
    with ctx.sessions() as session:
        [arrival] = session.scalars(select(Event).where(Event.document_id == row.id,
                                                        Event.kind == "document_received")).all()
        assert arrival.actor == "caro" and arrival.detail["via"] == "api"
        assert labels.event({"kind": arrival.kind, "detail": arrival.detail}) == "Recibido por la API"
        [entry] = [e for e in access.entries(session, user_name="caro") if e.action == "receive"]
    assert entry.document_id == row.id and entry.via == "api" and entry.target.startswith("sistema/captura-")


def test_a_typed_letter_s_wrapped_lines_read_back_whole_and_give_its_fields(ctx, client, tasks):
    # The typed text is set in a PDF: justified, a wrapped line's words came back one a line and its last word at
    # the page's end, so the phone and the town typed there were lost
    letter = ("La que suscribe, Julieta Salazar Ruiz, con CURP SARJ010828MCHLZLA8, con domicilio en Calle Kino 12, "
              "Col. Centro, Altar, Sonora, teléfono (662) 213-0987, correo julieta.salazar12@hotmail.com, solicito "
              "una silla de ruedas para mi madre.")  # the address wraps whole: the line before it is stretched
    headers = bearer(ctx, "caro", Role.capturista)
    assert client.post(URL, headers=headers, json={"text": letter}).status_code == 201
    assert run_queued(tasks) == 1
    [row] = rows(ctx)
    shown = client.get(f"{URL}/{row.id}", headers=headers).json()
    lines = [line for line in shown["pages"][0]["text"].split("\n") if line.strip()]
    assert all(len(line.split()) > 3 for line in lines[1:-1])                    # no word alone on a line
    assert " ".join(" ".join(lines[1:]).split()) == letter                        # in the order typed
    fields = shown["fields"]
    assert fields["phone"]["national"] == "662 213 0987" and fields["municipality"]["value"] == "Altar"
    assert fields["email"]["value"] == "julieta.salazar12@hotmail.com"


def test_two_files_become_one_document_with_their_pages_in_order(ctx, client, tasks, tmp_path):
    headers = bearer(ctx, "rita", Role.revisor)
    image, letter = png(LETTERS[0]), pdf(tmp_path, LETTERS[1])
    answer = client.post(URL, headers=headers, data={"channel": "jornadas"},
                         files=[("file", ("hoja-1.png", image, "image/png")),
                                ("file", ("hoja-2.pdf", letter, "application/pdf"))])
    assert answer.status_code == 201, answer.text
    [row] = rows(ctx)
    assert row.channel == "jornadas" and row.original_name == "hoja-1+hoja-2.pdf"
    with ctx.sessions() as session:
        [arrival] = session.scalars(select(Event).where(Event.document_id == row.id,
                                                        Event.kind == "document_received")).all()
    parts = arrival.detail["parts"]
    assert [p["name"] for p in parts] == ["hoja-1.png", "hoja-2.pdf"]
    for part, sent in zip(parts, (image, letter)):  # each file is kept in the archive as it was sent
        assert (ctx.settings.archive / part["archive_path"]).read_bytes() == sent
        assert part["sha256"] == hashlib.sha256(sent).hexdigest()
    assert "2 archivos unidos" in labels.event({"kind": arrival.kind, "detail": arrival.detail})

    assert run_queued(tasks) == 1
    with ctx.sessions() as session:
        pages = session.scalars(select(Page).where(Page.document_id == row.id).order_by(Page.number)).all()
        assert session.get(Document, row.id).state == State.review
    assert [p.number for p in pages] == [1, 2]
    assert "silla de ruedas" in pages[0].text and "agua potable" in pages[1].text


def test_the_same_file_again_is_recorded_as_a_duplicate_and_not_processed(ctx, client, tasks):
    headers = bearer(ctx, "rita", Role.revisor)
    image = png(LETTERS[2])
    first = client.post(URL, headers=headers, files={"file": ("a.png", image, "image/png")}).json()
    again = client.post(URL, headers=headers, files={"file": ("b.png", image, "image/png")})
    assert again.status_code == 201
    assert again.json()["state"] == "duplicate" and again.json()["duplicate_of"] == first["id"]
    assert run_queued(tasks) == 1  # only the first is read


@pytest.mark.parametrize("name, content, error", [
    ("peticion.docx", b"PK\x03\x04 un documento de Word", UnsupportedType),
    ("carta.pdf", b"Esto es texto plano, no un PDF.", ContentMismatch),
    ("vacio.pdf", b"", EmptyFile),
    ("enorme.png", None, ImageTooLarge),
])
def test_a_refused_file_is_quarantined_with_its_reason_and_the_answer_says_why(ctx, client, tasks, name, content,
                                                                                error):
    ctx.settings.max_pixels = 100_000  # a 1240 x 900 page is too large for this office
    content = png(LETTERS[0]) if content is None else content
    headers = bearer(ctx, "caro", Role.capturista)
    answer = client.post(URL, headers=headers, data={"channel": "correo"},
                         files={"file": (name, content, "application/octet-stream")})
    detail = refused(answer, error)
    assert detail["message"] == error.user_message
    [row] = rows(ctx)
    assert row.state == State.quarantined and row.reason_code == error.code and row.reason == error.user_message
    assert row.original_name == name and row.channel == "correo"
    kept = Path(row.quarantine_path)
    assert kept.read_bytes() == content  # the bytes received are kept
    assert f"Código: {error.code}" in kept.with_name(kept.name + ".motivo.txt").read_text(encoding="utf-8")
    assert run_queued(tasks) == 0
    with ctx.sessions() as session:
        [entry] = [e for e in access.entries(session, user_name="caro") if e.action == "receive"]
    assert entry.document_id == row.id


def test_one_refused_file_refuses_the_request_and_only_it_goes_to_quarantine(ctx, client, tasks):
    headers = bearer(ctx, "caro", Role.capturista)
    answer = client.post(URL, headers=headers, files=[("file", ("bien.png", png(LETTERS[0]), "image/png")),
                                                      ("file", ("mal.pdf", b"no soy un pdf", "application/pdf"))])
    refused(answer, ContentMismatch)
    [row] = rows(ctx)
    assert row.original_name == "mal.pdf" and row.state == State.quarantined
    assert run_queued(tasks) == 0


def test_a_body_past_the_limit_is_refused_while_it_arrives(ctx, client):
    ctx.settings.api_max_body_bytes = 20_000
    headers = bearer(ctx, "caro", Role.capturista)
    big = png(LETTERS[0]) + b"\0" * 30_000
    refused(client.post(URL, headers=headers, files={"file": ("grande.png", big, "image/png")}), BodyTooLarge)

    def chunks():  # no Content-Length: the size is counted as the bytes come
        yield b'{"text": "'
        for _ in range(40):
            yield b"x" * 1000
        yield b'"}'

    chunked = client.post(URL, headers={**headers, "Content-Type": "application/json"}, content=chunks())
    assert "content-length" not in chunked.request.headers
    refused(chunked, BodyTooLarge)
    assert rows(ctx) == []
    assert not list((ctx.settings.archive / "tmp").iterdir())


def test_more_files_than_allowed_are_refused(ctx, client):
    ctx.settings.api_max_files = 2
    headers = bearer(ctx, "caro", Role.capturista)
    files = [("file", (f"hoja-{n}.png", png(LETTERS[n]), "image/png")) for n in range(3)]
    detail = refused(client.post(URL, headers=headers, files=files), TooManyFiles)
    assert "hasta 2" in detail["message"]
    assert rows(ctx) == []


def test_bad_json_a_long_text_and_an_unknown_channel_are_refused(ctx, client):
    ctx.settings.api_max_text_chars = 500
    headers = bearer(ctx, "caro", Role.capturista)
    bad = client.post(URL, headers={**headers, "Content-Type": "application/json"}, content=b'{"text": "sin cerrar')
    refused(bad, MalformedBody)
    refused(client.post(URL, headers=headers, json={"text": "x" * 501}), TextTooLong)
    detail = refused(client.post(URL, headers=headers, json={"text": TEXT, "channel": "fax"}), UnknownChannel)
    assert "«fax»" in detail["message"] and "sistema (Sistema interno)" in detail["message"]
    form = client.post(URL, headers=headers, data={"channel": "fax"},
                       files={"file": ("hoja.png", png(LETTERS[0]), "image/png")})
    refused(form, UnknownChannel)
    assert rows(ctx) == []  # a mistaken request quarantines nothing


def test_a_body_neither_json_nor_form_a_form_without_files_and_a_short_text_are_refused(ctx, client):
    headers = bearer(ctx, "caro", Role.capturista)
    refused(client.post(URL, headers={**headers, "Content-Type": "text/plain"}, content=TEXT.encode()),
            UnsupportedBody)
    no_file = refused(client.post(URL, headers=headers, data={"channel": "sistema"},
                                  files={"otro": ("hoja.png", png(LETTERS[0]), "image/png")}), InvalidInput)
    assert "«file»" in no_file["message"]
    short = refused(client.post(URL, headers=headers, json={"text": "Ayuda."}), InvalidInput)
    assert "petición completa" in short["message"]
    refused(client.post(URL, headers=headers, json=["no", "un", "objeto"]), MalformedBody)
    assert rows(ctx) == []


def test_only_capturistas_revisores_and_admins_may_send_and_credentials_are_needed(ctx, client):
    for role in (Role.enlace, Role.gerente):
        headers = bearer(ctx, role.value, role, "programas_sociales" if role == Role.enlace else None)
        refused(client.post(URL, headers=headers, json={"text": TEXT}), Forbidden)
    refused(client.post(URL, json={"text": TEXT}), NotAuthenticated)
    refused(client.post(URL, headers={"Authorization": "Bearer pt_inventado"},
                        files={"file": ("hoja.png", png(LETTERS[0]), "image/png")}), NotAuthenticated)
    assert rows(ctx) == []
    admin = bearer(ctx, "root", Role.admin)
    assert client.post(URL, headers=admin, json={"text": TEXT}).status_code == 201


def test_the_channel_shows_as_sistema_interno_in_the_queue(ctx, client, tasks):
    headers = bearer(ctx, "rita", Role.revisor)
    assert client.post(URL, headers=headers, json={"text": TEXT}).status_code == 201
    run_queued(tasks)
    assert log_in(client, "rita", PASSWORD).status_code == 303
    queue = client.get("/cola").text
    assert "Sistema interno (1)" in queue  # the channel filter, with its count
    assert client.get("/cola?canal=sistema").text.count('<td data-label="Medio">Sistema interno</td>') == 1
