"""A CURP the page's reading got wrong is read again on its own (ocr/codes.py), on lines the tests print."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from classifiers import curp
from ocr import codes, tesseract
from ocr.page import Word
from tests.pages import FONT

TRUE = "BOGY810625MSLJRL05"  # sound; "BOGY310625…" passes the check digit too (3 and 8 weigh alike at that place)


def _line(text: str, size: int = 48) -> np.ndarray:
    """One printed line at 300 dpi, white round it."""
    font = ImageFont.truetype(FONT, size)
    width = int(font.getlength(text)) + 120
    image = Image.new("L", (width, size * 3), 255)
    ImageDraw.Draw(image).text((60, size), text, font=font, fill=0)
    return np.asarray(image)


def _misread(image: np.ndarray, wrong: str) -> tuple[Word, ...]:
    """The line as Tesseract reads it, with its CURP word's text replaced by `wrong`: a first reading's slip."""
    words = tesseract.recognise(image, "spa", 60, psm=7).words
    assert len(words) == 2 and curp.find_curp(words[1].text)[0]["value"] == TRUE, words  # the print itself reads
    return words[0], Word(wrong, 60.0, words[1].box, words[1].line)


def test_several_lines_are_read_in_one_tesseract_run(monkeypatch):
    runs = []
    real = tesseract._run
    monkeypatch.setattr(tesseract, "_run", lambda *args: runs.append(args) or real(*args))
    found = tesseract.recognise_lines([_line("Hermosillo, Sonora"), _line(TRUE)], [300, 300], "spa", 60)
    assert len(runs) == 1
    assert " ".join(w.text for w in found[0].words) == "Hermosillo, Sonora"
    assert curp.find_curp(" ".join(w.text for w in found[1].words))[0]["value"] == TRUE  # "…RLO5": O for 0


@pytest.mark.parametrize("wrong", ["BOGY310625MSLJIRLO5",  # sound but for a repair, and the wrong CURP
                                   "BOGY81O6Z5MSLJRLO8",  # no sound reading at all
                                   "(BOGY310625MSLJIRLO5"])  # the CURP starts inside the word
def test_a_misread_curp_is_read_again_from_the_image(wrong):
    image = _line(f"CURP: {TRUE}")
    words = _misread(image, wrong)
    mended = codes.reread(words, image, 1, 300, "spa", 60)
    field, _ = curp.find_curp(" ".join(w.text for w in mended))
    assert field["value"] == TRUE and field["valid"]
    assert len(mended) == len(words) and mended[0].text == words[0].text  # the cue word kept, the CURP replaced


def test_a_curp_read_surely_is_not_read_again(monkeypatch):
    image = _line(f"CURP: {TRUE}")
    words = tesseract.recognise(image, "spa", 60, psm=7).words
    monkeypatch.setattr(tesseract, "recognise_lines", lambda *args: pytest.fail("read again"))
    assert codes.reread(words, image, 1, 300, "spa", 60) == words


def _reading(text: str) -> tesseract.Recognition:
    return tesseract.Recognition((Word(text, 80.0, (0, 0, 10, 10)),), None, 80.0)


def test_the_readings_vote_then_fewer_repairs_decide_and_a_tie_keeps_the_first():
    first = {"value": "BOGY310625MSLJRL05", "score": 0.86, "valid": True}
    agreeing = codes._voted(first, [_reading("BOGY810625MSLJRL05"), _reading("BOGY81O625MSLJRL05")], curp)
    assert agreeing is not None and curp.find_curp(agreeing.words[0].text)[0]["value"] == TRUE
    # one vote each (the other second reading is no CURP): the reading that needed fewer repairs
    cleaner = codes._voted(first, [_reading(TRUE), _reading("XXXX")], curp)
    assert cleaner is not None and cleaner.words[0].text == TRUE
    assert codes._voted(dict(first, score=0.97), [_reading(TRUE), _reading("XXXX")], curp) is None  # a tie
    assert codes._voted(first, [_reading("BOGY310625MSLJRL05"), _reading(TRUE)], curp) is None  # the first wins


def test_a_curp_that_punctuation_broke_into_no_run_is_read_again_after_its_cue():
    image = _line(f"CURP: {TRUE}")
    words = _misread(image, "BOGY8'106:25MSLJRL05")  # no run of characters a CURP could be
    assert curp.find_curp(" ".join(w.text for w in words)) == (None, [])
    mended = codes.reread(words, image, 1, 300, "spa", 60)
    assert curp.find_curp(" ".join(w.text for w in mended))[0]["value"] == TRUE


def test_a_cue_followed_by_words_is_not_read_again(monkeypatch):
    image = _line("Anexo copia de mi CURP y de mi INE vigente")
    words = tesseract.recognise(image, "spa", 60, psm=7).words
    monkeypatch.setattr(tesseract, "recognise_lines", lambda *args: pytest.fail("read again"))
    assert codes.reread(words, image, 1, 300, "spa", 60) == words
