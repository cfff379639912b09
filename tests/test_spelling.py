"""Words OCR misread by one letter are read by the classifier as the Spanish word they almost are (spelling.py)."""

import pytest

from classifiers import prepare, spelling


@pytest.fixture(autouse=True, scope="module")
def dictionary():
    if not spelling.dictionary():
        pytest.fail("Tesseract's Spanish word list is missing: `make deps` installs tesseract-ocr-spa")


@pytest.mark.parametrize("read, meant", [
    ("fcbrero", "febrero"),           # an e read as a c
    ("dlnero,", "dinero,"),           # an i read as an l; the comma stays
    ("tvristas", "turistas"),         # a u read as a v
    ("septiempbre", "septiembre"),    # a letter too many
    ("(solicitusd)", "(solicitud)"),
    ("edificacin", "edificacion"),    # a letter lost
])
def test_a_word_one_slip_off_a_spanish_word_is_read_as_it(read, meant):
    assert spelling.mended(f"el {read} de hoy") == f"el {meant} de hoy"


def test_a_capital_that_opens_a_sentence_is_mended_and_one_inside_it_is_a_name():
    assert spelling.mended("Solieitud: Ticrra de Pesqueira. Hcrmano") == "solicitud: tierra de Pesqueira. hermano"
    assert spelling.mended("de (Pesqueira) y «Ceceña», ¿Solieitud?") == "de (Pesqueira) y «Ceceña», ¿solicitud?"


@pytest.mark.parametrize("word", [
    "SEDUVI",      # capitals: an acronym, not a misread
    "casa",        # a word of the dictionary
    "cama1",       # not letters only
    "rnuy",        # too short to say which word it was
    "particulat",  # one slip off two words (particular, partícula): which one is a guess
    "deportaron",  # a d for an r is no slip of shape: "reportaron" is another word, not the one misread
    "xqzvwk",      # nothing near it
])
def test_what_is_not_clearly_a_misread_stays_as_written(word):
    assert spelling.mended(f"el {word} de hoy") == f"el {word} de hoy"


@pytest.mark.timeout(30)  # its one-slip neighbours took 88 s to list (27 times 30,000 strings of 30,000 letters)
def test_a_token_longer_than_any_spanish_word_stays_as_written():
    token = "solicitud" * 3_400
    assert spelling.mended(f"el {token} de hoy") == f"el {token} de hoy"
    assert spelling.mended("el hispanohablntes de hoy") == "el hispanohablantes de hoy"  # the word list's longest


def test_the_classifier_reads_the_mended_words():
    prepared = prepare.prepare("Solicito saber el dlnero gastado en remover escombros del sismo de septiempbre.")
    assert "dinero" in prepared and "septiembre" in prepared and "septiempbre" not in prepared


def test_without_a_dictionary_the_text_is_read_as_it_came(monkeypatch):
    monkeypatch.setattr(spelling, "dictionary", lambda: frozenset())
    assert spelling.mended("el dlnero de septiempbre") == "el dlnero de septiempbre"
