"""Issue 15, photos at jornadas: two phone photos of a two-page letter (in perspective, on a desk, unevenly lit,
one held sideways with its EXIF turn) posted as one multipart request become one 2-page petition of the channel
jornadas whose text holds most of the letter's words."""

from __future__ import annotations

import re

from storage import documents
from storage.tables import Role, State
from tests import damage
from tests.pages import LETTERS, render_page
from tests.test_api_intake import URL, bearer, client, rows, run_queued, tasks  # noqa: F401  (fixtures)


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-záéíóúüñ]+", text.lower()) if len(w) > 3}


def test_two_phone_photos_become_one_two_page_petition_that_reads(ctx, client, tasks, tmp_path):  # noqa: F811
    sheets = [LETTERS[0], LETTERS[1]]
    photos = []
    for number, (text, orientation) in enumerate(zip(sheets, (1, 6)), 1):
        shot = damage.photo(render_page(text, font_size=48), seed=number)
        path = damage.save_oriented(shot, tmp_path / f"foto-{number}.jpg", orientation)
        photos.append(("file", (path.name, path.read_bytes(), "image/jpeg")))
    answer = client.post(URL, headers=bearer(ctx, "lupe", Role.capturista), data={"channel": "jornadas"},
                         files=photos)
    assert answer.status_code == 201, answer.text
    [row] = rows(ctx)
    assert row.channel == "jornadas"
    assert run_queued(tasks) == 1
    [row] = rows(ctx)
    assert row.state == State.review
    with ctx.sessions() as session:
        pages = documents.pages(session, row.id)
        text = "\n".join(p.text for p in pages)
    assert len(pages) == 2
    written = words(" ".join(sheets))
    share = len(written & words(text)) / len(written)
    assert share >= 0.8, f"{share:.2f} of the letter's words read"


def test_the_capture_page_takes_phone_photos_once_even_when_sent_again(ctx, tmp_path):
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from review.web.app import create_app
    from storage.tables import Document, Event
    from tests.review_helpers import make_user
    from tests.test_review_web import csrf_of, log_in

    make_user(ctx, "lupe", Role.capturista)
    make_user(ctx, "gina", Role.gerente)
    photos = []
    for number, text in enumerate(LETTERS[:2], 1):
        path = damage.save_oriented(damage.photo(render_page(text, font_size=48), seed=number),
                                    tmp_path / f"hoja-{number}.jpg", 1)
        photos.append(("file", (path.name, path.read_bytes(), "image/jpeg")))
    with TestClient(create_app(ctx), follow_redirects=False) as web:
        log_in(web, "lupe")
        form = web.get("/captura").text
        assert 'capture="environment"' in form and 'action="/captura/fotos"' in form
        sending = re.search(r'name="envio" value="([0-9a-f]+)"', form).group(1)
        fields = {"csrf": csrf_of(form), "envio": sending, "nota": "Jornada en Navojoa, mesa 3."}
        first = web.post("/captura/fotos", data=fields, files=photos)
        assert first.status_code == 303 and first.headers["location"].startswith("/captura?recibido=")
        again = web.post("/captura/fotos", data=fields, files=photos)  # the connection failed: sent again
        assert again.headers["location"] == first.headers["location"]
        shown = web.get(first.headers["location"]).text
        assert re.search(r"REC-\d{4}-\d{6}", shown) and "Imprimir acuse" in shown
        web.cookies.clear()
        log_in(web, "gina")
        assert web.post("/captura/fotos", data=fields, files=photos).status_code == 403
    with ctx.sessions() as session:
        [document] = session.scalars(select(Document)).all()  # one petition, not two
        arrival = session.scalar(select(Event).where(Event.document_id == document.id,
                                                     Event.kind == "document_received"))
    assert document.channel == "jornadas" and arrival.detail["nota"] == "Jornada en Navojoa, mesa 3."
