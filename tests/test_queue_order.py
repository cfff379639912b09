"""The review queue's columns and orders (issue 16): an excerpt of the request, the business days waiting and the
petitioner; sorted on the server by `?orden=` from a fixed list (oldest first by default), any other value
refused with its reason; the pages of an order do not overlap."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from classifiers.suggestion import Suggestion
from review.reports import views
from review.web.app import create_app
from storage import documents
from storage.tables import Role, utcnow
from tests.review_helpers import actor, document_in_review, make_user
from tests.test_review_web import log_in


def ids_in(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-href="/documentos/(\d+)"', html)]


@pytest.fixture
def queue(ctx):
    make_user(ctx, "rita", Role.revisor)
    now = utcnow()
    made = {
        "old": document_in_review(ctx, received_at=now - dt.timedelta(days=21), score=0.95, fields={
            "name": {"value": "Zoila Yocupicio", "score": 0.9},
            "request": {"value": "una   silla de ruedas para mi hijo", "score": 0.8}}),
        "mid": document_in_review(ctx, received_at=now - dt.timedelta(days=7), score=0.4, fields={
            "name": {"value": "Ángel Bojórquez", "score": 0.9}}, text="Les pido láminas para el techo. " * 20),
        "new": document_in_review(ctx, received_at=now - dt.timedelta(hours=1), program=None, fields={}),
    }
    return made


def test_the_queue_shows_excerpt_days_waiting_and_petitioner(ctx, queue):
    with TestClient(create_app(ctx), follow_redirects=False) as web:
        log_in(web, "rita")
        page = web.get("/cola").text
    assert ids_in(page) == [queue["old"], queue["mid"], queue["new"]]  # the default: longest waiting first
    rows = {i: row for i, row in zip(ids_in(page), page.split('<tr data-href="')[1:])}
    excerpt_of = lambda row: re.search(r'<td[^>]* class="excerpt">([^<]*)</td>', row).group(1)  # noqa: E731
    assert excerpt_of(rows[queue["old"]]) == "una silla de ruedas para mi hijo"
    excerpt = excerpt_of(rows[queue["mid"]])
    assert excerpt.startswith("Les pido láminas para el techo.") and excerpt.endswith(" …") and len(excerpt) <= 140
    waiting = {i: int(re.search(r'<td[^>]* class="n"[^>]*>(\d+)</td>', row).group(1)) for i, row in rows.items()}
    assert 13 <= waiting[queue["old"]] <= 16 and 4 <= waiting[queue["mid"]] <= 6 and waiting[queue["new"]] <= 1
    assert "Zoila Yocupicio" in rows[queue["old"]] and "Ángel Bojórquez" in rows[queue["mid"]]


def test_the_queue_sorts_on_the_server_by_a_known_order_only(ctx, queue):
    with TestClient(create_app(ctx), follow_redirects=False) as web:
        log_in(web, "rita")
        order = lambda value: ids_in(web.get("/cola", params={"orden": value}).text)  # noqa: E731
        assert order("espera") == [queue["old"], queue["mid"], queue["new"]]
        assert order("recientes") == [queue["new"], queue["mid"], queue["old"]]
        assert order("peticionario") == [queue["mid"], queue["old"], queue["new"]]  # Ángel, Zoila, no name last
        assert order("confianza") == [queue["new"], queue["mid"], queue["old"]]  # no suggestion, 40 %, 95 %
        for bad in ("nombre", "espera;drop", "x" * 500):
            refused = web.get("/cola", params={"orden": bad})
            assert refused.status_code == 422 and "La cola no se puede ordenar por" in refused.text
            assert "espera, recientes, peticionario, confianza" in refused.text and "x" * 41 not in refused.text
        # The sort links and the pager keep the order; the pages of an order do not overlap.
        page = web.get("/cola", params={"orden": "recientes"}).text
        assert 'href="?canal=&programa=&banda=&marca=&orden=peticionario&desde=0"' in page
        ctx.settings.queue_page_size = 2
        first = web.get("/cola", params={"orden": "peticionario"}).text
        second = web.get("/cola", params={"orden": "peticionario", "desde": 2}).text
        assert ids_in(first) + ids_in(second) == [queue["mid"], queue["old"], queue["new"]]
        assert "orden=peticionario&desde=2" in first


def test_the_api_queue_takes_the_same_orders(ctx, queue):
    from review import auth

    headers = {"Authorization": f"Bearer {auth.new_api_token(ctx, 'rita')}"}
    with TestClient(create_app(ctx)) as api:
        listed = api.get("/api/v1/queue", headers=headers, params={"order": "recientes"})
        assert [i["id"] for i in listed.json()["items"]] == [queue["new"], queue["mid"], queue["old"]]
        refused = api.get("/api/v1/queue", headers=headers, params={"order": "nombre"})
        assert refused.status_code == 422 and refused.json()["detail"]["code"] == "invalid_input"


def test_by_confianza_the_latest_classification_counts_and_is_joined_once(ctx, queue):
    with ctx.sessions.begin() as session:  # "old" classified again, now unsure: 95 % before, 10 % now
        documents.save_suggestions(session, queue["old"], [Suggestion("program", "las_jefas", 0.1, (), "test-2")],
                                   "test")
    rita, statements = actor(ctx, "rita"), []
    with ctx.sessions() as session:
        engine = session.get_bind()
        listener = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
        event.listen(engine, "before_cursor_execute", listener)
        try:
            every = views.queue(session, rita, views.QueueFilter(order="confianza"))
            unsure = views.queue(session, rita, views.QueueFilter(band="baja", order="confianza"))
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    # 10 % now (not the 95 % before), then the one without a program (its abstention scored 20 %), then 40 %.
    assert [i["id"] for i in every["items"]] == [queue["old"], queue["new"], queue["mid"]]
    assert [i["id"] for i in unsure["items"]] == [queue["old"], queue["mid"]] and unsure["total"] == 2
    ordered = [s for s in statements if "ORDER BY coalesce" in s]
    assert len(ordered) == 2 and all(s.count("JOIN suggestions") == 1 for s in ordered), ordered
