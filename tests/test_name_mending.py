"""A petitioner's name as OCR left it: letters a streak took out filled in from the letter's own e-mail, a given
name one letter off put right, a speck after the surnames left out; and nothing made up where the letter does not
decide."""

from __future__ import annotations

import pytest

from classifiers import name_mending
from classifiers.extraction import extract_fields
from classifiers.gazetteer import fold


def opening(name: str, email: str = "") -> str:
    contact = f", correo {email}" if email else ""
    return ("Hermosillo, Sonora, a 19 de julio de 2025\nC. SECRETARIO DE DESARROLLO SOCIAL\nPRESENTE\n\n"
            f"La que suscribe, {name}, con domicilio en Calle Galeana 92, Pitiquito, Sonora{contact}, por medio "
            "de la presente solicito una despensa.\n")


def signed(name: str, email: str) -> str:
    return f"Solicito una despensa para mi familia.\n\nATENTAMENTE\n\n{name}\nCorreo: {email}\n"


@pytest.mark.parametrize("text, expected, read", [
    # the end of a word left ("Mor" under a streak), the word whole in the e-mail OCR also damaged
    (opening("Rocío eno Yocupicio", "cio.moreno854h tmail.co"), "Rocío Moreno Yocupicio", "Rocío eno Yocupicio"),
    # its start and its end left, in a signature block
    (signed("Julieta María Mo no Durazo", "julieta.moreno1@hotmail.com"), "Julieta María Moreno Durazo",
     "Julieta María Mo no Durazo"),
    # the two sides of the streak read as one word
    (opening("Rocío Meno Yocupicio", "cio.moreno8548h tmail.cc"), "Rocío Moreno Yocupicio", "Rocío Meno Yocupicio"),
])
def test_a_word_a_streak_cut_is_filled_in_from_the_letter_s_e_mail(text, expected, read):
    name = extract_fields(text)["name"]
    assert name["value"] == expected
    assert name["read_as"] == read and name["score"] <= 0.85  # marked for the reviewer to check against the scan


@pytest.mark.parametrize("text, expected, read", [
    # the M's strokes under a streak, read as a small d; the next word's pieces filled in from the e-mail after it
    (signed("Julieta daría Mo no Durazo", "julieta.moreno1@hotmail.com"), "Julieta María Moreno Durazo",
     "Julieta daría Mo no Durazo"),
    (opening("Héctor Manuel surazo Ruiz"), "Héctor Manuel Durazo Ruiz", "Héctor Manuel surazo Ruiz"),
])
def test_a_capital_read_as_a_small_letter_inside_a_name_is_put_back(text, expected, read):
    name = extract_fields(text)["name"]
    assert name["value"] == expected
    assert name["read_as"] == read and name["score"] <= 0.85


@pytest.mark.parametrize("text", [
    opening("María de la Luz Romero"),            # a joining word stays
    opening("Rosa pide Ayuda Social"),            # "pide" is no common name with another first letter
])
def test_small_words_between_capitalised_ones_that_are_no_name_stay(text):
    assert name_mending.filled(text, fold(text))[1] == {}


@pytest.mark.parametrize("text", [
    opening("Rocío eno Yocupicio"),                                        # no e-mail: nothing says which word
    opening("Rocío eno Yocupicio", "rocio.moreno85@hotmail.com, otro.sereno@gmail.com"),  # two words fit
    opening("Rocío no Yocupicio", "rocio.moreno85@hotmail.com"),           # two letters alone say too little
    opening("Rocío Meno Yocupicio", "rocio.meno@gmail.com, otro.moreno@gmail.com"),  # read as an address writes it
    opening("Rocío Morena Yocupicio", "rocio.moreno85@hotmail.com"),       # one letter off, but a word: a spelling
    opening("Rocío Mena Yocupicio", "rocio.moreno85@hotmail.com"),         # its end is not the address word's
])
def test_no_word_is_made_up_where_the_letter_does_not_decide_it(text):
    assert "Moreno" not in (extract_fields(text).get("name") or {}).get("value", "")


def test_small_words_between_capitalised_ones_stay_as_written():
    text = "María de la Luz Pérez y Cajeme, correo luz.delaluz@gmail.com"
    assert name_mending.filled(text, fold(text)) == (text, {})


@pytest.mark.parametrize("read, expected", [
    ("Julieta Jaría Moreno Durazo", "Julieta María Moreno Durazo"),  # a given name one letter off, no Spanish word
    ("Hécfor Manuel Durazo Ruiz", "Héctor Manuel Durazo Ruiz"),
    ("Dalia Moreno Durazo", "Dalia Moreno Durazo"),                  # a Spanish word (a flower) is left as written
    ("Julieta Moreno Maríe", "Julieta Moreno Maríe"),                # a surname is never taken for a given name
])
def test_a_given_name_one_letter_off_a_common_one_is_put_right(read, expected):
    name = extract_fields(signed(read, "contacto@hotmail.com"))["name"]
    assert name["value"] == expected
    assert name.get("read_as") == (read if read != expected else None)


@pytest.mark.parametrize("signature, expected", [
    ("Julieta María Moreno Durazo Ñ", "Julieta María Moreno Durazo"),  # a speck read as a capital
    ("Julieta María Moreno D.", "Julieta María Moreno D"),             # an initial (its stop) stays
])
def test_a_lone_capital_after_the_surnames_is_a_speck_unless_it_is_an_initial(signature, expected):
    assert extract_fields(signed(signature, "contacto@hotmail.com"))["name"]["value"] == expected


def test_a_speck_read_as_a_capital_before_the_pieces_goes_with_them():
    name = extract_fields(opening("Rocío Y eno Yocupicio", "rocio.moreno85@hotmail.com"))["name"]
    assert name["value"] == "Rocío Moreno Yocupicio" and name["read_as"] == "Rocío Y eno Yocupicio"


def test_an_e_mail_word_one_letter_off_a_common_name_of_the_petitioner_takes_the_name_s_spelling():
    # the name is written once (signed), but it is spelt as a common name: the address's slip is the one to mend
    text = signed("Verónica Carmen Martínez Ruiz", "veyonica.martinez 14(0gmail.com")
    assert extract_fields(text)["email"]["value"] == "veronica.martinez14@gmail.com"
    # a name word the list lacks, written once, cannot say which of the two readings slipped: the address stays
    rare = signed("Verónica Carmen Martínex Ruiz", "martinez.veronica14@gmail.com")
    assert extract_fields(rare)["email"]["value"] == "martinez.veronica14@gmail.com"


def test_two_readings_of_a_surname_as_often_written_take_the_common_spelling():
    text = ("C. SECRETARIO DE DESARROLLO SOCIAL\nPRESENTE\n\nEl que suscribe, Rubén Martín Acosta Durezo, con "
            "domicilio en Calle Galeana 146, Nogales, Sonora.\n\nATENTAMENTE\n\nRubén Martín Acosta Durazo\n")
    assert extract_fields(text)["name"]["value"] == "Rubén Martín Acosta Durazo"


def test_a_name_the_letter_writes_whole_elsewhere_is_not_marked_as_filled_in():
    text = opening("Rocío eno Yocupicio", "rocio.moreno85@hotmail.com") + "\nATENTAMENTE\n\nRocío Moreno Yocupicio\n"
    name = extract_fields(text)["name"]
    assert name["value"] == "Rocío Moreno Yocupicio" and "read_as" not in name


def test_without_the_word_list_no_given_name_is_mended(monkeypatch):
    from classifiers import spelling

    monkeypatch.setattr(spelling, "dictionary", lambda: frozenset())  # Tesseract's Spanish data missing
    name = extract_fields(signed("Julieta Jaría Moreno Durazo", "contacto@hotmail.com"))["name"]
    assert name["value"] == "Julieta Jaría Moreno Durazo" and "read_as" not in name


def test_a_word_one_letter_off_the_common_name_the_email_types_is_that_name():
    # "Mreno" is no word: read twice, once signed and once typed in the address, the address's common name wins
    name = extract_fields(opening("Rocío Mreno Yocupicio", "rocio.moreno85@hotmail.com"))["name"]
    assert name["value"] == "Rocío Moreno Yocupicio" and name["read_as"] == "Rocío Mreno Yocupicio"
