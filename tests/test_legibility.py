"""A petitioner field read from words Tesseract was unsure of is marked for checking (classifiers/legibility.py)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from classifiers import legibility
from classifiers.extraction import extract_fields
from pipeline.classification import recognised_words

LETTER = ("Hermosillo, Sonora, a 3 de noviembre de 2026.\n\nC. SECRETARIO DE DESARROLLO SOCIAL\nPRESENTE\n\n"
          "La que suscribe, Rosa Pérez Valenzuela, vecina de Navojoa, Sonora, con CURP PEVR800101MSRRLS02, "
          "solicito una silla de ruedas para mi madre.\n\nATENTAMENTE\nRosa Pérez Valenzuela")


def words_of(text: str, doubtful: dict[str, float], garbage_after: str | None = None,
             first_only: bool = False) -> list[list]:
    """The text's words as recognition gives them, each read at 95 unless `doubtful` says otherwise (with
    `first_only`, only where the word first comes); a garbage word the text left out follows `garbage_after`."""
    words, seen = [], set()
    for word in text.split():
        words.append([word, 95.0 if first_only and word in seen else doubtful.get(word, 95.0), 0, 0, 10, 10])
        seen.add(word)
        if word == garbage_after:
            words.append(["~%&", 12.0, 0, 0, 10, 10])
    return words


def test_each_character_takes_its_words_confidence_and_garbage_words_are_skipped():
    text = "Me llamo Rosa\nTel 662"
    confidence = legibility.character_confidences(text, words_of(text, {"Rosa": 40.0}, garbage_after="llamo"))
    assert confidence[text.index("Rosa")] == 40.0 and confidence[text.index("Tel")] == 95.0
    assert np.isnan(confidence[text.index(" ")])


def test_a_name_read_from_doubtful_words_is_marked_and_one_read_well_is_not():
    doubtful = {"Pérez": 48.0, "Valenzuela,": 55.0, "Valenzuela": 52.0, "PEVR800101MSRRLS02,": 20.0}
    fields = legibility.mark(extract_fields(LETTER), LETTER, words_of(LETTER, doubtful))
    name = fields["name"]
    assert name["value"] == "Rosa Pérez Valenzuela"
    assert name["read_confidence"] == 48 and name["doubtful"] and name["score"] <= legibility.DOUBTFUL_SCORE
    assert fields["municipality"]["read_confidence"] == 95 and "doubtful" not in fields["municipality"]
    # a CURP is no dictionary word: Tesseract doubts right ones too, and its check digit says more
    assert "read_confidence" not in fields["curp"] and fields["curp"]["valid"]


def test_the_best_read_occurrence_decides():
    opening = {"Pérez": 48.0, "Valenzuela,": 55.0}  # the opening's copy doubtful, the signature's clear
    fields = legibility.mark(extract_fields(LETTER), LETTER, words_of(LETTER, opening, first_only=True))
    assert fields["name"]["read_confidence"] == 95 and "doubtful" not in fields["name"]


def test_a_typed_page_has_no_recognition_to_judge_it():
    scanned = SimpleNamespace(text="Me llamo Rosa", words=[["Me", 95.0], ["llamo", 90.0], ["Rosa", 40.0]])
    assert recognised_words([scanned], "Me llamo Rosa") == scanned.words
    assert recognised_words([scanned], "Me llamo Rosa Pérez") is None  # a transcription took its place
    fields = extract_fields(LETTER)
    assert legibility.mark(fields, LETTER, None) == extract_fields(LETTER)
