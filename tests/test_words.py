"""Which recognised words reach the text people and the classifier read (ocr/words.py): debris lines out, a
doubtful line that still holds a place name, a phone or a word of the language in."""

from __future__ import annotations

from ocr import words
from ocr.page import Word

LEXICON = frozenset({"solicito", "apoyo", "para", "vivienda", "sonora", "domicilio", "calle"})


def line(text: str, confidence: float, number: int) -> list[Word]:
    return [Word(token, confidence, (10 * i, 20 * number, 9, 18), (1, 1, number))
            for i, token in enumerate(text.split())]


def kept_lines(*lines: list[Word]) -> list[str]:
    legible = words.legible([w for ws in lines for w in ws], LEXICON)
    return [text for text in words.text_of(legible).splitlines() if text]


def test_a_doubtful_line_of_streak_debris_is_left_out():
    debris = line("p E E $ E pon A at Ho y Cadesr E E E A", 26.0, 2)
    assert kept_lines(line("Solicito apoyo para vivienda", 92.0, 1), debris) == ["Solicito apoyo para vivienda"]


def test_a_doubtful_line_holding_a_misread_place_name_stays_for_extraction_to_match():
    assert kept_lines(line("Bacgachi, Sc a", 42.0, 1)) == ["Bacgachi, Sc a"]


def test_a_doubtful_line_with_a_phone_or_a_word_of_the_language_stays():
    assert kept_lines(line("Tel. 622 736 6668", 30.0, 1), line("Domicilio: Cal1e Reforma", 35.0, 2)) == [
        "Tel. 622 736 6668", "Domicilio: Cal1e Reforma"]


def test_a_confident_line_stays_whatever_it_says():
    assert kept_lines(line("IE A E A TI", 90.0, 1)) == ["IE A E A TI"]


def test_digits_scattered_in_debris_do_not_keep_it():
    debris = line("$ 4104 44 049146 4 4 dE ¿4401 .eolras » teM4 y.» A ¿ st pH.oI", 36.0, 2)
    assert kept_lines(line("Solicito apoyo para vivienda", 92.0, 1), debris) == ["Solicito apoyo para vivienda"]


def test_a_doubtful_line_that_may_hold_an_identifier_stays_for_extraction():
    kept = ["bripo: hectc” .1razo98(0 gmail.com",  # an e-mail whose "@" OCR lost
            "CURP: DURE 'OSO09HCHRZCOG",            # a CURP after its cue
            "+52 644 469 8997 Ás"]                  # mostly digits: a phone
    assert kept_lines(*[line(text, 20.0, n) for n, text in enumerate(kept, 1)]) == kept


def test_short_non_words_of_the_word_list_do_not_keep_a_line_of_debris():
    lexicon = LEXICON | {"qero", "agro", "stos"}  # Tesseract's list holds such four-letter non-words
    debris = line("ES ve qero $4 agro 4.00% est 4 IN ADE A Y vo", 31.0, 2)
    text = line("Solicito apoyo para vivienda", 92.0, 1)
    assert words.text_of(words.legible(text + debris, lexicon)) == "Solicito apoyo para vivienda"


def test_closing_punctuation_read_apart_is_written_against_the_word_before_it():
    read = line("Tremebundo , y no me ; Francesa ? ¿ Sí ( dijo )", 90.0, 1)
    assert kept_lines(read) == ["Tremebundo, y no me; Francesa? ¿ Sí ( dijo)"]


def test_punctuation_alone_read_doubtfully_is_a_speck_and_read_surely_stays():
    read = [Word("calles", 90.0, (0, 0, 9, 18), (1, 1, 1)), Word("-", 34.0, (10, 0, 9, 18), (1, 1, 1)),
            Word("de", 90.0, (20, 0, 9, 18), (1, 1, 1)), Word("la", 90.0, (30, 0, 9, 18), (1, 1, 1)),
            Word("ciudad", 90.0, (40, 0, 9, 18), (1, 1, 1)), Word(".", 44.0, (50, 0, 9, 18), (1, 1, 1)),
            Word("—", 88.0, (60, 0, 9, 18), (1, 1, 1)), Word("Sí", 90.0, (70, 0, 9, 18), (1, 1, 1))]
    assert words.text_of(words.legible(read, LEXICON)) == "calles de la ciudad — Sí"


def test_the_word_no_is_no_cue_for_a_number():
    debris = line("E no $ 4 A¿ ss 7 Ás", 30.0, 2)  # "No." cues a number; "no" is a word, in debris as anywhere
    assert kept_lines(line("Solicito apoyo para vivienda", 92.0, 1), debris) == ["Solicito apoyo para vivienda"]
    assert kept_lines(line("No. 4 Ás", 30.0, 1)) == ["No. 4 Ás"]
