"""A petitioner field read from words Tesseract was unsure of is marked for checking (classifiers/legibility.py)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from classifiers import legibility
from classifiers.extraction import extract_fields
from storage import texts
from storage.tables import Page, Role, Transcription, User
from tests.review_helpers import document_in_review, make_user

LETTER = ("Hermosillo, Sonora, a 3 de noviembre de 2026.\n\nC. SECRETARIO DE DESARROLLO SOCIAL\nPRESENTE\n\n"
          "La que suscribe, Rosa Pérez Valenzuela, vecina de Navojoa, Sonora, con CURP PEVR800101MSRRLS02, "
          "solicito una silla de ruedas para mi madre.\n\nATENTAMENTE\nRosa Pérez Valenzuela")


def words_of(text: str, doubtful: dict[str, float], garbage_before: str | None = None,
             first_only: bool = False) -> list[list]:
    """The text's words as recognition gives them, each read at 95 unless `doubtful` says otherwise (with
    `first_only`, only where the word first comes); a garbage word the text left out comes before
    `garbage_before`, spelled as that word's first letter (a noise line's "L" before "La")."""
    words, seen = [], set()
    for word in text.split():
        if word == garbage_before:
            words.append([word[0], 12.0, 0, 0, 10, 10])
        words.append([word, 95.0 if first_only and word in seen else doubtful.get(word, 95.0), 0, 0, 10, 10])
        seen.add(word)
    return words


def marked(text: str, pages) -> dict:
    return legibility.mark(extract_fields(text), text, pages)


def test_each_character_takes_its_words_confidence_and_garbage_words_are_skipped():
    text = "Me llamo Rosa\nLa casa"
    confidence = legibility.character_confidences(text, words_of(text, {"Rosa": 40.0}, garbage_before="La"))
    assert confidence[text.index("Rosa")] == 40.0 and confidence[text.index("casa")] == 95.0
    assert confidence[text.index("La")] == 95.0  # the garbage "L" did not stop the words after it lining up
    assert np.isnan(confidence[text.index(" ")])


def test_punctuation_read_as_a_word_of_its_own_lines_up_with_the_word_it_closes():
    # Tesseract's words "Rosa", "," (a word of its own), garbage "L", "La", "casa", "."; the text "Rosa, La casa."
    words = [["Me", 95.0], ["llamo", 95.0], ["Rosa", 40.0], [",", 80.0], ["L", 12.0], ["La", 95.0], ["casa", 60.0],
             [".", 90.0]]
    text = "Me llamo Rosa, La casa."
    confidence = legibility.character_confidences(text, words)
    assert confidence[text.index("Rosa")] == 40.0 and confidence[text.index(",")] == 80.0
    assert confidence[text.index("La")] == 95.0 and confidence[text.index("casa")] == 60.0
    assert confidence[text.index(".")] == 90.0


def test_a_name_read_from_doubtful_words_is_marked_and_one_read_well_is_not():
    doubtful = {"Pérez": 48.0, "Valenzuela,": 55.0, "Valenzuela": 52.0, "PEVR800101MSRRLS02,": 20.0}
    fields = marked(LETTER, [(LETTER, words_of(LETTER, doubtful, garbage_before="La"))])
    name = fields["name"]
    assert name["value"] == "Rosa Pérez Valenzuela"
    assert name["read_confidence"] == 48 and name["doubtful"] and name["score"] <= legibility.DOUBTFUL_SCORE
    assert fields["municipality"]["read_confidence"] == 95 and "doubtful" not in fields["municipality"]
    # a CURP is no dictionary word: Tesseract doubts right ones too, and its check digit says more
    assert "read_confidence" not in fields["curp"] and fields["curp"]["valid"]


def test_the_best_read_occurrence_decides_and_only_whole_words_count():
    opening = {"Pérez": 48.0, "Valenzuela,": 55.0}  # the opening's copy doubtful, the signature's clear
    fields = marked(LETTER, [(LETTER, words_of(LETTER, opening, first_only=True))])
    assert fields["name"]["read_confidence"] == 95 and "doubtful" not in fields["name"]
    text = LETTER.replace("vecina de Navojoa", "vecina de Altar") + "\nQue no vuelva a faltar el agua."
    fields = marked(text, [(text, words_of(text, {"Altar,": 40.0}))])
    assert fields["municipality"]["value"] == "Altar" and fields["municipality"]["read_confidence"] == 40


def test_pages_line_up_each_with_its_own_words_and_a_typed_page_has_no_confidence():
    layer = "Oficio de la Secretaría, página con texto propio."  # a PDF page with its own text: no words
    doubtful = {"Pérez": 48.0, "Valenzuela,": 55.0, "Valenzuela": 52.0}
    text = layer + "\n\n" + LETTER
    fields = marked(text, [(layer, []), (LETTER, words_of(LETTER, doubtful))])
    assert fields["name"]["read_confidence"] == 48
    typed = marked(LETTER, [(LETTER, None)])  # a person typed the page: nothing to judge it by
    assert "read_confidence" not in typed["name"] and typed["name"]["score"] > legibility.DOUBTFUL_SCORE
    assert marked(LETTER, [("otra cosa", words_of("otra cosa", {}))]) == extract_fields(LETTER)  # no line-up


def test_a_documents_current_pages_carry_words_only_where_recognition_wrote_the_text(ctx):
    document_id = document_in_review(ctx, text="Primera página leída")
    make_user(ctx, "ana", Role.revisor)
    with ctx.sessions.begin() as session:
        typist = session.scalar(select(User.id).where(User.name == "ana"))
        session.add(Page(document_id=document_id, number=2, text="ilegible", words=[["ilegible", 30.0]]))
        session.add(Transcription(document_id=document_id, page_number=2, text="Segunda página escrita a mano",
                                  user_id=typist))
    with ctx.sessions() as session:
        pages = texts.current_pages(session, document_id)
        joined = texts.current_text(session, document_id)
    assert [words is None for _, words in pages] == [False, True]
    assert texts.PAGE_BREAK.join(page for page, _ in pages) == joined
