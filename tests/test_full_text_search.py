"""Full-text search (/buscar, GET /api/v1/search): a petition found by what it says, in any form of its words
(plural, accents, capitals), ranked, with a marked excerpt that nothing in a letter can turn into markup; the exact
petitioner and folio hits first; an enlace within its directorate's turnos; every search in the access log; the
index kept on every write (OCR and classification, transcription, routing, rectification, split, merge) and filled
by its migration for what was held before it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.context import Context
from pipeline.settings import Settings
from review.errors import InvalidInput
from review.reports import search
from review.turnos import regroup, routing
from review.web.app import create_app
from storage import access, database, documents
from storage.search_words import excerpt, index_words, terms
from storage.tables import Role
from tests.review_helpers import actor, document_in_review, make_user, refreshes_counted, version_of
from tests.test_review_api import bearer
from tests.test_review_web import log_in

LETTERS = {
    "vivienda": "Solicito apoyo para la reconstrucción de mi vivienda, dañada por las lluvias.",
    "agua": "Los vecinos pedimos Agua potable para la colonia Las Minitas: hace un mes que no llega el agua.",
    "drenaje": "SOLICITAMOS LA REPARACIÓN DEL DRENAJE Y DEL AGUA EN LA CALLE OLIVOS.",
    "beca": "Pido una beca escolar para mis hijos, que estudian en la secundaria técnica.",
    "hostil": "<script>alert('x')</script> pedimos agua <b>potable</b> & \"drenaje\"",
}
HOSTILE = ['"', '"agua', 'agua"', "agua*", "*", "NEAR(agua drenaje)", "agua NEAR drenaje", "-agua", "agua -drenaje",
           "(agua", "agua)", "((", "agua AND OR NOT", "NOT agua", "agua:drenaje", "words:agua", "{words}: agua",
           "^agua", "agua + drenaje", "'; DROP TABLE search_words; --", "a\x00gua", "agua\\", "%_%", "🙂🙂🙂"]


def found(ctx, text: str, who: str = "ana") -> list[int]:
    with ctx.sessions() as session:
        return [item["id"] for item in search.find(session, actor(ctx, who), text)["items"]]


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """One database for the read-only checks: the letters above, a reviewer and an enlace."""
    ctx = Context.open(Settings(home=tmp_path_factory.mktemp("office") / "data"))
    make_user(ctx, "ana", Role.revisor)
    ids = {key: document_in_review(ctx, text=text, fields={}) for key, text in LETTERS.items()}
    ids["phone"] = document_in_review(ctx, text="Pido una silla de ruedas.",
                                      fields={"phone": {"value": "6622139087", "score": 0.9}})
    ids["mentions_phone"] = document_in_review(ctx, text="Llamar al 6622139087 para la entrega del agua.", fields={})
    yield ctx, ids
    ctx.close()


def test_a_word_in_another_form_finds_the_letter_whatever_its_accents_and_capitals(office):
    ctx, ids = office
    assert found(ctx, "reconstrucciones") == [ids["vivienda"]]
    assert found(ctx, "RECONSTRUCCION") == [ids["vivienda"]]
    assert found(ctx, "viviendas dañadas") == [ids["vivienda"]]
    assert set(found(ctx, "aguas")) == {ids["agua"], ids["drenaje"], ids["hostil"], ids["mentions_phone"]}
    assert set(found(ctx, "agua potable")) == {ids["agua"], ids["hostil"]}
    assert found(ctx, "reparacion drenajes") == [ids["drenaje"]]
    assert found(ctx, "becas secundarias técnicas") == [ids["beca"]]
    assert found(ctx, "agua beca") == []  # every word must be there
    assert found(ctx, "la de los") == []  # only words that say nothing


def test_the_letter_that_says_it_most_comes_first_and_exact_hits_before_any(office):
    ctx, ids = office
    assert found(ctx, "agua")[0] == ids["agua"]  # twice, in a short letter
    # the phone on record first, then the letter that only mentions it
    assert found(ctx, "6622139087") == [ids["phone"], ids["mentions_phone"]]


def test_past_the_ranked_count_a_word_in_most_letters_lists_them_newest_first(office, monkeypatch):
    ctx, ids = office
    ranked = found(ctx, "agua")
    monkeypatch.setattr(search, "RANKED_UP_TO", 3)  # four letters say it
    assert found(ctx, "agua") == sorted(ranked, reverse=True) != ranked


def test_the_excerpt_marks_the_matching_words_and_nothing_typed_in_a_letter_is_markup(office):
    ctx, ids = office
    with ctx.sessions() as session:
        result = search.find(session, actor(ctx, "ana"), "pedir aguas potables")
    item = next(i for i in result["items"] if i["id"] == ids["hostil"])
    assert [item["excerpt"][s:e] for s, e in item["highlights"]] == ["pedimos", "agua", "potable"]
    assert item["excerpt"].startswith("<script>")  # plain text: the page escapes it
    client = TestClient(create_app(ctx))
    log_in(client, "ana")
    page = client.get("/buscar", params={"q": "aguas potables"}).text
    assert "<script>alert" not in page and "<b>potable" not in page
    assert ("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; pedimos <mark>agua</mark> &lt;b&gt;<mark>potable</mark>"
            in page)
    assert f'href="/documentos/{ids["agua"]}"' in page and "<mark>Agua</mark> <mark>potable</mark>" in page


def test_the_excerpt_is_cut_around_the_first_match():
    text = " ".join(f"palabra{i}" for i in range(100)) + " la reconstrucción de la escuela " + "fin " * 50
    pieces = excerpt(text, terms("reconstrucciones escuelas"))
    shown = "".join(piece for piece, _ in pieces)
    assert shown.startswith("… palabra") and shown.endswith(" …") and len(shown.split()) < 40
    assert [piece for piece, marked in pieces if marked] == ["reconstrucción", "escuela"]
    assert excerpt("", ("agua",)) == [] and "".join(p for p, _ in excerpt("Sin coincidencias aquí", ("agua",))) \
        == "Sin coincidencias aquí"


@pytest.mark.parametrize("typed", HOSTILE)
def test_fts_syntax_typed_is_read_as_words_and_never_raises(office, typed):
    ctx, ids = office
    with ctx.sessions() as session:
        try:
            result = search.find(session, actor(ctx, "ana"), typed)
        except InvalidInput as refused:  # too short, in Spanish: the only refusal
            assert "al menos 3 caracteres" in refused.user_message
            return
    if terms(typed) and set(terms(typed)) <= {"agu", "drenaj"}:  # its words are both in that letter: "-" is no NOT
        assert ids["drenaje"] in {i["id"] for i in result["items"]}


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@example('agua" OR "beca')
@example("NEAR(agua, 2)")
@given(st.text(max_size=200) | st.text('agu"*()-:^+ NEARORANDNOT{}', max_size=60))
def test_whatever_is_typed_the_search_answers_or_refuses_in_spanish(office, typed):
    ctx, _ = office
    with ctx.sessions() as session:
        try:
            result = search.find(session, actor(ctx, "ana"), typed)
        except InvalidInput as refused:
            assert "caracteres" in refused.user_message
            return
    assert result["total"] >= len(result["items"])
    for item in result["items"]:
        assert all(0 <= s < e <= len(item["excerpt"]) for s, e in item["highlights"])


def test_a_query_longer_than_the_limit_is_refused_on_the_page_and_the_api(office):
    ctx, _ = office
    client = TestClient(create_app(ctx))
    log_in(client, "ana")
    page = client.get("/buscar", params={"q": "agua " * 41})
    assert page.status_code == 422 and "hasta 200 caracteres" in page.text
    api = client.get("/api/v1/search", headers=bearer(ctx, "gina", Role.gerente), params={"q": "a" * 201})
    assert api.status_code == 422 and "hasta 200 caracteres" in api.json()["detail"]["message"]
    assert client.get("/buscar", params={"q": "agua " * 39 + "agua"}).status_code == 200  # 199 characters


def test_the_api_ranks_marks_and_logs_a_text_search(office):
    ctx, ids = office
    client = TestClient(create_app(ctx))
    headers = bearer(ctx, "api-fts", Role.revisor)
    body = client.get("/api/v1/search", headers=headers, params={"q": "Reconstrucciones"}).json()
    assert body["total"] == 1 and body["items"][0]["id"] == ids["vivienda"]
    item = body["items"][0]
    assert [item["excerpt"][s:e] for s, e in item["highlights"]] == ["reconstrucción"]
    with ctx.sessions() as session:
        [entry] = [e for e in access.entries(session, user_name="api-fts") if e.action == "search"]
    assert entry.target == "Reconstrucciones" and entry.via == "api"


def test_an_enlace_finds_by_text_only_what_is_routed_to_its_directorate(ctx):
    make_user(ctx, "ana", Role.revisor)
    make_user(ctx, "enzo", Role.enlace, "programas_sociales")
    ours = document_in_review(ctx, text="Pido apoyo de agua para mi casa.", fields={})
    theirs = document_in_review(ctx, text="Pido agua potable en la escuela.", fields={})
    waiting = document_in_review(ctx, text="Agua para la comunidad.", fields={})
    for document_id, program in ((ours, "las_jefas"), (theirs, "infraestructura_basica")):
        routing.confirm(ctx, actor(ctx, "ana"), document_id, version=version_of(ctx, document_id), program=program)
    assert found(ctx, "aguas", "enzo") == [ours]
    assert set(found(ctx, "aguas")) == {ours, theirs, waiting}
    client = TestClient(create_app(ctx))
    log_in(client, "enzo")
    page = client.get("/buscar", params={"q": "agua"})
    assert "1 petición coincide" in page.text and f'href="/documentos/{theirs}"' not in page.text
    with ctx.sessions() as session:
        [entry] = [e for e in access.entries(session, user_name="enzo") if e.action == "search"]
    assert entry.target == "agua" and entry.via == "web"


def test_the_index_follows_transcription_routing_rectification_split_and_merge(ctx):
    make_user(ctx, "ana", Role.revisor)
    ana = actor(ctx, "ana")
    typed = document_in_review(ctx, text="Solicto pavimentasion de la cale", fields={})
    routing.transcribe(ctx, ana, typed, 1, "Solicito la pavimentación de la calle Encinos.")
    assert found(ctx, "pavimentar encino") == [typed]
    assert found(ctx, "pavimentasion") == []  # the typed page replaces the OCR's reading
    routed = document_in_review(ctx, text="Pido una despensa.", fields={})
    routing.confirm(ctx, ana, routed, version=version_of(ctx, routed), program="las_jefas",
                    fields={"name": "Rosa Ochoa", "address": "Calle Sauces 12, colonia Pitic"})
    assert found(ctx, "sauce pitic") == [routed]
    routing.rectify(ctx, ana, routed, version=version_of(ctx, routed), note="Lo pidió la ciudadana.",
                    fields={"name": "Rosa Ochoa", "address": "Calle Mezquites 4, colonia Centenario"})
    assert found(ctx, "mezquite centenario") == [routed] and found(ctx, "sauces") == []
    routing.transcribe(ctx, ana, routed, 1, "Pido una despensa y cobijas.")  # a routed letter too
    assert found(ctx, "cobija") == [routed]
    two = document_in_review(ctx, text="Pido luminarias.", fields={})
    with ctx.sessions.begin() as session:
        from storage.tables import Document, Page

        session.add(Page(document_id=two, number=2, text="Otra carta: pido un comedor comunitario."))
        session.get(Document, two).page_count = 2
    from storage import fulltext

    with ctx.sessions.begin() as session:
        fulltext.refresh(session, [two])
    new = regroup.split(ctx, ana, two, version=version_of(ctx, two), at_page=2)
    assert found(ctx, "comedores comunitarios") == [new] and found(ctx, "luminaria") == [two]
    regroup.merge(ctx, ana, new, version=version_of(ctx, new), into=two)
    assert found(ctx, "comedores comunitarios") == [two] and found(ctx, "luminarias") == [two]


def test_a_transcription_refreshes_the_index_once_and_its_reclassification_only_for_new_fields(ctx, monkeypatch):
    make_user(ctx, "ana", Role.revisor)
    typed = document_in_review(ctx, text="Solicto pavimentasion de la cale", fields={})
    refreshed = refreshes_counted(monkeypatch)
    routing.transcribe(ctx, actor(ctx, "ana"), typed, 1, "Solicito la pavimentación de la calle.")
    assert refreshed == [typed] and found(ctx, "pavimentar") == [typed]
    routing.transcribe(ctx, actor(ctx, "ana"), typed, 1, "Solicito la pavimentación. Atentamente, Rosa Ochoa Ruiz.")
    with ctx.sessions() as session:
        assert documents.latest_extraction(session, typed).fields["name"]["value"] == "Rosa Ochoa Ruiz"
    assert refreshed == [typed] * 3  # the typed page, then the name found in it


def test_the_migration_fills_the_index_for_what_was_held_before_it(ctx):
    make_user(ctx, "ana", Role.revisor)
    held = document_in_review(ctx, text="Solicitamos la reconstrucción del techo.", fields={})
    typed = document_in_review(ctx, text="ilegible", fields={})
    routing.transcribe(ctx, actor(ctx, "ana"), typed, 1, "Pedimos becas para la escuela.")
    database.downgrade(ctx.engine, "0015")
    database.upgrade(ctx.engine, "head")
    assert found(ctx, "reconstrucciones") == [held]
    assert found(ctx, "beca escuela") == [typed] and found(ctx, "ilegible") == []


def test_the_index_holds_stems_without_accents_or_function_words():
    assert index_words("La RECONSTRUCCIÓN de las Viviendas") == "reconstruccion viviend"
    assert terms('"agua" NEAR(potable*) -drenaje') == ("agu", "near", "potabl", "drenaj")
