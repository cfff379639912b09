"""A whole file read page by page, with pages of all documents shared out over every core."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from ocr import pdf_pages, rasterize, searchable, textlayer
from ocr.cleanup import separator
from ocr.page import OcrPage, SourceInfo
from ocr.reader import OcrOptions, read_page

PDF = "application/pdf"


class PagePool:
    """Threads that clean and recognise pages; Tesseract runs as a child process, so threads use every core."""

    def __init__(self, workers: int):
        self.workers = max(1, workers)
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="pagina")

    def submit(self, function, *args) -> Future:
        return self._executor.submit(function, *args)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def read_document(path: Path, info: SourceInfo, options: OcrOptions, pool: PagePool, *, dpi: int, max_pixels: int,
                  skip: Iterable[int] = (), page_timeout: float = 120.0) -> Iterator[OcrPage]:
    """Yield every page not in `skip`, in order, as soon as it and the ones before it are read.

    Pages whose own PDF text layer is usable are taken as they are; the rest are rasterized one at a time and
    read in parallel, with at most `pool.workers` of this document's pages held in memory at once.
    """
    skip = set(skip)
    layers = pdf_pages.text_layers(path) if info.media_type == PDF else []
    textual = {n for n, text in enumerate(layers, 1) if n not in skip and textlayer.usable(text)}
    sheets = {n for n in textual if options.separators and separator.is_sheet_text(layers[n - 1])}
    images = rasterize.iter_pages(path, info, dpi, max_pixels, skip | textual, timeout=page_timeout)
    pending: deque[Future] = deque()
    for number in range(1, info.page_count + 1):
        if number in skip:
            continue
        if number in textual:
            done: Future = Future()
            done.set_result(_from_text_layer(path, number, layers[number - 1], options,
                                             "separator" if number in sheets else "text_layer"))
            pending.append(done)
        else:
            pending.append(pool.submit(read_page, next(images), options))
        if len(pending) > pool.workers:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _from_text_layer(path: Path, number: int, text: str, options: OcrOptions, source: str) -> OcrPage:
    started = time.monotonic()
    pdf = searchable.source_page(path, number) if options.pdf else None
    return OcrPage(number, "" if source == "separator" else text.strip(), None, 0, 0.0, 0, 0, False, False,
                   time.monotonic() - started, pdf=pdf, source=source)
