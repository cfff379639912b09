"""The damage generators the OCR tests and benchmarks use: deterministic for a seed, and each changes the page."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageOps

from tests import damage
from tests.pages import LETTERS, small_page

PAGE = small_page(LETTERS[0])  # half the size of an A4 page at 300 dpi: the same damage, four times faster
SEEDED = {
    "fold": damage.fold, "curl": damage.curl, "drum_streaks": damage.drum_streaks, "watermark": damage.watermark,
    "stains": damage.stains, "scanner_bed": damage.scanner_bed, "pen_ink": damage.pen_ink, "photo": damage.photo,
    "horizontal_streaks": lambda page, seed: damage.drum_streaks(page, direction="horizontal", seed=seed),
    "horizontal_fold": lambda page, seed: damage.fold(page, position=0.15, direction="horizontal", seed=seed),
    "curled_bottom": lambda page, seed: damage.curl(page, edge="bottom", seed=seed),
}


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image)


@pytest.mark.parametrize("name", SEEDED)
def test_a_seeded_damage_is_the_same_for_a_seed_and_changes_the_page(name):
    make = SEEDED[name]
    first, again, other = make(PAGE, seed=1), make(PAGE, seed=1), make(PAGE, seed=2)
    assert np.array_equal(pixels(first), pixels(again))
    assert not np.array_equal(pixels(first), pixels(other))
    if first.size == PAGE.size:
        assert np.abs(pixels(first.convert("L")).astype(int) - pixels(PAGE)).mean() > 0.05


@pytest.mark.parametrize("make", [lambda page: damage.faint(page), lambda page: damage.jpeg(page, 20)])
def test_faint_print_and_jpeg_change_the_page_the_same_way_each_time(make):
    assert np.array_equal(pixels(make(PAGE)), pixels(make(PAGE)))
    assert not np.array_equal(pixels(make(PAGE)), pixels(PAGE))


def test_pen_ink_writes_in_blue_and_keeps_the_print_black():
    inked = pixels(damage.pen_ink(PAGE)).astype(int)
    blue = (inked[..., 2] - inked[..., 0] > 60) & (inked[..., 2] > 100)
    assert blue.sum() > 5000
    print_ = pixels(PAGE) < 60
    assert (inked[print_].max(axis=1) < 60).mean() > 0.99


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_photo_saved_with_its_orientation_is_upright_once_turned(tmp_path, orientation):
    page = PAGE.resize((620, 877))
    saved = Image.open(damage.save_oriented(page, tmp_path / "foto.png", orientation))
    assert np.array_equal(pixels(ImageOps.exif_transpose(saved)), pixels(page))
