"""The navigation offers each role exactly the pages it can open (issue 16): every link in the menu answers 200 for
that role, every page the role can open among the menu's is linked, an enlace's document page does not point to
the queue it cannot open, and a refusal keeps the menu so the person can go on."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from review.web.app import create_app
from storage.tables import Role
from tests.review_helpers import actor, document_in_review, make_user, version_of
from tests.test_review_web import log_in
from review.turnos import routing

PEOPLE = {Role.capturista: "caro", Role.revisor: "rita", Role.enlace: "enzo", Role.gerente: "gina",
          Role.admin: "adan"}
# Every page the menu may name; each role must find linked exactly those it can open.
MENU_PAGES = ("/tablero", "/cola", "/turnados", "/buscar", "/captura", "/cierres", "/bitacora", "/informe", "/auditoria",
              "/admin/usuarios", "/admin/catalogo")


def menu_links(html: str) -> list[str]:
    menu = re.search(r'<nav class="menu-links">(.*?)</nav>', html, re.S)
    assert menu, "the page has no menu"
    return re.findall(r'href="([^"]+)"', menu.group(1))


@pytest.fixture
def office(ctx):
    for role, name in PEOPLE.items():
        make_user(ctx, name, role, "programas_sociales" if role == Role.enlace else None)
    document_id = document_in_review(ctx, program="las_jefas")
    routing.confirm(ctx, actor(ctx, "rita"), document_id, version=version_of(ctx, document_id), program="las_jefas",
                    fields={"name": "María Peña Ávila"})
    return document_id


def test_each_role_is_offered_exactly_the_pages_it_can_open(ctx, office):
    app = create_app(ctx)
    for role, name in PEOPLE.items():
        with TestClient(app, follow_redirects=False) as web:
            assert log_in(web, name).status_code == 303
            links = menu_links(web.get("/turnados").text)
            opens = {path for path in MENU_PAGES if web.get(path).status_code == 200}
            assert set(links) == opens, f"{role.value}: menu {sorted(links)}, opens {sorted(opens)}"
            assert "/turnados" in opens and "/buscar" in opens
            assert ("/cola" in opens) == (role != Role.enlace)


def test_an_enlace_document_page_leads_to_its_turnos_not_to_the_queue(ctx, office):
    app = create_app(ctx)
    with TestClient(app, follow_redirects=False) as web:
        log_in(web, "enzo")
        shown = web.get(f"/documentos/{office}")
        assert shown.status_code == 200
        assert 'href="/cola"' not in shown.text and 'href="/turnados"' in shown.text
        refused = web.get("/cola")
        assert refused.status_code == 403 and "Su perfil no permite esta acción" in refused.text
        assert "/turnados" in menu_links(refused.text) and "/cola" not in menu_links(refused.text)
    with TestClient(app, follow_redirects=False) as web:
        log_in(web, "rita")
        assert 'href="/cola"' in web.get(f"/documentos/{office}").text
