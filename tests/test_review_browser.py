"""The review app in a real browser: Debian's chromium driven by Playwright against `peticiones serve` running in a
child process, with scans dropped into entrada/ and read by the real pipeline (Tesseract, poppler, spaCy).

One office (HOME, users, server, two scanned letters) is set up for the module: starting the service and reading
the scans is the slow part, and each test below uses its own letter or no document state at all.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.chromium import browser, playwright_api  # noqa: F401  (the module's browser fixture)
from tests.conftest import PETICIONES, ROOT, Service
from tests.pages import LETTERS, save_pdf, small_page
from tests.servers import free_port

pytestmark = pytest.mark.slow


PASSWORD = "contraseña-segura-1"
# The letter a reviewer routes, and the one a capturista looks at: different texts, so neither is a duplicate.
REVIEWED, LOOKED_AT = "carta-silla.pdf", "carta-jefas.pdf"


class Office:
    """`peticiones serve --host 127.0.0.1 --port P` on a temp HOME, with users made by `peticiones users add`."""

    def __init__(self, home: Path):
        self.home = home
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.service = Service(home, {"PETICIONES_STABILITY_SECONDS": "1", "PETICIONES_WORKERS": "2",
                                      "PETICIONES_RESCAN_SECONDS": "5"}, "serve")
        self.token = ""
        self.ids: dict[str, int] = {}

    def cli(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
        done = subprocess.run(PETICIONES + list(args), input=stdin, env=self.service.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        return done

    def start(self) -> "Office":
        self.home.mkdir(parents=True, exist_ok=True)
        for name, role in (("ana", "revisor"), ("caro", "capturista"), ("api", "gerente")):
            self.cli("users", "add", name, "--role", role, stdin=PASSWORD + "\n")
        self.token = self.cli("users", "token", "api").stdout.strip().splitlines()[-1]
        with open(self.service.log, "ab") as log:
            self.service.process = subprocess.Popen(
                PETICIONES + ["serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.service.env, cwd=ROOT, stdout=log, stderr=log)
        self.service.wait_for(self._answers, 90, "the web app")
        self.service.wait_for(lambda: (self.home / "entrada" / "jornadas").is_dir(), 60, "the inbox")
        return self

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.base}/login", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def api(self, path: str) -> dict:
        answer = httpx.get(f"{self.base}/api/v1{path}", headers={"Authorization": f"Bearer {self.token}"}, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def drop_and_wait(self, staging: Path, letters: dict[str, str]) -> None:
        """Scans written aside and moved into entrada/ whole, as a scanner's software does; then wait for review."""
        staging.mkdir(parents=True, exist_ok=True)
        for name, text in letters.items():
            save_pdf(staging / name, [small_page(text)], resolution=150)
            os.replace(staging / name, self.home / "entrada" / name)

        def all_in_review() -> bool:
            queue = self.api("/queue?limit=50")
            for item in queue["items"]:
                if item["id"] not in self.ids.values():
                    self.ids[self.api(f"/documents/{item['id']}")["original_name"]] = item["id"]
            return set(letters) <= set(self.ids)

        self.service.wait_for(all_in_review, 300, "the scans to reach the review queue")

    def stop(self) -> None:
        self.service.stop()


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    root = tmp_path_factory.mktemp("oficina")
    running = Office(root / "data").start()
    try:
        running.drop_and_wait(root / "escaner", {REVIEWED: LETTERS[0], LOOKED_AT: LETTERS[2]})
        yield running
    finally:
        running.stop()


@pytest.fixture
def context(browser, office):
    """A fresh browser profile (no cookies) that records script errors; they fail the test."""
    made = browser.new_context(base_url=office.base, locale="es-MX", viewport={"width": 1400, "height": 1000})
    made.set_default_timeout(30_000)
    made.script_errors = []
    made.on("page", lambda page: page.on("pageerror", lambda error: made.script_errors.append(str(error))))
    yield made
    errors = made.script_errors
    made.close()
    assert errors == [], errors


def log_in(page, name: str) -> None:
    page.goto("/cola")
    assert page.url.endswith("/login?next=/cola")
    page.get_by_label("Usuario").fill(name)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url("**/cola")


def test_a_reviewer_finds_the_scan_corrects_its_program_and_confirms_with_the_keyboard(office, context, tmp_path):
    document_id = office.ids[REVIEWED]
    page = context.new_page()
    log_in(page, "ana")
    row = page.locator(f'tr[data-href="/documentos/{document_id}"]')
    assert row.count() == 1
    assert "Cola de revisión" in page.locator("h1").inner_text()
    received = dt.datetime.fromisoformat(office.api(f"/documents/{document_id}")["received_at"])
    local = received.astimezone(ZoneInfo("America/Hermosillo")).strftime("%d/%m/%Y %H:%M")
    assert local in row.inner_text()  # the office's clock, not UTC
    page.screenshot(path=str(tmp_path / "cola.png"), full_page=True)

    row.get_by_role("link", name=str(document_id)).click()
    page.wait_for_url(f"**/documentos/{document_id}")
    image = page.locator("#pagina-1 img")
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    text = page.locator("#pagina-1 .text pre").inner_text()
    assert "silla" in text and "ruedas" in text, text  # the OCR text beside the image

    # The confirm button is on screen without scrolling at 1400×1000, copies folded away.
    page.evaluate("window.scrollTo(0, 0)")
    assert page.locator("#confirm").evaluate("b => b.getBoundingClientRect().bottom") <= 1000
    assert not page.locator("#copies").evaluate("d => d.open")

    suggested = page.locator("#program").input_value()
    program, name, directorate = (("cuidar_a_quienes_cuidan", "Cuidar a Quienes Cuidan", "programas_sociales")
                                  if suggested != "cuidar_a_quienes_cuidan"
                                  else ("habitacion_propia", "Habitación Propia", "infraestructura_social"))
    page.keyboard.press("p")  # the shortcut puts the focus on the program list
    assert page.evaluate("document.activeElement.id") == "program"
    page.locator("#program").select_option(program)
    assert page.locator("#directorate").input_value() == directorate  # the program's directorate follows
    warning = page.locator("#directorate-warning")
    assert warning.is_hidden()
    page.locator("#directorate").select_option("juridica")  # allowed, but never silently
    assert warning.is_visible() and "no es la que el catálogo asigna" in warning.inner_text()
    page.locator("#directorate").select_option(directorate)
    assert warning.is_hidden()
    page.screenshot(path=str(tmp_path / "documento.png"), full_page=True)

    page.keyboard.press("Control+Enter")  # confirm without leaving the keyboard
    page.wait_for_url(f"**/documentos/{document_id}?turnado=1")
    year = dt.datetime.now(ZoneInfo("America/Hermosillo")).year
    folio = f"SDS-DAGC-{year}-000001"
    assert folio in page.locator("#folio").inner_text()
    page.screenshot(path=str(tmp_path / "turnado.png"), full_page=True)

    outbox = office.home / "salida" / directorate
    searchable, slip = outbox / f"{folio}.pdf", outbox / f"{folio}-volante.pdf"
    assert searchable.is_file() and slip.is_file(), sorted(p.name for p in outbox.parent.rglob("*"))
    pdf_text = subprocess.run(["pdftotext", str(searchable), "-"], capture_output=True, text=True, timeout=60).stdout
    assert "ruedas" in pdf_text  # the delivered PDF is the searchable one
    slip_text = subprocess.run(["pdftotext", str(slip), "-"], capture_output=True, text=True, timeout=60).stdout
    assert folio in slip_text and name in slip_text, slip_text

    shown = office.api(f"/documents/{document_id}")
    assert shown["state"] == "routed" and shown["folio"] == folio
    assert shown["routing"]["program"] == program and shown["routing"]["directorate"] == directorate
    assert document_id not in [i["id"] for i in office.api("/queue")["items"]]


def test_a_capturista_sees_the_document_but_cannot_confirm(office, context):
    document_id = office.ids[LOOKED_AT]
    page = context.new_page()
    log_in(page, "caro")
    page.goto(f"/documentos/{document_id}")
    assert page.locator("#pagina-1 img").count() == 1
    assert page.locator("#confirm-form").count() == 0 and page.locator("#dismiss-form").count() == 0
    page.locator("body").click()
    for key in ("c", "Enter", "Control+Enter"):
        page.keyboard.press(key)
    assert page.url.endswith(f"/documentos/{document_id}")
    # Forcing the form's request with the session's own CSRF token is refused on the server too.
    csrf = page.locator('header form input[name="csrf"]').input_value()
    forced = page.request.post(f"/documentos/{document_id}/confirmar", max_redirects=0, form={
        "csrf": csrf, "version": str(office.api(f"/documents/{document_id}")["version"]), "program": "las_jefas",
        "directorate": "programas_sociales"})
    assert forced.status == 403 and "no permite" in forced.text()
    assert office.api(f"/documents/{document_id}")["state"] == "review"


def test_enter_on_a_focused_control_does_what_the_control_says_and_confirms_nothing(office, context):
    document_id = office.ids[LOOKED_AT]
    page = context.new_page()
    log_in(page, "ana")
    page.goto(f"/documentos/{document_id}")
    details = page.locator("#pagina-1 details")
    assert not details.evaluate("d => d.open")
    page.locator("#pagina-1 summary").focus()
    page.keyboard.press("Enter")  # opens "Transcribir esta página"; it must not confirm the document
    assert details.evaluate("d => d.open")
    page.goto("/cola")
    assert office.api(f"/documents/{document_id}")["state"] == "review"


def test_a_logged_out_browser_reaches_nothing_and_logout_revokes_the_session(office, browser, context):
    document_id = office.ids[LOOKED_AT]
    page = context.new_page()
    for path in ("/", "/cola", "/turnados", "/bitacora", "/captura", "/cierres", f"/documentos/{document_id}"):
        page.goto(path)
        assert page.url.startswith(f"{office.base}/login"), path
        assert page.get_by_role("button", name="Entrar").is_visible()
    files = (f"/documentos/{document_id}/paginas/1.png", f"/documentos/{document_id}/pdf",
             f"/documentos/{document_id}/volante")

    def refused(request) -> None:
        for path in files:
            answer = request.get(path, max_redirects=0)
            assert answer.status == 303 and answer.headers["location"].startswith("/login"), path
        for path in ("/api/v1/queue", f"/api/v1/documents/{document_id}"):
            assert request.get(path).status == 401, path
        assert request.post(f"/documentos/{document_id}/confirmar", max_redirects=0,
                            form={"program": "las_jefas", "version": "1"}).status in (401, 403)

    refused(page.request)

    log_in(page, "ana")
    old = [c for c in context.cookies() if c["name"] == "peticiones_sesion"]
    assert len(old) == 1
    assert page.request.get(files[0], max_redirects=0).status == 200  # logged in, the image is there
    page.get_by_role("button", name="Cerrar sesión").click()
    page.wait_for_url("**/login")
    replay = browser.new_context(base_url=office.base)
    try:
        replay.add_cookies(old)  # the cookie from before the logout: the server has revoked its session
        again = replay.new_page()
        again.goto("/cola")
        assert again.url.startswith(f"{office.base}/login")
        refused(replay.request)
    finally:
        replay.close()
    assert office.api(f"/documents/{document_id}")["state"] == "review"


def test_a_capturista_at_a_jornada_sends_phone_photos_from_a_390_px_screen(office, browser, tmp_path):
    """Issue 15: the capture page on a phone: nothing wider than the screen, the camera offered, two photos sent as
    one petition whose folio and receipt come back."""
    from tests import damage
    from tests.pages import render_page

    phone = browser.new_context(base_url=office.base, locale="es-MX", viewport={"width": 390, "height": 844},
                                is_mobile=True, has_touch=True)
    try:
        page = phone.new_page()
        page.goto("/login?next=/captura")
        page.get_by_label("Usuario").fill("caro")
        page.get_by_label("Contraseña").fill(PASSWORD)
        page.get_by_role("button", name="Entrar").click()
        page.wait_for_url("**/captura")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        chooser = page.locator('form.photos input[type="file"]')
        assert chooser.get_attribute("capture") == "environment" and chooser.get_attribute("multiple") is not None
        shots = [damage.save_oriented(damage.photo(render_page(text, font_size=48), seed=n), tmp_path / f"f{n}.jpg", 1)
                 for n, text in enumerate(LETTERS[:2], 1)]
        chooser.set_input_files([str(p) for p in shots])
        page.get_by_label("Nota (opcional: dónde y quién la entregó)").fill("Jornada en Cajeme")
        page.get_by_role("button", name="Enviar fotos").click()
        page.wait_for_url("**/captura?recibido=*")
        assert page.locator("#received").is_visible() and "REC-" in page.locator("#received").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        phone.close()
