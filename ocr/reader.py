"""One page from raster to text: stamps, a photographed sheet flattened, blank detection, scanner bed, writing,
orientation, deskew, text lines, recognition, garbage words.

Two images come out of cleanup. The page image (upright, level, lighting flattened) is what reviewers see and what
is routed: it keeps everything on the sheet. The reading (the same geometry, with everything that is not writing
taken out) is what Tesseract reads; its invisible text layer is laid over the page image.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ocr import codes, orientation, searchable, tesseract
from ocr import words as wordlist
from ocr.cleanup import bed, dewarp, frame, geometry, lines, reading, separator, sheet, survey, tone
from ocr.page import OcrPage, PageImage, Word
from ocr.errors import OcrFailed, OcrTimeout

LOW_CONFIDENCE = 55.0  # below this mean word confidence a page is most likely handwriting or a bad scan
WRITING_MARGIN = 30  # px round the writing of the part Tesseract reads (it wants white round the letters)
SMALL_TEXT = 18  # px: text lines whose letters are smaller than this are read at twice the size

# Each step stays only while bench/ocr --ablation shows it lowers CER (`codes`, which reads CURPs again, by the
# fields it gets right: the ablation prints them on the fields set). Dropped that way: upscaling of low-resolution
# scans (no gain, and pages read 4x slower).
STEPS = frozenset({"stamps", "sheet", "borders", "writing", "lines", "orientation", "deskew", "frame", "dewarp",
                   "normalise", "words", "codes"})


@dataclass(frozen=True)
class OcrOptions:
    language: str = "spa"
    timeout: float = 120.0  # seconds per Tesseract run
    pdf: bool = False  # also produce the page's PDF with a text layer
    steps: frozenset[str] = STEPS  # cleanup steps to apply; bench/ocr switches them off one by one to weigh each
    separators: bool = False  # look for separator sheets (batch scans of several petitions)
    psm: int = 6  # one block of text: petitions are letters. psm 4 cut lines at a streak's gap into two columns
    # (fields_dev CER 0.122 against 0.105; FONDUE 0.047 against 0.043)


@dataclass(frozen=True)
class _Layout:
    """A page made upright and level: what recognition reads, the page image beside it, and how it was turned."""

    image: np.ndarray  # the reading (the page image itself when the writing step is off)
    gray: np.ndarray  # the page image, same geometry at 1/scale the size
    rotation: int
    skew: float
    scale: int  # the reading's size over the page image's

    @cached_property
    def writing(self) -> tuple[int, int, int, int]:
        """(top, left, bottom, right) of the reading's writing with a margin: Tesseract reads only that part,
        a tenth less time than the whole sheet."""
        margin = WRITING_MARGIN * self.scale
        height, width = self.image.shape
        box = geometry.ink_box(self.image, 200)
        if box is None:
            return 0, 0, height, width
        top, left, bottom, right = box
        return max(0, top - margin), max(0, left - margin), min(height, bottom + margin), min(width, right + margin)

    def flipped(self) -> _Layout:
        same = self.image is self.gray
        gray = geometry.rotate(self.gray, 180)
        return _Layout(gray if same else geometry.rotate(self.image, 180), gray, (self.rotation + 180) % 360,
                       self.skew, self.scale)


def read_page(page: PageImage, options: OcrOptions) -> OcrPage:
    """Clean one page and recognise its text; a page Tesseract cannot read comes back with its error recorded."""
    started = time.monotonic()
    steps, dpi = options.steps, page.dpi
    pixels = page.pixels
    gray = tone.to_gray(pixels) if "stamps" in steps or pixels.ndim == 2 else pixels.mean(axis=2).astype("uint8")
    if options.separators and separator.is_separator(gray):
        pdf = searchable.image_page(gray, dpi) if options.pdf else None
        return OcrPage(page.number, "", None, 0, 0.0, gray.shape[1], gray.shape[0], False, False,
                       time.monotonic() - started, pdf=pdf, source="separator")
    if "sheet" in steps:
        gray = sheet.flattened(gray)
    if survey.is_blank(survey.survey(gray)):
        return _page(page.number, gray, started, options, dpi, blank=True)
    if "borders" in steps:
        gray = bed.whiten_bed(gray)
    layout = _lay_out(gray, dpi, steps)
    lexicon = tesseract.lexicon(options.language)

    def recognise(laid: _Layout, image: np.ndarray | None = None, psm: int = options.psm,
                  pdf: bool = options.pdf) -> tesseract.Recognition:
        """The layout's reading (or `image`, a sample of it) recognised, word boxes in page-image pixels."""
        top, left = (0, 0) if image is not None else laid.writing[:2]
        part = image if image is not None else laid.image[top:laid.writing[2], left:laid.writing[3]]
        found = tesseract.recognise(part, options.language, options.timeout, pdf=pdf,
                                    dpi=(dpi or 300) * laid.scale, psm=psm)
        if laid.scale == 1 and not (top or left):
            return found
        return tesseract.Recognition(tuple(_placed(w, left, top, 1 / laid.scale) for w in found.words), found.pdf,
                                     found.confidence)

    try:
        result = recognise(layout)
        if "orientation" in steps and orientation.doubtful(result, lexicon):
            layout, result = _upright(layout, result, gray, dpi, steps, recognise, lexicon)
    except (OcrTimeout, OcrFailed) as error:
        return _page(page.number, layout.gray, started, options, dpi, rotation=layout.rotation, skew=layout.skew,
                     error=error)
    read = result.words
    if "codes" in steps:
        try:
            read = codes.reread(read, layout.image, layout.scale, (dpi or 300) * layout.scale, options.language,
                                options.timeout)
        except (OcrTimeout, OcrFailed):
            pass  # the page's own reading stands
    kept = wordlist.legible(read, lexicon) if "words" in steps else read
    confidence, gray = result.confidence, layout.gray
    pdf = None
    if options.pdf:
        reading_dpi = (dpi or 300) * layout.scale
        top, left, bottom = layout.writing[:3]
        shift = (left / reading_dpi * 72, (layout.image.shape[0] - bottom) / reading_dpi * 72)  # points, from below
        pdf = searchable.with_text_layer(searchable.image_page(gray, dpi), result.pdf, shift)
    return OcrPage(page.number, wordlist.text_of(kept), confidence, layout.rotation, layout.skew, gray.shape[1],
                   gray.shape[0], False, confidence is None or confidence < LOW_CONFIDENCE,
                   time.monotonic() - started, read, pdf)


def _lay_out(gray: np.ndarray, dpi: int, steps: frozenset[str], sideways: bool | None = None) -> _Layout:
    """The page turned by how its lines run, deskewed, lighting flattened, straightened, and judged which way up."""
    image, turn, scale, found = _reading(gray, dpi, steps, sideways)
    surveyed, read = survey.survey(image), image
    rotation, skew = survey.text_lines(surveyed, turn=turn)
    if "orientation" not in steps:
        rotation = 0
    if "deskew" not in steps:
        skew = 0.0
    separate = image is not gray
    gray = geometry.deskew(geometry.rotate(gray, rotation), skew)
    image = geometry.deskew_on_white(geometry.rotate(image, rotation), skew) if separate else gray
    if "normalise" in steps:
        gray = tone.normalise(gray)
        image = image if separate else gray
    level = image
    if "frame" in steps and separate:
        image = frame.cleared(image, frame.find(gray), scale)
    if "dewarp" in steps and separate and not (  # the lines found on the reading tell a flat page without a search
            image is level and dewarp.surely_flat(found, read.shape, rotation, skew)):
        image, gray = _flattened(image, gray, (dpi or 300) * scale)
    layout = _Layout(image, gray, rotation, skew, scale)
    # Which way up is judged last, on level and straight lines: a curl's waves blur the x-height band the cue
    # reads (a wavy letter was read upside down first, then turned by four sample readings).
    # the survey above still shows the reading unless it was turned, deskewed or straightened since
    if "orientation" in steps and survey.upside_down(surveyed if image is read else survey.survey(image), 0, 0.0):
        return layout.flipped()
    return layout


def _upright(layout: _Layout, result: tesseract.Recognition, gray: np.ndarray, dpi: int, steps: frozenset[str],
             recognise, lexicon: frozenset[str]) -> tuple[_Layout, tesseract.Recognition]:
    """The page's best reading among the four ways it could lie, when the first reading was doubtful.

    Upside down is what the cue gets wrong most (folds, curls and streaks blur the x-height band it reads): the
    page is read whole once more, flipped, and kept that way if that reading is one only an upright page gives.
    The best so far is kept when it is one only an upright page gives, or one Tesseract is sure of
    (orientation.sure). Otherwise the other way of the lines is laid out afresh (its own text lines, deskew and straightening):
    vertical drum streaks line up too, and a short letter under many of them was taken for a page on its side.
    Those candidates are told apart from the best so far by a sample of their writing; a winner is read whole and
    kept if it reads better.
    """
    def legible(reading: tesseract.Recognition) -> float:
        return wordlist.legible_letters(reading.words, lexicon)

    def sampled(candidate: _Layout) -> float:
        return legible(recognise(candidate, orientation.sample(candidate.image), psm=6, pdf=False))

    def better(value: float, than: float) -> bool:
        return value > orientation.BETTER * than + 5

    best, reading = layout, result
    flipped = layout.flipped() if "writing" in steps else _turned(layout, 180)
    retry = recognise(flipped)
    if better(legible(retry), legible(result)):
        best, reading = flipped, retry
    if legible(reading) >= orientation.UPRIGHT_LETTERS or orientation.sure(reading):
        return best, reading
    if "writing" in steps:
        other = _lay_out(gray, dpi, steps, sideways=layout.rotation % 180 == 0)
        others = [other, other.flipped()]
    else:
        others = [_turned(layout, 90), _turned(layout, 270)]
    base = sampled(best)
    scores = [sampled(candidate) for candidate in others]
    winner = int(np.argmax(scores))
    if better(scores[winner], base):
        retry = recognise(others[winner])
        if legible(retry) > legible(reading):
            return others[winner], retry
    return best, reading


def _turned(layout: _Layout, turn: int) -> _Layout:
    gray = geometry.rotate(layout.gray, turn)
    image = gray if layout.image is layout.gray else geometry.rotate(layout.image, turn)
    return _Layout(image, gray, (layout.rotation + turn) % 360, layout.skew, layout.scale)


def _reading(gray: np.ndarray, dpi: int, steps: frozenset[str],
             sideways: bool | None = None) -> tuple[np.ndarray, int | None, int, lines.TextLines | None]:
    """(what recognition reads, the quarter turn its lines ask for or None to let the survey judge, its scale,
    its text lines when they were searched for and found).

    Print smaller than SMALL_TEXT is read at twice the size: the cleanup's filters and Tesseract both lose such
    letters' strokes (a 7-point letter scanned at 150 dpi lost a third of its words; twice the size, none).
    """
    if "writing" not in steps:
        return gray, None, 1, None
    prepared = reading.prepare(gray, dpi, only_lines="lines" in steps, sideways=sideways)
    scale = 1
    if prepared.lines is not None and prepared.lines.height < SMALL_TEXT:
        scale = 2
        prepared = reading.prepare(geometry.enlarged(gray, 2), (dpi or 300) * 2, only_lines="lines" in steps,
                                   sideways=sideways)
    return prepared.image, 270 if prepared.sideways else 0, scale, prepared.lines


def _flattened(image: np.ndarray, gray: np.ndarray, dpi: int) -> tuple[np.ndarray, np.ndarray]:
    """The reading and the page image with their text lines straightened, when the sheet was curled or folded.

    The lines are searched for again on the level reading: the lines found before deskew, moved as the page was
    turned, cost fields_dev 0.003 of CER (their marks' boxes are a skewed letter's) for 4% of the time. They only
    tell the pages that surely do not bend, which need no search (`dewarp.surely_flat`)."""
    found = lines.find(image < 200, dpi)
    rows = dewarp.field(found, image.shape) if found is not None else None
    if rows is None:
        return image, gray
    # the reading may be enlarged: the page image then takes the same shifts, scaled down
    return dewarp.flatten(image, rows), dewarp.flatten(gray, dewarp.resized(rows, gray.shape))


def _placed(word: Word, left: int, top: int, factor: float) -> Word:
    """A word read in the part of the reading at (left, top), its box in page-image pixels."""
    x, y, width, height = word.box
    box = (round((x + left) * factor), round((y + top) * factor), round(width * factor), round(height * factor))
    return Word(word.text, word.confidence, box, word.line)


def _page(number: int, gray: np.ndarray, started: float, options: OcrOptions, dpi: int, *, blank: bool = False,
          rotation: int = 0, skew: float = 0.0, error: OcrTimeout | OcrFailed | None = None) -> OcrPage:
    """A page without recognised text: blank (nothing to read) or failed (a person must read it)."""
    pdf = searchable.image_page(gray, dpi) if options.pdf else None
    return OcrPage(number, "", None, rotation, skew, gray.shape[1], gray.shape[0], blank, not blank,
                   time.monotonic() - started, pdf=pdf, error_code=error.code if error else None,
                   error=error.user_message if error else None)
