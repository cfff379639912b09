"""Posible duplicado: the same petition received twice with different bytes is flagged on both documents, when
the texts are near-identical and the petitioner agrees; a mass petition signed by different people is not."""

from __future__ import annotations

import textwrap

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from classifiers import fingerprint as fp
from review.turnos import routing
from review.reports import views
from review.web.app import create_app
from storage import database, fingerprints
from storage.tables import Role, SimilarText
from tests.review_helpers import actor, document_in_review, make_user, version_of
from tests.test_review_web import csrf_of, log_in

LETTER = ("Hermosillo, Sonora, a 12 de marzo de 2026. C. Secretaria de Desarrollo Social del Estado de Sonora. "
          "Presente. Por medio de la presente me dirijo a usted de la manera más atenta para solicitar una silla de "
          "ruedas para mi esposo, Juan Carlos Moreno Valenzuela, de 67 años, quien perdió la pierna derecha por la "
          "diabetes. Vivimos en la colonia Las Minitas, calle Sahuaro número 214, y no contamos con recursos para "
          "comprarla. Anexo copia de su credencial y de la receta médica. Sin otro particular, agradezco su "
          "atención. Atentamente, María Guadalupe Ruiz Durazo. Tel. 662 318 4471.")
OTHER = ("Navojoa, Son., 3 de febrero de 2026. A quien corresponda: por medio de la presente los vecinos de la "
         "colonia Juárez, sector oriente, solicitamos de la manera más atenta su apoyo para que llegue la red de "
         "agua potable a las calles Guerrero y Morelos. Desde hace más de un año acarreamos el agua en tambos desde "
         "la tienda de la esquina y los niños se enferman del estómago. Somos 38 familias. Firmamos al reverso. "
         "Representante: José Ángel Yocupicio Buitimea.")
TEMPLATE = ("Hermosillo, Sonora. C. Secretario de Desarrollo Social. Presente. Los abajo firmantes, vecinos de la "
            "colonia Altares, por medio de la presente solicitamos de la manera más atenta la pavimentación de la "
            "calle Reforma, que en tiempo de lluvias queda intransitable y los niños no pueden llegar a la escuela. "
            "Agradecemos de antemano su atención. Atentamente, {name}, domicilio calle Reforma {number}.")


def ocr_like(text: str) -> str:
    """The same letter read from another scan: look-alike letters, lost accents, other line breaks."""
    slipped = (text.replace("ó", "o").replace("é", "e").replace("m", "rn", 3).replace("l", "1", 4)
               .replace("o", "0", 3).replace(" de ", " dc ", 2))
    return "\n".join(textwrap.wrap(slipped, width=47))


def person(name: str, **more) -> dict:
    return {"name": {"value": name, "score": 0.9}, **{k: {"value": v, "score": 0.9} for k, v in more.items()}}


def duplicates(ctx, *ids) -> dict[int, list[int]]:
    with ctx.sessions() as session:
        return fingerprints.possible_duplicates(session, ids)


def near_identical(ctx, a: int, b: int) -> bool:
    with ctx.sessions() as session:
        return session.get(SimilarText, (a, b)) is not None


@pytest.fixture
def client(ctx):
    with TestClient(create_app(ctx), follow_redirects=False) as c:
        yield c


def test_the_fingerprint_ignores_ocr_slips_and_wrapping_and_tells_letters_apart():
    same = fp.similarity(fp.fingerprint(LETTER), fp.fingerprint(ocr_like(LETTER)))
    other = fp.similarity(fp.fingerprint(LETTER), fp.fingerprint(OTHER))
    assert same >= fp.THRESHOLD > other
    assert set(fp.fingerprint(LETTER).keys) & set(fp.fingerprint(ocr_like(LETTER)).keys)
    assert fp.fingerprint("Solicito una silla de ruedas para mi hijo.") is None  # too short to tell apart


def test_the_same_letter_scanned_twice_is_flagged_on_both_the_newer_pointing_at_the_older(ctx):
    older = document_in_review(ctx, text=LETTER, fields=person("María Guadalupe Ruiz Durazo", phone="6623184471"))
    newer = document_in_review(ctx, text=ocr_like(LETTER), fields=person("Maria Guadalupe Ruiz Durazc"))
    unrelated = document_in_review(ctx, text=OTHER, fields=person("José Ángel Yocupicio Buitimea"))
    assert duplicates(ctx, older, newer, unrelated) == {older: [newer], newer: [older]}
    ana = actor(ctx, make_user(ctx, "ana", Role.revisor))
    with ctx.sessions() as session:
        flags = {item["id"]: item["flags"] for item in views.items(session, [older, newer, unrelated])}
        shown = views.document(session, ana, newer, "America/Hermosillo")
    assert "possible_duplicate" in flags[older] and "possible_duplicate" in flags[newer]
    assert "possible_duplicate" not in flags[unrelated]
    assert shown["possible_duplicates"] == [{"id": older, "state": "review", "folio": None}]


def test_a_mass_petition_signed_by_different_people_is_not_flagged(ctx):
    juan = document_in_review(ctx, text=TEMPLATE.format(name="Juan Pérez Soto", number=12),
                              fields=person("Juan Pérez Soto"))
    ana = document_in_review(ctx, text=TEMPLATE.format(name="Ana Lucía Moreno Félix", number=133),
                             fields=person("Ana Lucía Moreno Félix", phone="6621550982"))
    assert near_identical(ctx, juan, ana)  # the text alone cannot tell them apart
    assert duplicates(ctx, juan, ana) == {}


def test_without_petitioner_data_in_either_near_identical_texts_are_flagged_with_it_in_one_only_they_are_not(ctx):
    first = document_in_review(ctx, text=LETTER, fields={})
    second = document_in_review(ctx, text=ocr_like(LETTER), fields={})
    third = document_in_review(ctx, text=ocr_like(LETTER), fields=person("Rosa Elena Valenzuela Félix"))
    assert duplicates(ctx, first, second, third) == {first: [second], second: [first]}


def test_the_fingerprint_follows_a_transcription(ctx, client):
    make_user(ctx, "ana", Role.revisor)
    typed = document_in_review(ctx, text="S0l1c1t0 ... (ilegible)", needs_transcription=True)
    letter = document_in_review(ctx, text=LETTER, fields={})
    assert duplicates(ctx, typed, letter) == {}
    log_in(client, "ana")

    def transcribe(text: str) -> None:
        page = client.get(f"/documentos/{typed}")
        answer = client.post(f"/documentos/{typed}/paginas/1/transcripcion", data={"csrf": csrf_of(page.text), "text": text})
        assert answer.status_code == 303

    # The typed letter has the petitioner the extraction finds; the other copy's reading found none: not shown
    # until the copy's petitioner is known.
    transcribe(LETTER)
    assert near_identical(ctx, typed, letter) and near_identical(ctx, letter, typed)
    transcribe(OTHER)
    assert not near_identical(ctx, typed, letter) and not near_identical(ctx, letter, typed)


def test_the_queue_flags_it_and_the_document_page_offers_to_merge(ctx, client):
    make_user(ctx, "ana", Role.revisor)
    older = document_in_review(ctx, text=LETTER)
    newer = document_in_review(ctx, text=ocr_like(LETTER))
    alone = document_in_review(ctx, text=OTHER)
    log_in(client, "ana")
    queue = client.get("/cola").text
    assert queue.count('<span class="flag">posible duplicado</span>') == 2
    filtered = client.get("/cola", params={"marca": "possible_duplicate"}).text
    assert f'href="/documentos/{older}"' in filtered and f'href="/documentos/{alone}"' not in filtered
    page = client.get(f"/documentos/{newer}").text
    notice = page.split('id="posible-duplicado"')[1].split("</div>")[0]
    assert f'Posible duplicado de: <a href="/documentos/{older}">documento {older}</a> (en revisión)' in notice
    assert f"Unir al documento {older}" in notice
    merged = client.post(f"/documentos/{newer}/unir", data={"csrf": csrf_of(page), "version": version_of(ctx, newer),
                                                            "into": older})
    assert merged.status_code == 303
    assert 'id="posible-duplicado"' not in client.get(f"/documentos/{older}").text  # resolved


def test_the_notice_names_the_folio_and_links_only_what_the_viewer_may_read(ctx, client):
    make_user(ctx, "ana", Role.revisor)
    make_user(ctx, "luis", Role.enlace, "programas_sociales")
    older = document_in_review(ctx, text=LETTER)
    folio = routing.confirm(ctx, actor(ctx, "ana"), older, version=version_of(ctx, older), program="las_jefas").folio
    newer = document_in_review(ctx, text=ocr_like(LETTER))
    log_in(client, "ana")
    notice = client.get(f"/documentos/{newer}").text.split('id="posible-duplicado"')[1].split("</div>")[0]
    assert f"documento {older}</a> (turnado, folio {folio})" in notice
    assert "Unir al documento" not in notice  # only documents in review are merged; this one is marked instead
    ana, luis = actor(ctx, "ana"), actor(ctx, "luis")
    with ctx.sessions() as session:
        assert views.document(session, ana, newer, "America/Hermosillo")["possible_duplicates"] == [
            {"id": older, "state": "routed", "folio": folio}]
        # The enlace reads the routed one, but not the copy still in review.
        assert views.document(session, luis, older, "America/Hermosillo")["possible_duplicates"] == []


def test_the_migration_fills_the_documents_held_before_it(ctx):
    older = document_in_review(ctx, text=LETTER)
    newer = document_in_review(ctx, text=ocr_like(LETTER))
    document_in_review(ctx, text=OTHER)
    database.downgrade(ctx.engine, "0010")
    with ctx.engine.connect() as connection:
        assert "text_bands" not in sa.inspect(connection).get_table_names()
    database.upgrade(ctx.engine, "head")
    assert duplicates(ctx, older, newer) == {older: [newer], newer: [older]}
    with ctx.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(DISTINCT document_id) FROM text_bands")).scalar() == 3
