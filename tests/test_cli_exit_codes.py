"""Every command ends with a documented exit code (README, «Códigos de salida»): 0 all done, 1 some input failed,
2 refused (bad arguments or configuration, a typed error), 3 an unexpected error; never a traceback on the terminal."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest

from tests.conftest import PETICIONES, ROOT
from tests.pages import LETTERS, save_pdf, small_page


def run(home, *args, stdin: str = "", **env):
    environment = {**os.environ, "PETICIONES_HOME": str(home), "PETICIONES_WORKERS": "2", **env}
    return subprocess.run(PETICIONES + [str(a) for a in args], input=stdin, env=environment, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def no_traceback(result) -> bool:
    return "Traceback" not in result.stderr and "Traceback" not in result.stdout


@pytest.fixture
def fake_pdf(tmp_path):
    fake = tmp_path / "nota.pdf"
    fake.write_text("esto no es un PDF", encoding="utf-8")
    return fake


def test_bad_arguments_are_refused_with_code_2(home, tmp_path):
    for args in ([], ["nope"], ["ocr", tmp_path / "no-existe.pdf"], ["serve", "--port", "abc"],
                 ["classify"], ["recordatorios", "--fecha", "ayer"]):
        result = run(home, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert no_traceback(result), args


def test_a_setting_that_does_not_parse_is_refused_with_its_name(home):
    result = run(home, "status", PETICIONES_WORKERS="muchos")
    assert result.returncode == 2 and "PETICIONES_WORKERS" in result.stderr and no_traceback(result)


def test_a_queue_url_the_service_cannot_open_is_refused_with_its_name(home):
    result = run(home, "status", PETICIONES_QUEUE_URL="amqp://cola:5672")
    assert result.returncode == 2 and "PETICIONES_QUEUE_URL" in result.stderr and no_traceback(result)


def test_typed_errors_print_their_message_and_code_with_code_2(home, tmp_path):
    missing = run(home, "classify", "Solicito una silla de ruedas.", PETICIONES_MODEL=str(tmp_path / "sin-modelo"))
    assert missing.returncode == 2, missing.stderr
    assert "No se encontró el modelo de clasificación" in missing.stderr and "(model_missing)" in missing.stderr
    assert no_traceback(missing)
    assert run(home, "users", "token", "nadie").returncode == 2
    unknown = run(home, "models", "activate", "no-existe")
    assert unknown.returncode == 2 and no_traceback(unknown), unknown.stderr
    user = run(home, "catalogue", "export", "--usuario", "nadie")
    assert user.returncode == 2 and "(unknown_user)" in user.stderr and no_traceback(user)


def test_commands_that_succeed_exit_0(home):
    assert run(home, "db", "upgrade").returncode == 0
    assert run(home, "status", "--json").returncode == 0
    assert run(home, "models", "list", "--json").returncode == 0
    assert run(home, "classify", "--json", "Solicito una silla de ruedas para mi hijo.").returncode == 0


def test_ocr_exits_1_when_some_or_every_file_failed_and_0_when_all_were_read(home, tmp_path, fake_pdf):
    good = save_pdf(tmp_path / "carta.pdf", [small_page(LETTERS[0])], resolution=150)
    assert run(home, "ocr", "--json", good).returncode == 0
    every = run(home, "ocr", "--json", fake_pdf)
    assert every.returncode == 1 and '"error_code": "content_mismatch"' in every.stdout
    table = run(home, "ocr", fake_pdf)
    assert table.returncode == 1 and "1 de 1 archivo(s)" in table.stderr and no_traceback(table)


def test_process_exits_1_when_a_file_is_quarantined(home, fake_pdf):
    result = run(home, "process", fake_pdf)
    assert result.returncode == 1, result.stderr
    assert "quarantined" in result.stdout and no_traceback(result)


def test_process_exits_0_when_every_file_reached_review(home, tmp_path):
    good = save_pdf(tmp_path / "carta.pdf", [small_page(LETTERS[0])], resolution=150)
    result = run(home, "process", good)
    assert result.returncode == 0, result.stderr
    assert "review" in result.stdout


def test_an_unexpected_error_says_where_its_details_are_with_code_3(home, tmp_path):
    # A database server that does not answer (nothing listens on port 1): no typed error describes it.
    result = run(home, "status", PETICIONES_DATABASE_URL="postgresql+psycopg://nadie@127.0.0.1:1/peticiones")
    assert result.returncode == 3, result.stderr
    assert "Error inesperado" in result.stderr and no_traceback(result)
    log = home / "errores.log"
    assert str(log.resolve()) in result.stderr
    assert "Traceback" in log.read_text(encoding="utf-8")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600  # a traceback may carry names and petition text
