"""Text lines among the marks on a page: marks of one size, side by side along a straight line.

What survives `ink` is writing plus debris: specks of drum streaks and grain, fragments of a stain's texture,
pieces of watermark letters. Letters differ from debris by company: each stands beside a mark of its own size, a
letter gap away, overlapping it across the line; and a run of such neighbours keeps to a straight band. So each mark
is linked to its nearest such neighbour along the line, linked marks make chains, and a chain counts as a text
line when it holds several marks and its marks keep to a band (little spread about the straight line through
them). A stain's texture links too, but its chains wander; specks are too small to take part.

Everything is measured on a half-size copy: the statistics of a letter 25 px high need no more, and labelling a
noisy A4 page's marks at full size took ~90 ms against ~20.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ocr.cleanup import components

SCALE = 0.5
SMALLEST_MM, LARGEST_MM = 0.8, 12.0  # heights of a letter's mark: 6-point print to a large heading (10-140 px)
MIN_MARKS = 3  # marks in a chain for it to count as a line ("SDP", "Presente" and "ATENTAMENTE" pass)
GAP = 1.3  # mark heights between two neighbours of a line: word spaces are about one
SPREAD = 0.3  # mark heights: the most a line's marks may stray, on average, from the straight line through them
BLOB = 2.0  # a mark whose thickest part is this many times the letters' stroke is a blob, not a letter
WORD_REACH = 5.0  # mark heights ahead of a line, or between its pieces, where a short word still belongs to it
LONG_CHAIN, CURVED_SPREAD = 8, 0.9  # marks, heights: a chain this long may bend as a curled or folded sheet does
WORD_MARK = 6.0  # mark heights: a mark longer than this is a rule, or a word whose letters touch (bold small caps)
SOLID = 0.85  # of its box: a rule fills it, touching letters leave their counters and gaps
INTRUDER_SIZE = 0.35  # of a line's median mark height: smaller marks in its band may be its dots, accents, commas
SMALL_PER_MARK = 0.5  # such small marks a line may carry per mark of its own


@dataclass(frozen=True)
class TextLines:
    runs: np.ndarray  # uint8 0/255 at half size: the boxes of every line's marks, joined along the line
    lines: int  # how many lines
    marks: int  # marks that belong to a line
    height: float  # median height of those marks across the line, full-size pixels
    vertical: bool  # the lines run down the page: it lies on its side
    level: float | None = None  # the writing's contrast, when `find` was given the page's
    boxes: np.ndarray | None = None  # (n, 4) float: along, across, length, height of each mark, full-size pixels
    chains: np.ndarray | None = None  # (n,) int: the line each mark belongs to


@dataclass
class _Marks:
    """The connected marks of a mask at half size, with what every axis's line search asks of them."""

    labels: np.ndarray
    stats: np.ndarray  # cv2 stats of marks 1.., background dropped
    small: np.ndarray
    _thickness: np.ndarray | None = None
    _where: np.ndarray | None = None
    _peaks: tuple[np.ndarray, np.ndarray] | None = None  # (the contrast, its peaks): both axes ask for them

    @classmethod
    def of(cls, mask: np.ndarray | None, small: np.ndarray | None = None) -> _Marks:
        small = _halved(mask) if small is None else small
        _, labels, stats = components.with_stats(small)
        return cls(labels, stats[1:], small)

    def thickness(self) -> np.ndarray:
        """Each mark's thickest part (distance to its edge), computed once for both axes."""
        if self._thickness is None:
            thickest = np.zeros(len(self.stats) + 1, np.float32)
            inside = self._inside()
            np.maximum.at(thickest, self.labels.ravel()[inside],
                          cv2.distanceTransform(self.small, cv2.DIST_L2, 3).ravel()[inside])
            self._thickness = thickest[1:]
        return self._thickness

    def peaks(self, half_contrast: np.ndarray) -> np.ndarray:
        """Each mark's darkest pixel in `half_contrast` (the page's contrast at half size, as the marks are)."""
        if self._peaks is None or self._peaks[0] is not half_contrast:
            peak = np.zeros(len(self.stats) + 1, np.uint8)
            inside = self._inside()
            np.maximum.at(peak, self.labels.ravel()[inside], half_contrast.ravel()[inside])
            self._peaks = half_contrast, peak[1:]
        return self._peaks[1]

    def _inside(self) -> np.ndarray:
        """Where the marks are, as flat indices: ufunc.at over the whole page cost a tenth of the cleanup."""
        if self._where is None:
            self._where = np.flatnonzero(self.small.view(bool))  # 0/1: a bool view, a quarter of int labels' time
        return self._where


def find(mask: np.ndarray | None, dpi: int, vertical: bool = False, half_contrast: np.ndarray | None = None,
         small: np.ndarray | None = None) -> TextLines | None:
    """The text lines running across the page (or down it, with `vertical`); None when no marks line up.

    Given the page's contrast at half size (`half_contrast`, as `geometry.halved_max` halves it), the lines also
    tell the writing's contrast: the median of their marks' darkest pixels, each mark weighted by the length of its
    line, so that the long lines of a letter outweigh the short runs that a stain's texture can still form.
    `small`: the mask already halved as `_halved` does it (then `mask` is not needed).
    """
    return _find(_Marks.of(mask, small), dpi, vertical, half_contrast)


def turned(mask: np.ndarray | None, dpi: int, half_contrast: np.ndarray | None = None, margin: float = 1.3,
           small: np.ndarray | None = None) -> tuple[bool, TextLines | None]:
    """Whether the text runs down the page (down must line up `margin` times the marks across), and its lines."""
    marks = _Marks.of(mask, small)
    across, down = _find(marks, dpi, False, half_contrast), _find(marks, dpi, True, half_contrast)
    score = lambda lines: lines.marks * lines.height if lines else 0.0  # noqa: E731
    sideways = score(down) > margin * score(across)
    return sideways, down if sideways else across


def _find(found: _Marks, dpi: int, vertical: bool, half_contrast: np.ndarray | None) -> TextLines | None:
    stats, small = found.stats, found.small
    if vertical:  # the same code reads lines down the page: swap the axes of every box
        along0, across0, along, across = (stats[:, cv2.CC_STAT_TOP], stats[:, cv2.CC_STAT_LEFT],
                                           stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH])
    else:
        along0, across0, along, across = (stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP],
                                          stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    per_mm = (dpi or 300) / 25.4 * SCALE
    fill = stats[:, cv2.CC_STAT_AREA] / np.maximum(along * across, 1)
    marks = np.flatnonzero((across >= SMALLEST_MM * per_mm) & (across <= LARGEST_MM * per_mm)
                           & ((along <= WORD_MARK * across) | (fill < SOLID)) & (fill > 0.08))
    marks, box = _letters(marks, np.stack([along0, across0, along, across], axis=1).astype(np.float64))
    if marks.size < MIN_MARKS:
        return None
    across_shape = small.shape[::-1] if vertical else small.shape
    chain = _chains(box)
    good = _clear_chains(box, chain, _straight_chains(box, chain), across_shape)
    if not good.size:
        return None
    # Blobs (the clumps of a drum streak, ink spots) are thicker than the strokes of the page's letters: measured
    # on the first lines, they go, and the lines are found again without them.
    thickness = found.thickness()[marks]
    stroke = float(np.median(thickness[np.isin(chain, good)]))
    thin = thickness <= max(BLOB * stroke, stroke + 1.0)
    if not thin.all():
        marks, box = marks[thin], box[thin]
        chain = _chains(box)
        good = _clear_chains(box, chain, _straight_chains(box, chain), across_shape)
        if not good.size:
            return None
    members = _with_short_words(box, np.isin(chain, good), small.shape, vertical)
    runs = _draw(box[members], small.shape, vertical)
    level = None
    if half_contrast is not None:
        weight = np.bincount(chain, minlength=len(box))[chain[members]]
        peaks = found.peaks(half_contrast)[marks[members]]
        level = _weighted_median(peaks.astype(np.float64), weight.astype(np.float64))
    return TextLines(runs, int(good.size), int(members.sum()), float(np.median(box[members, 3])) / SCALE, vertical,
                     level, box[members] / SCALE, chain[members])


def _letters(marks: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The boxes of `marks`, a mark longer than WORD_MARK heights cut into pieces a height long: the touching
    letters of a word, each piece standing for one (a header "HISTORIA VEROSIMIL" in bold small caps is two marks
    of 6.7 heights, no line, and was wiped). Each piece keeps its mark's index."""
    box = boxes[marks]
    pieces = np.where(box[:, 2] > WORD_MARK * box[:, 3], np.ceil(box[:, 2] / np.maximum(box[:, 3], 1)), 1).astype(int)
    if (pieces == 1).all():
        return marks, box
    which = np.repeat(np.arange(len(marks)), pieces)
    nth = np.arange(which.size) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    cut = box[which].copy()
    cut[:, 2] /= pieces[which]
    cut[:, 0] += nth * cut[:, 2]
    return marks[which], cut


def _halved(mask: np.ndarray) -> np.ndarray:
    # INTER_AREA then any coverage: a one-pixel stroke stays whole at half size
    wide = np.asarray(mask, bool).view(np.uint8) * 255  # a bool's view: half the time of astype
    return (cv2.resize(wide, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_AREA) > 0).view(np.uint8)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def _chains(box: np.ndarray) -> np.ndarray:
    """The chain each mark belongs to: marks linked to their nearest neighbour along the line, transitively.

    A neighbour starts within GAP heights after the mark ends (or overlaps it a little), overlaps it across the
    line by half the smaller height, and is at most 2.5 times as tall or short (a period does not link).
    """
    start, top, length, height = box.T
    end, bottom = start + length, top + height
    order = np.argsort(start, kind="stable")
    starts = start[order]
    first = np.searchsorted(starts, end - 0.3 * height, side="left")
    last = np.searchsorted(starts, end + GAP * height, side="right")
    spans = np.maximum(last - first, 0)
    if not spans.sum():
        return np.arange(len(box))
    source = np.repeat(np.arange(len(box)), spans)
    offsets = np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
    target = order[np.repeat(first, spans) + offsets]
    overlap = np.minimum(bottom[source], bottom[target]) - np.maximum(top[source], top[target])
    ratio = np.maximum(height[source], height[target]) / np.maximum(np.minimum(height[source], height[target]), 1)
    ok = (target != source) & (overlap >= 0.5 * np.minimum(height[source], height[target])) & (ratio <= 2.5)
    source, target = source[ok], target[ok]
    gap = start[target] - end[source]
    # the nearest neighbour of each mark: sort by (source, gap) and take each source's first
    pick = np.lexsort((gap, source))
    source, target = source[pick], target[pick]
    keep = np.concatenate(([True], source[1:] != source[:-1])) if source.size else source.astype(bool)
    return _components(len(box), source[keep], target[keep])


def _components(count: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components of the graph with edges a-b, as the smallest node of each.

    Each node takes the smallest label across its edges, then every label follows its own to the end (pointer
    jumping), until nothing changes: a few array passes, ~1 ms a call less than a union-find looped in Python over
    a page's few thousand marks, and the same labels."""
    labels = np.arange(count)
    while a.size:
        low = np.minimum(labels[a], labels[b])
        hooked = labels.copy()
        np.minimum.at(hooked, labels[a], low)
        np.minimum.at(hooked, labels[b], low)
        while True:
            jumped = hooked[hooked]
            if np.array_equal(jumped, hooked):
                break
            hooked = jumped
        if np.array_equal(hooked, labels):
            break
        labels = hooked
    return labels


def _straight_chains(box: np.ndarray, chain: np.ndarray) -> np.ndarray:
    """The chains that are lines: MIN_MARKS marks or more keeping to a straight band."""
    start, top, length, height = box.T
    x, y = start + length / 2, top + height / 2
    count = np.bincount(chain, minlength=len(box)).astype(np.float64)
    candidates = count >= MIN_MARKS
    if not candidates.any():
        return np.empty(0, int)
    sums = lambda values: np.bincount(chain, weights=values, minlength=len(box))  # noqa: E731
    n, sx, sy, sxx, sxy = count, sums(x), sums(y), sums(x * x), sums(x * y)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(candidates, (n * sxy - sx * sy) / np.maximum(n * sxx - sx * sx, 1e-9), 0.0)
        intercept = np.where(candidates, (sy - slope * sx) / np.maximum(n, 1), 0.0)
        residual = y - (intercept[chain] + slope[chain] * x)
        spread = np.sqrt(sums(residual ** 2) / np.maximum(n, 1))
        size = sums(height) / np.maximum(n, 1)
    # A long chain is a line even when the sheet's curl or fold bends it; a short one must be straight.
    allowed = np.where(count >= LONG_CHAIN, CURVED_SPREAD, SPREAD) * size
    good = candidates & (spread <= allowed) & (np.abs(slope) <= 0.25)
    return np.flatnonzero(good)


def _clear_chains(box: np.ndarray, chain: np.ndarray, candidates: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The candidate chains with clear space around them: few marks of other chains inside their band.

    A line of text has the gap between lines above and below it; a straight path through a stain's texture or a
    cluster of streak clumps has more of the same all around. Marks smaller than INTRUDER_SIZE of the line's own
    count only beyond SMALL_PER_MARK a mark: the dots, accents and commas of its words, and the tips of the line
    above's descenders, sit in its band too (a book's closely set line of 37 marks with twelve of them was taken
    for texture and wiped). `shape` is (across, along), as the boxes are.
    """
    if not candidates.size:
        return candidates
    start, top, length, height = box.T
    label = np.zeros(shape, np.int32)
    owner = np.full(len(box), -1)
    lookup = np.zeros(chain.max() + 2, np.int64)
    lookup[candidates] = np.arange(1, candidates.size + 1)
    members = np.flatnonzero(lookup[chain] > 0)
    band = lookup[chain[members]]
    a0 = np.maximum(0, start[members] - 0.3 * height[members]).astype(int)
    a1 = (start[members] + length[members] + 0.3 * height[members]).astype(int) + 1
    c0 = np.maximum(0, top[members] - 0.15 * height[members]).astype(int)
    c1 = (top[members] + 1.15 * height[members]).astype(int) + 1
    for s0, s1, t0, t1, b in zip(a0, a1, c0, c1, band):
        label[t0:t1, s0:s1] = b
    owner[members] = band
    ys = np.clip((top + height / 2).astype(int), 0, shape[0] - 1)
    xs = np.clip((start + length / 2).astype(int), 0, shape[1] - 1)
    inside = label[ys, xs]
    sizes = np.bincount(band, minlength=candidates.size + 1)
    typical = _medians(band, height[members], candidates.size + 1)
    intruder = (inside > 0) & (inside != owner)
    small = intruder & (height < INTRUDER_SIZE * typical[inside])
    intruders = np.bincount(inside[intruder & ~small], minlength=candidates.size + 1)[1:]
    smalls = np.bincount(inside[small], minlength=candidates.size + 1)[1:]
    sizes = sizes[1:]
    # A line's own dots, accents and commas are free up to SMALL_PER_MARK a mark; the specks of a streak or a
    # stain's grain around a straight run of its clumps are far more, and the excess counts.
    intruders = intruders + np.maximum(0, smalls - SMALL_PER_MARK * sizes)
    return candidates[intruders <= np.maximum(1, 0.25 * sizes)]


def _medians(groups: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """The median of `values` in each of `count` groups (the upper middle for an even size; 0 for an empty one)."""
    order = np.lexsort((values, groups))
    sizes = np.bincount(groups, minlength=count)
    starts = np.cumsum(sizes) - sizes
    medians = np.zeros(count)
    filled = sizes > 0
    medians[filled] = values[order][starts[filled] + sizes[filled] // 2]
    return medians


def _with_short_words(box: np.ndarray, members: np.ndarray, shape: tuple[int, int], vertical: bool) -> np.ndarray:
    """`members` plus the marks that sit on a line's band, ahead of it or between its pieces: short words ("y",
    "un", "á") that a justified line's wide spaces left out of any chain of MIN_MARKS."""
    if members.all() or not members.any():
        return members
    band = _draw(box[members], shape, vertical, along=WORD_REACH, above=0.0, below=1.0)
    start, top, length, height = box.T
    along_centre = np.clip((start + length / 2).astype(int), 0, (shape[0] if vertical else shape[1]) - 1)
    across_centre = np.clip((top + height / 2).astype(int), 0, (shape[1] if vertical else shape[0]) - 1)
    inside = band[along_centre, across_centre] if vertical else band[across_centre, along_centre]
    return members | (inside > 0)


def _draw(box: np.ndarray, shape: tuple[int, int], vertical: bool, along: float = 1.0, above: float = 0.5,
          below: float = 1.4) -> np.ndarray:
    """Each mark's box padded and filled: by default half its height above for accents, 0.4 below, a letter
    along (the pieces of a letter that a stamp or a streak cut off stay with it)."""
    runs = np.zeros(shape, np.uint8)
    start, top, length, height = box.T
    a0 = np.maximum(0, start - along * height).astype(int)
    a1 = (start + length + along * height).astype(int) + 1
    c0 = np.maximum(0, top - above * height).astype(int)
    c1 = (top + below * height).astype(int) + 1
    for s0, s1, t0, t1 in zip(a0, a1, c0, c1):
        if vertical:
            runs[s0:s1, t0:t1] = 255
        else:
            runs[t0:t1, s0:s1] = 255
    return runs
