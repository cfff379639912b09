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
