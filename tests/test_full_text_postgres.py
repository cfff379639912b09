"""Full-text search on PostgreSQL (a real server): the migration's tsvector('spanish') over unaccent finds a word in
another form, ranks, reads FTS syntax as words, follows a transcription and is filled for what was held."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from pipeline.context import Context
from pipeline.settings import Settings
from review.errors import InvalidInput
from review.reports import search
from review.turnos import routing
from review.web.app import create_app
from storage import database
from storage.tables import Role
from tests.review_helpers import actor, document_in_review, make_user
from tests.servers import fresh_database
from tests.test_full_text_search import HOSTILE, LETTERS, found
from tests.test_review_web import log_in

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def office(postgres_url, tmp_path_factory):
    ctx = Context.open(Settings(home=tmp_path_factory.mktemp("pg") / "data", database_url=fresh_database(postgres_url)))
    make_user(ctx, "ana", Role.revisor)
    ids = {key: document_in_review(ctx, text=letter, fields={}) for key, letter in LETTERS.items()}
    yield ctx, ids
    ctx.close()


def test_postgresql_finds_a_word_in_another_form_with_unaccent_and_spanish_stems(office):
    ctx, ids = office
    with ctx.engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM pg_extension WHERE extname = 'unaccent'")) == 1
        assert connection.scalar(text("SELECT search_fold('RECONSTRUCCIÓN Ñandú')")) == "reconstruccion nandu"
    assert found(ctx, "reconstrucciones") == [ids["vivienda"]]
    assert found(ctx, "RECONSTRUCCION") == [ids["vivienda"]]
    assert set(found(ctx, "aguas")) == {ids["agua"], ids["drenaje"], ids["hostil"]}
    assert found(ctx, "aguas")[0] == ids["agua"]  # ts_rank: twice in a short letter
    assert found(ctx, "reparacion drenajes") == [ids["drenaje"]]
    assert found(ctx, "agua beca") == []
    with ctx.sessions() as session:
        [item] = search.find(session, actor(ctx, "ana"), "Reconstrucciones")["items"]
    assert [item["excerpt"][s:e] for s, e in item["highlights"]] == ["reconstrucción"]


def test_postgresql_reads_fts_syntax_as_words(office):
    ctx, ids = office
    for typed in HOSTILE:
        try:
            found(ctx, typed)
        except InvalidInput as refused:
            assert "al menos 3 caracteres" in refused.user_message
    assert ids["drenaje"] in found(ctx, "agua -drenaje") and ids["drenaje"] in found(ctx, '"agua" (drenaje')
    client = TestClient(create_app(ctx))
    log_in(client, "ana")
    page = client.get("/buscar", params={"q": "a\x00gua* potable"})  # PostgreSQL refuses a NUL in the access log
    assert page.status_code == 200 and "<mark>Agua</mark> <mark>potable</mark>" in page.text


def test_postgresql_follows_a_transcription_and_fills_the_index_for_what_was_held(office):
    ctx, ids = office
    typed = document_in_review(ctx, text="ilegible", fields={})
    routing.transcribe(ctx, actor(ctx, "ana"), typed, 1, "Pedimos luminarias para el parque.")
    assert found(ctx, "luminaria") == [typed] and found(ctx, "ilegible") == []
    database.downgrade(ctx.engine, "0015")
    with ctx.engine.connect() as connection:
        assert connection.scalar(text("SELECT to_regclass('search_texts')")) is None
    database.upgrade(ctx.engine, "head")
    assert found(ctx, "luminarias parques") == [typed] and found(ctx, "reconstrucciones") == [ids["vivienda"]]


def test_without_the_right_to_create_unaccent_the_accents_are_still_folded(postgres_url, tmp_path):
    """A database whose owner may not create extensions: the migration goes on, folding Spanish accents itself."""
    url = fresh_database(postgres_url)
    name = url.rsplit("/", 1)[1]
    admin = database.make_engine(url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("CREATE ROLE oficina LOGIN"))
        connection.execute(text(f"REVOKE CREATE ON DATABASE {name} FROM PUBLIC"))
        connection.execute(text("GRANT CREATE, USAGE ON SCHEMA public TO oficina"))
    admin.dispose()
    ctx = Context.open(Settings(home=tmp_path / "data", database_url=url.replace("//postgres@", "//oficina@")))
    try:
        with ctx.engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM pg_extension WHERE extname = 'unaccent'")) == 0
        make_user(ctx, "ana", Role.revisor)
        held = document_in_review(ctx, text="Solicitamos la RECONSTRUCCIÓN de la vivienda.", fields={})
        assert found(ctx, "reconstrucciones") == [held] and found(ctx, "Reconstrucción") == [held]
    finally:
        ctx.close()
