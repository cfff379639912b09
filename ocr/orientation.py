"""Which way up a page reads: chosen by what recognition finds on each candidate turn, not by layout alone.

Layout cues (how the lines run, ink above and below the x-height) are cheap and right on clean pages, so the page
is first read the way they say. When that reading is doubtful, a square sample of the writing is read for each of
the four ways the page could lie (ocr.reader lays each out) and the one whose reading holds the most dictionary
words wins: folds, curls, streaks and faint print mislead the cues, but upside down or sideways Tesseract finds no
words of the language.
"""

from __future__ import annotations

import numpy as np

from ocr import words as wordlist
from ocr.tesseract import Recognition

DOUBTFUL = 70.0  # mean confidence below which a reading may be the wrong way up
LEXICAL = 0.6  # share of letters in dictionary words below which a reading may be the wrong way up
SAMPLE = 0.32  # side of the square sample, as a share of the page's longer side (~11 cm of an A4 page)
UPRIGHT_LETTERS = 30.0  # legible_letters of a whole page's reading that only a page the right way up gives
UPRIGHT_SHARE = 0.5  # ... together with this share of dictionary words
BETTER = 1.3  # a turn must hold this many times the dictionary letters of the current one to win
# Mean word confidence of a reading only a page laid out the right way gives: read the wrong way, no page of
# petitions_dev, fields_dev or FONDUE scored above 46 (an upside-down letter 39, a flip 0, sideways samples 34
# and 45); a page holding only "ATENTAMENTE", read "MENTAMENTE" at 88 (no dictionary word), took three sideways
# sample readings (~0.28 s) to stay upright.
SURE = 85.0


def doubtful(reading: Recognition, lexicon: frozenset[str]) -> bool:
    """True when a reading is poor enough that the page may not have been the right way up.

    A poor reading that still holds plenty of long dictionary words is a damaged page the right way up: read the
    wrong way, no page of petitions_dev or fields_dev gave more than 11 (legible_letters), read the right way
    none under 39, and searching the other ways cost such pages 1.5 s each.
    """
    if reading.confidence is not None and reading.confidence >= DOUBTFUL and (
            not lexicon or wordlist.lexicon_share(reading.words, lexicon) >= LEXICAL):
        return False
    return not (lexicon and wordlist.legible_letters(reading.words, lexicon) >= UPRIGHT_LETTERS
                and wordlist.lexicon_share(reading.words, lexicon) >= UPRIGHT_SHARE)


def sure(reading: Recognition) -> bool:
    """Whether Tesseract read a page so surely (SURE) that its lines cannot have been laid out the wrong way."""
    return reading.confidence is not None and reading.confidence >= SURE


def sample(image: np.ndarray) -> np.ndarray:
    """A square of the page centred on its writing (dark pixels), whatever the page's orientation."""
    dark = image < 128
    height, width = image.shape
    side = int(SAMPLE * max(height, width))
    if not dark.any() or side >= min(height, width):
        return image
    ys, xs = np.nonzero(dark[::4, ::4])
    cy, cx = int(np.median(ys)) * 4, int(np.median(xs)) * 4
    top = min(max(0, cy - side // 2), height - side)
    left = min(max(0, cx - side // 2), width - side)
    return image[top:top + side, left:left + side]
