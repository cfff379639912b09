"""A CURP the page's reading got wrong, read again on its own.

Tesseract reads a page's lines through its Spanish language model, and a CURP is no word: on a streaked or blurred
page the model's guesses land on it ("BOGY310625…" for "BOGY810625…", "…RZRO5" for "…RZR03"). Cut out and read
alone as one line, at the reading's size and at twice it, the same characters often come out right. Which reading
is right is not Tesseract's confidence but the CURP's own grammar (check digit, birth date, state), judged by
classifiers.curp, and agreement: the sound CURP most readings give wins, then the one that needed fewer repairs.
The check digit alone cannot choose: a 3 read for an 8 at a place of even weight still passes it.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocr import tesseract
from ocr.page import Word
from ocr.words import lines_of

SIZES = (1, 2)  # the reading's own size, then twice it: each mends slips the other makes
LINE = 7  # Tesseract's page segmentation for a single line of text
MARGIN = 0.4  # of the line's height, white round the cut-out (Tesseract wants room round the letters)
SURE = 0.9  # a CURP read with look-alike repairs only (O for 0) scores above this and is not read again
CUED_REACH = 22  # characters after a CURP cue read again when they hold no run: a CURP and a slip or two


def reread(words: tuple[Word, ...], image: np.ndarray, scale: int, dpi: int, language: str,
           timeout: float) -> tuple[Word, ...]:
    """`words` with each CURP that does not read surely read again from `image` (the reading, `scale` times the
    size of the page image the boxes are in), and replaced when the readings agree on another sound CURP."""
    from classifiers import curp  # the judge of a CURP's grammar; imported here, classifiers import ocr

    doubtful = []
    for line in lines_of(words).values():
        text, starts = _joined([words[i] for i in line])
        field, spans = curp.find_curp(text)
        if not spans and (after := curp.cued_code(text)) is not None:
            spans = [(after, after + CUED_REACH)]  # a CURP cue with a code after it that is no run: read what follows
        if spans and not (field and field.get("valid") and field["score"] >= SURE):
            merged = _merged(spans)
            covered = [i for i, start in zip(line, starts)  # the words the runs read as a CURP overlap
                       if any(start < e and s < start + len(words[i].text) for s, e in merged)]
            doubtful.append((covered, field if field and field.get("valid") else None))
    if not doubtful:
        return words
    cuts = [_cut([words[i] for i in covered], image, scale) for covered, _ in doubtful]
    images = [cut if size == 1 else cv2.resize(cut, None, fx=size, fy=size, interpolation=cv2.INTER_CUBIC)
              for cut in cuts for size in SIZES]
    readings = iter(tesseract.recognise_lines(images, [dpi * size for _ in cuts for size in SIZES], language,
                                              timeout))
    replaced: dict[int, Word | None] = {}
    for covered, first in doubtful:
        again = [next(readings) for _ in SIZES]
        found = _voted(first, again, curp)
        if found is not None:
            run = [words[i] for i in covered]
            replaced.update({i: None for i in covered})
            replaced[covered[0]] = Word(" ".join(w.text for w in found.words), found.confidence or 0.0, _box(run),
                                        run[0].line)
    if not replaced:
        return words
    return tuple(replaced.get(i, w) for i, w in enumerate(words) if replaced.get(i, w) is not None)


def _voted(first: dict | None, again: list[tesseract.Recognition], curp) -> tesseract.Recognition | None:
    """The second reading to keep: one that gives the CURP most readings (the first included) agree on, or with
    as many votes the best score, when that CURP is not the first's; None when the first stands or two tie."""
    votes: dict[str, tuple[int, float]] = {}
    texts: dict[str, tesseract.Recognition] = {}
    if first is not None:
        votes[first["value"]] = (1, first["score"])
    for reading in again:
        field, _ = curp.find_curp(" ".join(w.text for w in reading.words))
        if field and field.get("valid"):
            count, score = votes.get(field["value"], (0, 0.0))
            votes[field["value"]] = (count + 1, max(score, field["score"]))
            texts.setdefault(field["value"], reading)
    ranked = sorted(votes, key=votes.get, reverse=True)
    if not ranked or (first is not None and ranked[0] == first["value"]) \
            or (len(ranked) > 1 and votes[ranked[1]] == votes[ranked[0]]):
        return None
    return texts[ranked[0]]


def _box(run: list[Word]) -> tuple[int, int, int, int]:
    left, top = min(w.box[0] for w in run), min(w.box[1] for w in run)
    right, bottom = max(w.box[0] + w.box[2] for w in run), max(w.box[1] + w.box[3] for w in run)
    return left, top, right - left, bottom - top


def _cut(run: list[Word], image: np.ndarray, scale: int) -> np.ndarray:
    """The run's part of the reading, with white round it."""
    left, top, width, height = _box(run)
    pad = round(MARGIN * height)
    cut = image[max(0, (top - pad) * scale):(top + height + pad) * scale,
                max(0, (left - pad) * scale):(left + width + pad) * scale]
    return cut if cut.size else np.full((8, 8), 255, np.uint8)


def _joined(line: list[Word]) -> tuple[str, list[int]]:
    """A line's words joined by spaces, and where each starts."""
    starts, at = [], 0
    for word in line:
        starts.append(at)
        at += len(word.text) + 1
    return " ".join(w.text for w in line), starts


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
