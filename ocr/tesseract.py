"""Owner of Tesseract (through pytesseract): Spanish recognition, the language's lexicon, and whether it runs here.

One Tesseract run per page gives the words with their confidences and places (TSV) and, when asked, the page's
invisible text layer as a PDF of its own (`textonly_pdf`), to lay over the page image the reviewers see: what
recognition reads has had everything that is not writing taken out, and that must not be what is routed. The page is handed over as an uncompressed TIFF file in memory-backed storage: pytesseract's
own PNG re-encoding of an array cost more than the recognition itself on a full page (measured 2.1 s vs 1.2 s),
and Leptonica reads PGM a few bytes at a time (an A4 page took ~0.06 s longer to read than the same TIFF, about
12% of its recognition; text, confidences and PDF came out byte for byte the same).
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from pytesseract import pytesseract

from ocr.page import Word
from ocr.errors import OcrFailed, OcrTimeout, OcrUnavailable

# Pages run in parallel across documents; OpenMP threads inside each tesseract only fight over the same cores
# (measured: ~1.2 s a page single-threaded against ~3.8 s with default threads on 2 cores).
os.environ["OMP_THREAD_LIMIT"] = "1"

_SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
# What Tesseract says when a language's data is missing: the machine's fault, not the page's.
_NO_LANGUAGE = re.compile(r"Failed loading language|Error opening data file|Could not initialize tesseract")


@dataclass(frozen=True)
class Recognition:
    words: tuple[Word, ...]
    pdf: bytes | None  # the invisible text layer alone, page-sized, when asked for
    confidence: float | None  # mean word confidence, None when no words


def _mean_confidence(words: tuple[Word, ...]) -> float | None:
    """Mean word confidence weighted by word length, so stray one-letter noise counts little."""
    total = sum(len(w.text) for w in words)
    if not total:
        return None
    return round(sum(w.confidence * len(w.text) for w in words) / total, 1)


def recognise(gray: np.ndarray, language: str, timeout: float, *, pdf: bool = False, dpi: int = 300,
              psm: int = 3) -> Recognition:
    """Recognise one cleaned page in a single Tesseract run."""
    with _staged(gray) as (image, base):
        # tessedit_do_invert stays on: the reading is dark writing on white, but the inverted second try of doubtful
        # words still mended some (petitions_dev CER 0.089 against 0.094 without, for a tenth more time), and
        # without it a horizontal drum streak under the watermark came out as a line of capitals that pass for
        # words ("LAN ARCAS AID APAGO ...", tests/test_ocr_damage.py). Off, it saved 4-6% of the CPU.
        config = f"--psm {psm} --dpi {dpi or 300} -c tessedit_create_tsv=1"
        if pdf:
            config += " -c textonly_pdf=1"
        _run(image, base, "pdf" if pdf else "", language, config, timeout)
        tsv = Path(f"{base}.tsv").read_text(encoding="utf-8", errors="replace")
        document = Path(f"{base}.pdf").read_bytes() if pdf else None
    words = _parse_tsv(tsv)
    return Recognition(words, document, _mean_confidence(words))


def recognise_lines(images: list[np.ndarray], dpis: list[int], language: str, timeout: float) -> list[Recognition]:
    """Several cut-out lines, each read as one line of text, in a single Tesseract run: starting Tesseract and
    loading its model costs ~0.2 s, several times the reading of a line."""
    with tempfile.TemporaryDirectory(prefix="peticiones-ocr-", dir=_SCRATCH) as folder:
        paths = []
        for number, (image, dpi) in enumerate(zip(images, dpis)):
            paths.append(_written(os.path.join(folder, f"linea{number}.tif"), image,
                                  (cv2.IMWRITE_TIFF_XDPI, dpi, cv2.IMWRITE_TIFF_YDPI, dpi)))
        listing, base = os.path.join(folder, "lineas.txt"), os.path.join(folder, "salida")
        Path(listing).write_text("\n".join(paths) + "\n", encoding="utf-8")
        _run(listing, base, "", language, "--psm 7 -c tessedit_create_tsv=1", timeout)
        tsv = Path(f"{base}.tsv").read_text(encoding="utf-8", errors="replace")
    pages = _parse_tsv(tsv, with_page=True)
    found = []
    for number in range(1, len(images) + 1):
        words = tuple(word for page, word in pages if page == number)
        found.append(Recognition(words, None, _mean_confidence(words)))
    return found


@contextlib.contextmanager
def _staged(gray: np.ndarray) -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="peticiones-ocr-", dir=_SCRATCH) as folder:
        yield _written(os.path.join(folder, "pagina.tif"), gray), os.path.join(folder, "salida")


def _written(path: str, image: np.ndarray, params: tuple = ()) -> str:
    """`image` written to `path` as an uncompressed TIFF, for Tesseract to read."""
    if not cv2.imwrite(path, image, (cv2.IMWRITE_TIFF_COMPRESSION, 1, *params)):  # 1: no compression
        raise OcrFailed("no se pudo preparar la imagen para tesseract")
    return path


def _run(image: str, base: str, extension: str, language: str, config: str, timeout: float) -> None:
    started = time.monotonic()
    try:
        pytesseract.run_tesseract(image, base, extension, language, config=config, timeout=timeout)
    except pytesseract.TesseractNotFoundError as error:
        raise OcrUnavailable("tesseract no está en el PATH") from error
    except pytesseract.TesseractError as error:
        if _NO_LANGUAGE.search(error.message or ""):
            raise OcrUnavailable(f"tesseract: {error.message}") from error
        raise OcrFailed(f"tesseract: {error.message}") from error
    except RuntimeError as error:
        # pytesseract reports its own kill on timeout only as a bare RuntimeError; elapsed time tells which.
        if time.monotonic() - started >= timeout * 0.95:
            raise OcrTimeout(f"tesseract excedió {timeout:.0f} s") from error
        raise OcrFailed(f"tesseract: {error}") from error


def _parse_tsv(tsv: str, with_page: bool = False) -> tuple:
    """The words of Tesseract's TSV (rows of tab-separated fields under a header, no quoting): split by hand,
    half of csv.DictReader's time (~1 ms a page); a row short of the header's fields has no word to give.
    With `with_page`, each word comes as (page number, word): a run over several images numbers them."""
    rows = tsv.split("\n")
    header = rows[0].rstrip("\r").split("\t")
    try:
        columns = [header.index(name) for name in ("text", "conf", "left", "top", "width", "height", "block_num",
                                                   "par_num", "line_num", "page_num")]
    except ValueError:
        return ()
    text, conf, *numbers = columns
    words = []
    for row in rows[1:]:
        fields = row.rstrip("\r").split("\t")
        if len(fields) < len(header):
            continue
        token = fields[text].strip()
        try:
            confidence = float(fields[conf])
            values = [int(fields[i]) for i in numbers]
        except ValueError:
            continue
        if confidence < 0 or not token:
            continue
        word = Word(token, confidence, tuple(values[:4]), tuple(values[4:7]))
        words.append((values[7], word) if with_page else word)
    return tuple(words)


def lexicon(language: str, timeout: float = 30) -> frozenset[str]:
    """The words of `language`'s own dictionary (Tesseract's word DAWG), lower-cased; empty when unavailable.

    Tesseract ships a large Spanish word list inside spa.traineddata (179,000 entries, names and places among
    them); `combine_tessdata -u` unpacks it and `dawg2wordlist` spells it out, in ~0.3 s, once per traineddata (the
    list is kept in the user's cache, `_kept_lexicon`), and it is read once per process. Only a
    list read is kept: one asked for while Tesseract was missing is asked for again once it is installed.
    """
    with _LEXICON_LOCK:
        if language not in _LEXICONS:
            words = _read_lexicon(language, timeout)
            if not words:
                return words
            _LEXICONS[language] = words
        return _LEXICONS[language]


_LEXICONS: dict[str, frozenset[str]] = {}
_LEXICON_LOCK = threading.Lock()  # page threads ask at once; one reads the list


def _read_lexicon(language: str, timeout: float) -> frozenset[str]:
    folder, _ = _languages(timeout)
    source = folder / f"{language}.traineddata" if folder else None
    if source is None or not source.is_file():
        return frozenset()
    try:
        kept = _kept_lexicon(source)
    except (OSError, RuntimeError):  # no home to keep it in (HOME unset, no passwd entry): unpacked every time
        return _unpacked_lexicon(source, language, timeout)
    with contextlib.suppress(OSError):
        words = frozenset(kept.read_text(encoding="utf-8").split())
        if words:
            return words
    words = _unpacked_lexicon(source, language, timeout)
    if words:
        with contextlib.suppress(OSError):
            kept.parent.mkdir(parents=True, exist_ok=True)
            scratch = kept.with_name(f"{kept.name}.{os.getpid()}.{threading.get_ident()}")
            scratch.write_text("\n".join(words), encoding="utf-8")
            os.replace(scratch, kept)  # whole or not at all: another process may be reading it
    return words


def _kept_lexicon(source: Path) -> Path:
    """Where the word list unpacked from `source` is kept between processes: in the user's cache, named by the
    file's size and modification time (a new traineddata is unpacked afresh). Unpacking costs ~0.3 s of CPU at
    every start of the service or of `peticiones ocr` (a percent of reading 34 pages); reading it kept, ~0.04."""
    stat = source.stat()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "peticiones"
    return cache / f"lexico-{source.stem}-{stat.st_size}-{stat.st_mtime_ns}.txt"


def _unpacked_lexicon(source: Path, language: str, timeout: float) -> frozenset[str]:
    with tempfile.TemporaryDirectory(prefix="peticiones-lexico-", dir=_SCRATCH) as scratch:
        base = os.path.join(scratch, language)
        try:
            subprocess.run(["combine_tessdata", "-u", str(source), f"{base}."], capture_output=True,
                           timeout=timeout, check=True)
            subprocess.run(["dawg2wordlist", f"{base}.lstm-unicharset", f"{base}.lstm-word-dawg", f"{base}.txt"],
                           capture_output=True, timeout=timeout, check=True)
            listed = Path(f"{base}.txt").read_text(encoding="utf-8", errors="replace")
        except (subprocess.SubprocessError, OSError):
            return frozenset()
    return frozenset(word.lower() for word in listed.split())


def _languages(timeout: float) -> tuple[Path | None, set[str]]:
    """Where Tesseract finds its language files and which it has (as `tesseract --list-langs` reports them);
    (None, empty) when Tesseract does not run."""
    try:
        listed = subprocess.run([pytesseract.tesseract_cmd, "--list-langs"], capture_output=True, timeout=timeout,
                                text=True)
    except (subprocess.SubprocessError, OSError):
        return None, set()
    if listed.returncode != 0:
        return None, set()
    found = re.search(r'"([^"]+)"', listed.stdout)
    return (Path(found.group(1)) if found else None), {line.strip() for line in listed.stdout.splitlines()[1:]}


CHECK_KEPT = 30.0  # seconds a health check's answer is reused: /salud/listo needs no login, and each answer ran
# a process; a monitor (or anyone) asking many times a second would otherwise start as many
_checked: dict[str, tuple[float, bool]] = {}
_check_lock = threading.Lock()


def check_available(language: str, timeout: float = 10) -> dict:
    """{"language"} when Tesseract runs here and has `language`'s data; else OcrUnavailable (the health check).
    Asked again at most every CHECK_KEPT seconds: installing or removing Tesseract shows within that time."""
    with _check_lock:
        when, found = _checked.get(language, (-CHECK_KEPT, False))
        if time.monotonic() - when >= CHECK_KEPT:
            found = language in _languages(timeout)[1]
            _checked[language] = (time.monotonic(), found)
    if not found:
        raise OcrUnavailable(f"tesseract no corre aquí o no tiene el idioma {language}")
    return {"language": language}
