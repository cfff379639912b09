"""Every page each role can open, in Chromium at a phone's 390 px and a desk's 1366 px: nothing wider than the
window (`document.documentElement.scrollWidth <= innerWidth`), so no page scrolls sideways (issue 16).

One office for the module: the app under uvicorn in a thread over a temp HOME, documents made through storage (no
OCR), one browser. The pages are enumerated from the app: every GET route without a path parameter outside the
API and the downloads, so a page added later is measured too; the document pages (in review, routed, concluded)
and a search with results are added by hand.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from pipeline.context import Context
from pipeline.settings import Settings
from review.turnos import followup, routing
from review.web.app import create_app
from storage.tables import Role
from tests.chromium import browser, playwright_api  # noqa: F401  (the module's browser fixture)
from tests.review_helpers import PASSWORD, actor, document_in_review, make_user, version_of
from tests.servers import free_port
from tests.test_review_web import page_pdf
from tests.test_routes_guarded import routes

pytestmark = pytest.mark.slow

uvicorn = pytest.importorskip("uvicorn")

WIDTHS = (390, 1366)
PEOPLE = {Role.capturista: "caro", Role.revisor: "rita", Role.enlace: "enzo", Role.gerente: "gina",
          Role.admin: "adan"}
DOWNLOADS = (".csv", ".json", ".pdf", ".png", ".xlsx")
# Long words and names a narrow page must wrap, not widen for.
LONG_NAME = "María Guadalupe Fimbres Yocupicio de la Fuente Valenzuela"
LONG_TEXT = (f"{LONG_NAME} solicita apoyo del programa Las Jefas; correo maria.guadalupe.fimbres.yocupicio@"
             "correo-institucional.sonora.gob.mx, calle Prolongación Bulevar Luis Donaldo Colosio Murrieta.")


class Office:
    """The app under uvicorn in a daemon thread, over its own Context; users of every role and three petitions."""

    def __init__(self, home: Path):
        self.ctx = Context.open(Settings(home=home, stability_seconds=0.5, workers=1))
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(create_app(self.ctx), host="127.0.0.1", port=self.port,
                                                    log_level="warning", log_config=None))
        self.ids: dict[str, int] = {}

    def fill(self) -> None:
        for role, name in PEOPLE.items():
            make_user(self.ctx, name, role, "programas_sociales" if role == Role.enlace else None)
        self.ids["review"] = document_in_review(self.ctx, text=LONG_TEXT,
                                                fields={"name": {"value": LONG_NAME, "score": 0.9}})
        page_pdf(self.ctx, self.ids["review"])
        self.ids["routed"] = self.routed()
        self.ids["concluded"] = self.routed()
        followup.answer(self.ctx, actor(self.ctx, "rita"), self.ids["concluded"],
                        version=version_of(self.ctx, self.ids["concluded"]), answered_on=dt.date(2026, 1, 6),
                        text="Se entregó el apoyo. " * 20, letter=True)

    def routed(self) -> int:
        document_id = document_in_review(self.ctx, text=LONG_TEXT, program="las_jefas",
                                         fields={"name": {"value": LONG_NAME, "score": 0.9}})
        page_pdf(self.ctx, document_id)
        routing.confirm(self.ctx, actor(self.ctx, "rita"), document_id, version=version_of(self.ctx, document_id),
                        program="las_jefas", fields={"name": LONG_NAME})
        return document_id

    def start(self) -> "Office":
        threading.Thread(target=self.server.run, name="web", daemon=True).start()
        while not self.server.started:
            threading.Event().wait(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.ctx.close()


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    running = Office(tmp_path_factory.mktemp("anchos") / "data")
    running.fill()
    running.start()
    try:
        yield running
    finally:
        running.stop()


def pages(office: Office) -> list[str]:
    """Every page: the app's GET routes with no path parameter (not the API, files or health checks), a search
    that finds, and the three documents."""
    listed = sorted({path for method, path in routes(create_app(office.ctx))
                     if method == "GET" and "{" not in path and not path.startswith(("/api/", "/salud"))
                     and not path.endswith(DOWNLOADS) and path not in ("/", "/login")})
    return listed + ["/buscar?q=Fimbres"] + [f"/documentos/{office.ids[k]}" for k in ("review", "routed",
                                                                                       "concluded")]


def too_wide(page) -> int | None:
    """The page's width when it is wider than the window, else None."""
    wide, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return wide if wide > window else None


def measure(page, office: Office, path: str, found: list[str]) -> bool:
    """Open `path` at each width; record any that scrolls sideways. False when the role may not open it."""
    page.set_viewport_size({"width": WIDTHS[0], "height": 844})
    answer = page.goto(office.base + path)
    if answer.status in (403, 404):
        return False
    assert answer.status == 200 and "text/html" in answer.headers["content-type"], f"{path}: {answer.status}"
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 844})
        wide = too_wide(page)
        if wide is not None:
            found.append(f"{path} at {width} px is {wide} px wide")
    return True


def log_in(page, office: Office, name: str) -> None:
    page.goto(f"{office.base}/login")
    page.get_by_label("Usuario").fill(name)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    landing = {PEOPLE[Role.enlace]: "turnados", PEOPLE[Role.gerente]: "tablero"}  # where each role lands
    page.wait_for_url(f"**/{landing.get(name, 'cola')}")


def test_the_menu_folds_behind_a_button_on_a_phone_and_stays_open_on_a_desk(office, browser):
    context = browser.new_context(locale="es-MX", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        log_in(page, office, PEOPLE[Role.gerente])
        informe = page.locator("#menu nav").get_by_role("link", name="Informe")
        assert informe.is_hidden()
        page.locator("#menu summary").click()
        assert informe.is_visible()
        informe.click()
        page.wait_for_url("**/informe")
        assert page.locator("#menu summary").is_visible() and informe.is_hidden()
        page.set_viewport_size({"width": 1366, "height": 844})  # the media query's change event opens it
        playwright_api.expect(informe).to_be_visible()
        assert page.locator("#menu summary").is_hidden()
    finally:
        context.close()


# The nearest box around `el` that clips what overflows it and does overflow, if any.
CLIPPED_BY = """el => { for (let box = el.parentElement; box; box = box.parentElement) {
  const style = getComputedStyle(box);
  if (style.overflowY !== "visible" && box.scrollHeight > box.clientHeight + 1) return box.tagName + "." + box.className;
} return null; }"""


def test_the_answer_form_is_whole_in_the_page_not_cut_by_a_scroll_box(office, browser):
    context = browser.new_context(locale="es-MX", viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        log_in(page, office, PEOPLE[Role.revisor])
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 768})
            page.goto(f"{office.base}/documentos/{office.ids['routed']}")
            form = page.locator("#answer-form")
            assert form.evaluate(CLIPPED_BY) is None
            form.get_by_role("button", name="Registrar respuesta y concluir").scroll_into_view_if_needed()
            assert form.get_by_role("button", name="Registrar respuesta y concluir").is_visible()
    finally:
        context.close()


ZOOM = """box => { const v = box.querySelector(".viewport"), c = box.querySelector(".canvas");
  return {canvas: c.offsetWidth, viewport: v.clientWidth, scrolls: v.scrollWidth > v.clientWidth,
          src: box.querySelector("img").getAttribute("src"), left: v.scrollLeft}; }"""


def test_the_scan_zooms_with_the_keys_at_full_resolution_and_pans_by_dragging(office, browser):
    context = browser.new_context(locale="es-MX", viewport={"width": 1366, "height": 900})
    try:
        page = context.new_page()
        log_in(page, office, PEOPLE[Role.revisor])
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{office.base}/documentos/{office.ids['review']}")
            scan = page.locator("#pagina-1 .image")
            fitted = scan.evaluate(ZOOM)
            assert fitted["canvas"] == fitted["viewport"] and not fitted["scrolls"] and "alta" not in fitted["src"]
            page.locator("body").click(position={"x": 5, "y": 5})
            page.keyboard.press("+")
            page.keyboard.press("+")  # 200 %, the full-resolution image
            zoomed = scan.evaluate(ZOOM)
            assert zoomed["src"].endswith("?resolucion=alta") and zoomed["scrolls"]
            assert zoomed["canvas"] == pytest.approx(2 * zoomed["viewport"], abs=2)
            page.wait_for_function("img => img.complete && img.naturalWidth >= 2500",
                                   arg=scan.locator("img").element_handle())
            assert scan.locator(".zoom-level").inner_text() == "200 %"
            assert too_wide(page) is None  # the scan scrolls inside its box, never the page
            box = scan.locator(".viewport").bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 40)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] / 2 - 120, box["y"] + 40, steps=4)
            page.mouse.up()
            assert scan.evaluate(ZOOM)["left"] > zoomed["left"]  # dragged left: the scan moved to its right side
            page.keyboard.press("-")
            page.keyboard.press("-")
            back = scan.evaluate(ZOOM)
            assert back["canvas"] == back["viewport"] and scan.locator(".zoom-level").inner_text() == "100 %"
    finally:
        context.close()


def test_the_queue_the_turnos_and_the_search_are_cards_on_a_phone_not_a_table_to_scroll(office, browser):
    context = browser.new_context(locale="es-MX", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        log_in(page, office, PEOPLE[Role.revisor])
        for path, first in (("/cola", "Núm."), ("/turnados", "Folio"), ("/buscar?q=Fimbres", "Recibido")):
            page.goto(office.base + path)
            table = page.locator("main table.queue")
            assert table.evaluate("t => t.scrollWidth <= t.clientWidth"), f"{path}: the table scrolls in its box"
            assert table.locator("thead").is_hidden(), path
            label = table.locator("td").first.evaluate("td => getComputedStyle(td, '::before').content")
            assert label == f'"{first}"', (path, label)
    finally:
        context.close()


def test_no_page_of_any_role_scrolls_sideways_at_390_or_1366_px(office, browser):
    found: list[str] = []
    opened: dict[str, set[str]] = {}
    context = browser.new_context(locale="es-MX")
    try:
        page = context.new_page()
        for width in WIDTHS:  # the login form, before anyone logs in
            page.set_viewport_size({"width": width, "height": 844})
            page.goto(f"{office.base}/login")
            if too_wide(page) is not None:
                found.append(f"/login at {width} px is {too_wide(page)} px wide")
        every = pages(office)
        for role, name in PEOPLE.items():
            context.clear_cookies()
            log_in(page, office, name)
            opened[role.value] = {path for path in every if measure(page, office, path, found)}
    finally:
        context.close()
    assert not found, "\n".join(found)
    documents = {f"/documentos/{office.ids[k]}" for k in ("review", "routed", "concluded")}
    # Each role opened what it works with, so the check above measured real pages, not refusals.
    assert {"/cola", "/buscar?q=Fimbres", "/captura"} | documents <= opened["capturista"]
    assert {"/cola", "/cierres", "/turnados"} | documents <= opened["revisor"]
    assert {"/turnados", "/buscar?q=Fimbres", f"/documentos/{office.ids['routed']}"} <= opened["enlace"]
    assert "/cola" not in opened["enlace"]
    assert {"/informe", "/auditoria", "/bitacora", "/turnados"} <= opened["gerente"]
    assert {"/admin/usuarios", "/admin/catalogo", "/cierres", "/informe"} | documents <= opened["admin"]
