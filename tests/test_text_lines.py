"""Which straight runs of marks count as text lines: a line's own dots and accents do not make it texture."""

from __future__ import annotations

import numpy as np

from ocr.cleanup import lines

HEIGHT = 20.0          # a letter's mark at half size
LETTERS = 37


def line_with(others: list[tuple[float, float, float, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boxes (along, across, length, height) of one line of LETTERS letters plus `others`, each of its own chain."""
    letters = [(100 + 22 * i, 100, 16, HEIGHT) for i in range(LETTERS)]
    box = np.asarray(letters + others, dtype=np.float64)
    chain = np.asarray([0] * LETTERS + list(range(1, len(others) + 1)))
    return box, chain, np.asarray([0])


def kept(others) -> bool:
    box, chain, candidates = line_with(others)
    return 0 in lines._clear_chains(box, chain, candidates, (400, 1200))


def test_a_line_keeps_its_dots_accents_and_commas():
    dots = [(105 + 66 * i, 101, 6, 6) for i in range(12)]        # twelve marks a third of a letter high
    assert kept(dots)


def test_letter_sized_marks_of_other_chains_in_its_band_make_it_texture():
    clumps = [(111 + 66 * i, 104, 14, 16) for i in range(12)]    # as many, the size of its letters
    assert not kept(clumps)


def test_a_straight_run_among_many_specks_is_still_texture():
    specks = [(101 + 9 * i, 103, 5, 5) for i in range(LETTERS * 2)]   # a streak's grain: two specks a mark
    assert not kept(specks)
