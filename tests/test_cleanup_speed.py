"""The cleanup's shortcuts give what the long way gave: 16-bit labels, hysteresis marks kept at half size, the
lines found before deskew telling a flat page, the page image's paper tone taken at an eighth of its size, the
chains of marks joined by array passes, and the reading deskewed only where its writing goes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr.cleanup import components, dewarp, geometry, ink, lines, tone


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


def test_labels_painted_by_opencvs_lookup_are_numpys_take():
    mask = specks((300, 400), seed=3)
    table = np.random.default_rng(3).integers(0, 256, components.labelled(mask)[0]).astype(np.uint8)
    for labels in (components.labelled(mask)[1], cv2.connectedComponents(mask, ltype=cv2.CV_32S)[1]):
        painted = components.painted(table, labels)
        assert painted.dtype == np.uint8 and (painted == table[labels]).all()


def dilated_halving(image: np.ndarray) -> np.ndarray:
    """halved_max the long way: a 2×2 dilation taken every other pixel, an odd side's last row or column repeated."""
    height, width = image.shape
    spread = cv2.dilate(image, np.ones((2, 2), np.uint8), anchor=(0, 0), borderType=cv2.BORDER_REPLICATE)
    pooled = np.ascontiguousarray(spread[:height - height % 2:2, :width - width % 2:2])
    small_h, small_w = round(height * 0.5), round(width * 0.5)
    return cv2.copyMakeBorder(pooled, 0, small_h - pooled.shape[0], 0, small_w - pooled.shape[1],
                              cv2.BORDER_REPLICATE)


@pytest.mark.parametrize("shape", [(240, 320), (241, 321), (3, 7), (6, 3)])
def test_the_half_size_max_by_pairs_of_rows_and_of_bytes_is_the_dilation_taken_every_other_pixel(shape):
    image = np.random.default_rng(4).integers(0, 256, shape).astype(np.uint8)
    assert (geometry.halved_max(image) == dilated_halving(image)).all()
    view = image[1:, 1:]  # strided, and its sides' parity swapped
    assert (geometry.halved_max(view) == dilated_halving(view.copy())).all()


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


LEVEL_SHAPE = (1200, 900)  # the level page's (height, width) once turned and deskewed


def level_marks(bend: float = 0.0) -> np.ndarray:
    """Centres (x, y) of eight lines of 30 letters on the level page, each line waving by `bend` letter heights."""
    x = 80 + 24.0 * np.arange(30)
    return np.concatenate([np.stack([x, 150 + 110 * row + bend * 20 * np.sin(x / 120)], axis=1) for row in range(8)])


def as_found(centres: np.ndarray, shape: tuple[int, int], turn: int, skew: float) -> tuple[lines.TextLines, tuple]:
    """The lines as `lines.find` reports them on the page before it was turned by `turn` and deskewed by `skew`:
    the level centres taken back through the deskew and the turn; (found, that page's shape)."""
    matrix = geometry.skew_matrix(shape, skew)
    back = cv2.invertAffineTransform(matrix) if matrix is not None else np.float64([[1, 0, 0], [0, 1, 0]])
    x, y = (back[:, :2] @ centres.T + back[:, 2:]).astype(np.float64)
    height, width = shape
    if turn == 90:  # the level page is the earlier one turned clockwise: undo it
        x, y, shape = y, width - 1 - x, (width, height)
    elif turn == 180:
        x, y = width - 1 - x, height - 1 - y
    elif turn == 270:
        x, y, shape = height - 1 - y, x, (width, height)
    vertical = turn in (90, 270)
    boxes = np.stack([y - 10, x - 10, np.full_like(x, 20), np.full_like(x, 20)] if vertical else
                     [x - 10, y - 10, np.full_like(x, 20), np.full_like(x, 20)], axis=1)
    chains = np.repeat(np.arange(8), 30)
    return lines.TextLines(np.zeros((1, 1), np.uint8), 8, len(x), 20.0, vertical, None, boxes, chains), shape


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_lines_found_before_the_turn_and_deskew_are_moved_where_the_level_page_has_them(turn):
    centres = level_marks()
    found, shape = as_found(centres, LEVEL_SHAPE, turn, 3.0)
    moved = dewarp._moved(found, shape, turn, 3.0)
    assert not moved.vertical
    assert np.abs(moved.boxes[:, :2] + moved.boxes[:, 2:] / 2 - centres).max() < 1e-6


def test_a_flat_skewed_page_is_known_flat_from_its_first_lines_and_a_curled_one_is_not():
    found, shape = as_found(level_marks(), LEVEL_SHAPE, 0, -2.5)
    assert dewarp.surely_flat(found, shape, 0, -2.5)
    curled, shape = as_found(level_marks(bend=0.6), LEVEL_SHAPE, 0, -2.5)
    assert not dewarp.surely_flat(curled, shape, 0, -2.5)
    # the search on the level page flattens the curled one: the shortcut never skips what `field` would do
    level, _ = as_found(level_marks(bend=0.6), LEVEL_SHAPE, 0, 0.0)
    assert dewarp.field(level, LEVEL_SHAPE) is not None
    # lines still running down a page left unturned tell nothing of its bend: the search is made
    sideways, shape = as_found(level_marks(), LEVEL_SHAPE, 90, 0.0)
    assert dewarp.surely_flat(sideways, shape, 90, 0.0) and not dewarp.surely_flat(sideways, shape, 0, 0.0)


def test_the_page_images_paper_tone_at_an_eighth_is_the_quarter_sizes_and_flattens_a_shadow():
    rng = np.random.default_rng(3)
    lit = np.linspace(140, 235, 1700)[None, :] * np.ones((2200, 1))  # a shadow across the sheet
    page = (lit + rng.normal(0, 4, lit.shape)).clip(0, 255).astype(np.uint8)
    for row in range(200, 2000, 60):  # lines of letter-sized strokes
        for column in range(150, 1550, 30):
            page[row:row + 25, column:column + 4] = 40
    paper, quarter = tone._paper(page).astype(int), tone._background(page).astype(int)
    assert np.abs(paper - quarter).mean() < 2
    flat = tone.normalise(page)
    assert flat[150, 100] > 230 and flat[150, 1600] > 230 and flat[1000, 1600] > 230  # the shadow gone
    assert flat[210, 151] < 100 and flat[210, 1501] < 100  # the strokes still dark at both ends


def union_find(count: int, a: np.ndarray, b: np.ndarray) -> list[int]:
    """The long way: each node's component as its smallest node."""
    parent = list(range(count))

    def root(node: int) -> int:
        while parent[node] != node:
            node = parent[node]
        return node

    for left, right in zip(a.tolist(), b.tolist()):
        left, right = root(left), root(right)
        parent[max(left, right)] = min(left, right)
    return [root(node) for node in range(count)]


@pytest.mark.parametrize("seed", range(6))
def test_chains_of_marks_are_the_union_finds_components(seed):
    rng = np.random.default_rng(seed)
    count = int(rng.integers(1, 2500))
    if seed % 2:  # lines: long chains of neighbours, numbered in no order, some links missing
        a = np.arange(count - 1)[rng.random(count - 1) > 0.05]
        order = rng.permutation(count)
        a, b = order[a], order[a + 1]
    else:
        a, b = rng.integers(0, count, count // 2), rng.integers(0, count, count // 2)
    assert lines._components(count, a, b).tolist() == union_find(count, a, b)


@pytest.mark.parametrize("angle", [0.31, 2.35, -4.1, 9.5])
def test_the_reading_deskewed_where_its_writing_goes_is_the_whole_deskew(angle):
    reading = np.full((900, 700), 255, np.uint8)
    rng = np.random.default_rng(4)
    reading[200:600, 100:600] = rng.integers(0, 256, (400, 500))  # writing to the corners of its box
    reading[400:420, 0:30] = 0  # and a mark at the page's edge
    level = geometry.deskew_on_white(reading, angle)
    assert np.array_equal(level, geometry.deskew(reading, angle))
    assert (level[:100] == 255).all() and (level < 255).any()
    blank = np.full((50, 40), 255, np.uint8)
    assert np.array_equal(geometry.deskew_on_white(blank, angle), blank)


def test_a_lines_running_median_is_numpys_median_of_each_window():
    rng = np.random.default_rng(5)
    for length in (1, 4, 5, 6, 37):
        centres = rng.normal(500, 30, length)
        padded = np.pad(centres, 2, mode="edge")
        expected = (np.median(np.lib.stride_tricks.sliding_window_view(padded, 5), axis=1) if length >= 5
                    else np.full(length, np.median(centres)))
        assert np.array_equal(dewarp._running_median(centres, 5), expected)
