"""Recognition-confidence benchmark: does «verificar» fall on the petitioner fields OCR got wrong?

    .venv/bin/python -m bench.legibility [--data DIR] [--cache DIR]

Each fields_dev letter (../shared/data/ocr/fields_dev; absent: the benchmark says so and exits 0) is read by
peticiones' OCR in this process, keeping the recognised words; the fields are extracted from the text, once as
extraction scores them and once with classifiers.legibility's recognition confidence, and compared with the
letter's truth by bench.fields' rules. For the fields legibility judges (name and municipality here), it prints
how many read wrong were marked «verificar» (score under 0.8) before and after, and how many read right were
newly marked: a mark is worth its reviewer's glance only when it falls mostly on wrong values. The OCR's words are
kept in --cache, when given, so that a second run only re-extracts. The last line is JSON.

Measured at d2b2ef9: of 5 wrong names and municipalities, 0 marked before and 5 after; 1 of 51 right ones newly
marked. At stop 24 (the service's Settings for limits, resolution and workers): of 4 wrong, 0 before and 4 after;
1 of 51 right ones newly marked.
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
from pathlib import Path

from bench.fields import DATA, _right
from classifiers import legibility
from classifiers.extraction import extract_fields
from ocr import rasterize
from ocr.document import PagePool, read_document
from ocr.reader import OcrOptions
from pipeline.settings import Settings
from storage.texts import PAGE_BREAK

JUDGED = ("name", "municipality")  # the fields bench.fields compares among legibility.FIELDS
MARKED = 0.8  # the review page says «verificar» below this score


def _read(pdf: Path, cache: Path, pool: PagePool) -> list[list]:
    """[[page text, [[word, confidence], ...]], ...] of one letter, from the cache or the OCR."""
    stored = cache / f"{pdf.stem}.json"
    if stored.exists():
        return json.loads(stored.read_text())
    settings = Settings()  # the service's own limits and resolution, so the letters are read as the office reads them
    info = rasterize.inspect(pdf, settings.max_pages, settings.max_pixels)
    options = OcrOptions(settings.ocr_language, settings.page_timeout)
    pages = [[p.text, [[w.text, w.confidence] for w in p.words]]
             for p in read_document(pdf, info, options, pool, dpi=settings.dpi, max_pixels=settings.max_pixels)]
    stored.write_text(json.dumps(pages, ensure_ascii=False))
    return pages


def measure(data: Path, cache: Path) -> dict:
    counts = {"wrong": 0, "wrong_marked_before": 0, "wrong_marked_after": 0, "right": 0, "right_newly_marked": 0}
    pool = PagePool(Settings().workers)
    try:
        letters = [(pdf, _read(pdf, cache, pool)) for pdf in sorted(data.glob("*.pdf"))]
    finally:
        pool.close()
    for pdf, pages in letters:
        pages = [(page_text, words) for page_text, words in pages if page_text]
        text = PAGE_BREAK.join(page_text for page_text, _ in pages)
        truth = json.loads(pdf.with_suffix(".fields.json").read_text())
        plain = extract_fields(text)
        judged = legibility.mark(copy.deepcopy(plain), text, pages)
        right = _right(judged, truth)
        for key in JUDGED:
            if key not in judged:
                continue
            before, after = plain[key]["score"] < MARKED, judged[key]["score"] < MARKED
            if right[key]:
                counts["right"] += 1
                counts["right_newly_marked"] += after and not before
            else:
                counts["wrong"] += 1
                counts["wrong_marked_before"] += before
                counts["wrong_marked_after"] += after
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, help="folder to keep the letters' OCR in between runs (reused as it is: "
                        "empty it after any OCR change); by default a new temporary folder")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"no está {args.data}: se omite")
        return
    cache = args.cache or Path(tempfile.mkdtemp(prefix="peticiones-legibility-"))
    cache.mkdir(parents=True, exist_ok=True)
    counts = measure(args.data, cache)
    print(f"mal leídos (nombre, municipio): {counts['wrong']}; marcados «verificar» antes "
          f"{counts['wrong_marked_before']}, ahora {counts['wrong_marked_after']}")
    print(f"bien leídos: {counts['right']}; marcados de más ahora {counts['right_newly_marked']}")
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
