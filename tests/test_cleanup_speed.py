"""The cleanup's shortcuts give what the long way gave: 16-bit labels, and hysteresis marks kept at half size."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr.cleanup import components, geometry, ink, lines


def specks(shape: tuple[int, int], seed: int = 0) -> np.ndarray:
    """A 0/1 mask of random specks and strokes: many marks, some touching."""
    rng = np.random.default_rng(seed)
    mask = (rng.random(shape) > 0.93).astype(np.uint8)
    return cv2.dilate(mask, np.ones((1, 3), np.uint8))


def test_16_bit_labels_are_the_32_bit_ones():
    mask = specks((300, 400))
    count, labels, stats = components.with_stats(mask)
    wide = cv2.connectedComponentsWithStats(mask, connectivity=8, ltype=cv2.CV_32S)
    assert labels.dtype == np.uint16 and count == wide[0] > 1000
    assert (labels == wide[1]).all() and (stats == wide[2]).all()
    assert (components.labelled(mask, 4)[1] == cv2.connectedComponents(mask, connectivity=4)[1]).all()


def test_more_marks_than_16_bits_hold_are_labelled_in_32():
    mask = np.zeros((600, 600), np.uint8)
    mask[::2, ::2] = 1  # 90 000 single-pixel marks
    count, labels = components.labelled(mask)
    assert count == 90_001 and labels.dtype == np.int32 and labels.max() == 90_000


@pytest.mark.parametrize("shape", [(240, 320), (241, 320), (240, 321)])
def test_half_size_marks_are_the_full_marks_halved(shape):
    rng = np.random.default_rng(1)
    contrast = cv2.GaussianBlur((rng.random(shape) * 120).astype(np.uint8), (3, 3), 0)
    marks = ink.relative_to(contrast, 120.0, geometry.halved_max(contrast))
    full = marks.full()
    assert 0 < full.sum() < full.size
    halved = marks.halved()
    if shape[0] % 2 or shape[1] % 2:
        assert halved is None  # an odd side: lines halves the full mask itself
    else:
        assert (halved == lines._halved(full)).all()


@pytest.mark.parametrize("shape", [(240, 320), (241, 321)])
def test_marks_within_an_area_are_the_full_marks_there(shape):
    rng = np.random.default_rng(2)
    contrast = cv2.GaussianBlur((rng.random(shape) * 120).astype(np.uint8), (3, 3), 0)
    marks = ink.relative_to(contrast, 120.0)
    area = np.zeros(marks.strong.shape, np.uint8)
    area[20:70, 30:130] = 255
    full_area = cv2.resize(area, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST) > 0
    within = marks.within(area)
    assert within.any() and (within == (marks.full() & full_area)).all()
    # the reading made of them: with even sides the faint parts go white by the stretch's lookup, not the mask
    expected = ink.as_image(contrast, within, 90.0)
    assert (expected < 255).any() and np.array_equal(marks.image_within(area, 90.0), expected)
