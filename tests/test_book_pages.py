"""A printed book's page, as libraries scan them: a frame of rules round the text with a library's mark outside it,
a boxed vignette or ornamental initial (ocr.cleanup.frame), a running head in bold small caps whose letters touch
(ocr.cleanup.lines). Each must leave only the page's text to read, and a letter must lose nothing to them."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ocr.cleanup import frame, lines
from ocr.reader import STEPS, OcrOptions
from tests import damage
from tests.pages import FONT, LETTERS, render_page
from tests.test_ocr_damage import OPTIONS, read, similarity

BODY = LETTERS[0]
MARK = "Digitalizado por Biblioteca"


def book_page(framed: bool = True, vignette: bool = False) -> Image.Image:
    """BODY on a book page; with `framed`, a double-ruled frame round it and a library's mark below the frame."""
    page = render_page(("\n" * 3 if vignette else "") + BODY, font_size=48)
    draw = ImageDraw.Draw(page)
    if framed:
        for inset in (0, 14):
            draw.rectangle((140 + inset, 120 + inset, 2340 - inset, 2000 - inset), outline=0, width=5 - 2 * (inset > 0))
        for x, y in ((140, 120), (2340, 120), (140, 2000), (2340, 2000)):  # ornaments at the corners
            draw.ellipse((x - 30, y - 30, x + 30, y + 30), outline=0, width=8)
        draw.text((1500, 2150), MARK, font=ImageFont.truetype(FONT, 40), fill=0)
    if vignette:  # a woodcut in its box: white strokes cut into black ground
        rng = np.random.default_rng(3)
        box = (700, 170, 1700, 330)
        draw.rectangle(box, fill=0)
        for _ in range(120):
            x, y = rng.integers(box[0] + 20, box[2] - 80), rng.integers(box[1] + 15, box[3] - 55)
            draw.arc((x, y, x + 60, y + 40), int(rng.integers(0, 180)), 300, fill=255, width=5)
    return page


def test_writing_outside_a_books_frame_is_not_read():
    page = read(book_page())
    assert MARK.split()[0] not in page.text
    assert similarity(page.text, BODY) > 0.97
    unframed = read(book_page(), OcrOptions(OPTIONS.language, OPTIONS.timeout, steps=STEPS - {"frame"}))
    assert MARK.split()[0] in unframed.text  # what the step is for


def test_a_letter_with_a_ruled_table_of_beneficiaries_keeps_the_lines_above_the_table():
    page = render_page("Solicitamos apoyo para las familias de la lista.", font_size=48)
    draw = ImageDraw.Draw(page)
    rows = range(500, 2900, 200)
    for y in rows:
        draw.line((200, y, 2280, y), fill=0, width=4)
    for x in (200, 1200, 2280):
        draw.line((x, 500, x, 2700), fill=0, width=4)
    gray = np.asarray(page)
    assert frame.find(gray).frame is None
    names = ImageFont.truetype(FONT, 44)
    for i, y in enumerate(rows[:-1]):  # the table holds most of the writing
        draw.text((230, y + 60), f"Familia número {i + 1} de la colonia Centro", font=names, fill=0)
        draw.text((1230, y + 60), f"Calle Reforma {100 + i}, Hermosillo", font=names, fill=0)
    assert "Solicitamos" in read(page).text


def test_a_boxed_vignette_is_found_and_not_read_as_letters():
    page = book_page(framed=False, vignette=True)
    found = frame.find(np.asarray(page)).figures
    assert len(found) == 1 and np.allclose(found[0], (170, 700, 331, 1701), atol=8)
    read_text = read(page).text
    assert similarity(read_text, BODY) > 0.97 and len(read_text) < 1.03 * len(BODY)


def _word(mask: np.ndarray, left: int, letters: int, top: int = 400, height: int = 32) -> int:
    """A word of `letters` hollow capitals whose serifs touch: one mark; returns where it ends."""
    for i in range(letters):
        x = left + 28 * i
        mask[top:top + height, x:x + 24] = True
        mask[top + 7:top + height - 7, x + 7:x + 17] = False
        mask[top + height - 5:top + height, x + 24:x + 28] = True  # the serif joining it to the next
    return left + 28 * letters


def test_a_running_head_whose_bold_letters_touch_is_a_text_line_and_a_rule_is_not():
    mask = np.zeros((1200, 2000), bool)
    end = _word(mask, 300, 11)  # "INFORMACIONES", its letters joined: ~9.6 of its heights long
    _word(mask, end + 40, 9)
    mask[800:832, 300:1200] = True  # a rule as thick: solid
    found = lines.find(mask, 300)
    assert found is not None and found.lines == 1
    runs = found.runs > 0  # at half size
    assert runs[200:216, 150:end // 2].mean() > 0.9
    assert not runs[400:416, 150:600].any()


def test_a_letter_under_streaks_with_a_letterhead_rule_has_no_frame_or_picture():
    page = damage.drum_streaks(render_page(BODY, font_size=48), bands=6, density=0.4, seed=2)
    ImageDraw.Draw(page).line((200, 200, 2280, 200), fill=0, width=6)  # the letterhead's rule
    ImageDraw.Draw(page).line((200, 3300, 2280, 3300), fill=0, width=6)  # the footer's
    gray = np.asarray(page.convert("L"))
    assert frame.find(gray).frame is None
    assert frame.find(gray).figures == []


def test_blank_black_and_tiny_pages_have_no_frame_or_picture():
    for gray in (np.full((3508, 2480), 255, np.uint8), np.zeros((3508, 2480), np.uint8), np.zeros((3, 2), np.uint8),
                 np.full((1, 5000), 0, np.uint8)):
        assert frame.find(gray) == frame.Boxes(None, [])
