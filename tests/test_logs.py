"""PETICIONES_LOG_FORMAT: text lines for people or one JSON object a line, and in both a record stays one line
whatever a file name or an exception message carries (newline, ESC, C1 controls, bidirectional overrides)."""

from __future__ import annotations

import json
import logging
import os
import subprocess

from pipeline.logs import JsonFormatter, TextFormatter
from tests.conftest import PETICIONES, ROOT

NASTY = "carta\n2026-01-01 00:00:00 INFO forjado: todo bien\x1b[31m\x9b\u202e\u2028.pdf"


def record(message: str = "cuarentena: %s", *args, exc_info=None, **extra) -> logging.LogRecord:
    entry = logging.LogRecord("watch_folders.intake", logging.WARNING, __file__, 1, message, args or (NASTY,), exc_info)
    entry.__dict__.update(extra)
    return entry


def raised():
    try:
        raise ValueError(f"no se pudo leer {NASTY}")
    except ValueError as error:
        return (type(error), error, error.__traceback__)


def test_text_lines_escape_control_characters_and_carry_extra_fields():
    line = TextFormatter().format(record(document=7, code="content_mismatch"))
    assert "\n" not in line and "\x1b" not in line and "\x9b" not in line and "\u202e" not in line
    assert " WARNING watch_folders.intake: cuarentena: carta\\n2026-01-01" in line and "\\x1b[31m" in line
    assert line.endswith("document=7 code=content_mismatch")


def test_a_traceback_in_text_is_indented_under_its_record():
    lines = TextFormatter().format(record("falló %s", 3, exc_info=raised())).split("\n")
    assert lines[0].endswith("falló 3")
    assert all(line.startswith("    ") for line in lines[1:])  # the message's own newlines too
    assert any("ValueError: no se pudo leer carta" in line for line in lines)
    assert not any("\x1b" in line for line in lines)


def test_json_is_one_object_a_line_with_the_exact_message_and_extra_fields():
    line = JsonFormatter().format(record(document=7, path=ROOT))
    assert "\n" not in line and not any(c in line for c in "\x1b\x9b\u202e\u2028")
    entry = json.loads(line)
    assert entry["message"] == f"cuarentena: {NASTY}"  # escaped on the line, exact once read
    assert entry["level"] == "WARNING" and entry["logger"] == "watch_folders.intake"
    assert entry["time"].endswith("+00:00") and entry["document"] == 7 and entry["path"] == str(ROOT)
    failed = json.loads(JsonFormatter().format(record("falló %s", 3, exc_info=raised())))
    assert "ValueError" in failed["exception"] and failed["message"] == "falló 3"


def run(home, *args, **env):
    environment = {**os.environ, "PETICIONES_HOME": str(home), "PETICIONES_WORKERS": "1", **env}
    return subprocess.run(PETICIONES + [str(a) for a in args], env=environment, cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_the_commands_log_in_the_format_the_setting_names(home, tmp_path):
    fake = tmp_path / "carta\n\x1b[2J.pdf"  # a file name can hold a newline and a terminal's escape
    fake.write_bytes(b"")  # empty: refused at intake, which logs a warning naming it
    as_json = run(home, "process", fake, PETICIONES_LOG_FORMAT="json")
    assert as_json.returncode == 1, as_json.stderr
    entries = [json.loads(line) for line in as_json.stderr.splitlines() if line.startswith("{")]
    [warning] = [e for e in entries if e["logger"] == "watch_folders.intake"]
    assert warning["level"] == "WARNING" and "empty_file" in warning["message"]
    assert "\x1b" not in as_json.stderr
    as_text = run(home, "process", fake)
    [line] = [line for line in as_text.stderr.splitlines() if " WARNING watch_folders.intake: " in line]
    assert "carta\\n\\x1b[2J.pdf" in line and "\x1b" not in as_text.stderr
    refused = run(home, "status", PETICIONES_LOG_FORMAT="xml")
    assert refused.returncode == 2 and "PETICIONES_LOG_FORMAT" in refused.stderr
