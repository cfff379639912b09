"""`peticiones ocr --json`: one line per file in the order given, pages read in parallel, refused files explained."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.pages import LETTERS, save_pdf, small_page

PAGE_KEYS = {"page", "text", "confidence", "rotation", "skew", "blank", "needs_transcription", "seconds", "source"}


def test_ocr_json_gives_one_line_per_file_in_the_order_given(tmp_path):
    turned = tmp_path / "volteada.png"
    small_page(LETTERS[0], rotate=90).save(turned, dpi=(150, 150))
    two = save_pdf(tmp_path / "dos.pdf", [small_page(LETTERS[1]), small_page(LETTERS[2])], resolution=150)
    fake = tmp_path / "nota.pdf"
    fake.write_text("esto no es un PDF", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pipeline", "ocr", "--json", str(two), str(fake), str(turned)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr  # one file refused: some input failed (README, «Códigos de salida»)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(two), str(fake), str(turned)]
    first, refused, last = lines
    assert [p["page"] for p in first["pages"]] == [1, 2] and all(set(p) >= PAGE_KEYS for p in first["pages"])
    assert "agua potable" in first["pages"][0]["text"] and first["seconds"] > 0
    assert refused["pages"] == [] and refused["error_code"] == "content_mismatch" and refused["error"]
    [page] = last["pages"]
    assert page["rotation"] == 270 and "silla de ruedas" in page["text"]  # turned back a quarter the other way
