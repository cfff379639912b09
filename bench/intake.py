"""Intake benchmark: memory across a long PDF and the time from dropping a scan to `review`.

Both figures are printed with a reference measured in the same run on the same machine:
- peak memory (RSS of `peticiones process` and every process it starts, summed) for a 100-page PDF, against a
  10-page PDF of the same pages; a ratio near 1 means memory does not grow with page count. With `--batch`, both
  PDFs are batch scans: a separator sheet after every BATCH_LETTERS letters, so the long one is split into a
  document per petition (issue 15: a 500-page batch keeps memory flat; `--pages 500 --batch`);
- median seconds from a one-page scan landing in `entrada/` to its row reaching `review` with a running
  `peticiones watch`, against bare `tesseract -l spa` on the same page (the floor no pipeline can beat).

    .venv/bin/python -m bench.intake [--pages 100] [--drops 7] [--batch]  (--drops 0: memory only)

The last line printed is one JSON object with every figure.

Measured 2026-12-07 (`--pages 500 --reference-pages 50 --batch --drops 0`, 2 cores shared with other work): a
500-page batch split into 100 documents peaked at 1199 MB in 823 s, the 50-page batch at 1009 MB: ratio 1.19.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from ocr.cleanup import separator  # noqa: E402
from tests.pages import LETTERS, render_page, save_pdf  # noqa: E402  (the tests' page renderer, real font)

PETICIONES = [sys.executable, "-m", "pipeline"]
BATCH_LETTERS = 4  # letters between two separator sheets in a --batch scan


def separator_page(width: int = 2550, height: int = 3300) -> Image.Image:
    """A scanned separator sheet: white paper with the sheet's QR code (ocr.cleanup.separator) in the middle."""
    page = Image.new("L", (width, height), 255)
    qr = Image.fromarray(separator.code())
    page.paste(qr, ((width - qr.width) // 2, (height - qr.height) // 3))
    return page


def scan(letters: list[Image.Image], pages: int, batch: bool) -> list[Image.Image]:
    """`pages` pages of the letters in turn; in a batch, a separator sheet after every BATCH_LETTERS of them."""
    if not batch:
        return [letters[i % len(letters)] for i in range(pages)]
    sheet, out = separator_page(), []
    while len(out) < pages:
        out.append(sheet if len(out) % (BATCH_LETTERS + 1) == BATCH_LETTERS else letters[len(out) % len(letters)])
    return out


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of `pid` and all its descendants, read from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            pages = int((entry / "statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        child = int(entry.name)
        children.setdefault(int(fields[1]), []).append(child)
        rss[child] = pages * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, []))
    return total


def peak_memory(pdf: Path, workdir: Path) -> tuple[int, float]:
    """Peak summed RSS (bytes) and wall seconds of `peticiones process pdf` in a fresh HOME."""
    home = workdir / f"home-{pdf.stem}"
    env = {**os.environ, "PETICIONES_HOME": str(home)}
    started = time.monotonic()
    child = subprocess.Popen(PETICIONES + ["process", str(pdf)], env=env, cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(child.stderr.read()))
    reader.start()
    while child.poll() is None:
        peak = max(peak, tree_rss_bytes(child.pid))
        time.sleep(0.05)
    reader.join()
    if child.returncode != 0:
        raise SystemExit(f"peticiones process {pdf.name} falló:\n{errors[0].decode()[-3000:]}")
    return peak, time.monotonic() - started


def bare_tesseract_seconds(png: Path) -> float:
    started = time.monotonic()
    subprocess.run(["tesseract", str(png), "stdout", "-l", "spa"], check=True, capture_output=True,
                   env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    return time.monotonic() - started


def drop_to_review(pages: list[Path], workdir: Path, stability: str | None) -> list[float]:
    """Seconds from copying each page into a watched inbox to its document reaching `review`, one at a time."""
    home = workdir / f"home-watch-{stability or 'default'}"
    env = {**os.environ, "PETICIONES_HOME": str(home)}
    if stability is not None:
        env["PETICIONES_STABILITY_SECONDS"] = stability
    log_path = workdir / f"watch-{stability or 'default'}.log"
    log = open(log_path, "wb")
    service = subprocess.Popen(PETICIONES + ["watch"], env=env, cwd=ROOT, stdout=log, stderr=log)
    engine = create_engine(f"sqlite:///{home / 'peticiones.db'}")
    try:
        # the watcher is up ("vigilando ..."): a drop before that is found by its start-up scan, not by an event
        _wait(lambda: b"vigilando" in log_path.read_bytes(), 60, service)
        times = []
        for page in pages:
            staged = home / f".{page.name}"  # hidden names are ignored by the watcher
            shutil.copy(page, staged)
            dropped = time.monotonic()
            os.replace(staged, home / "entrada" / page.name)
            _wait(lambda: _state_of(engine, page.name) == "review", 300, service)
            times.append(time.monotonic() - dropped)
        return times
    finally:
        service.terminate()
        service.wait(60)
        log.close()
        engine.dispose()


def _documents(home: Path) -> int:
    """How many documents `peticiones process` made in `home` (a batch: one per petition)."""
    engine = create_engine(f"sqlite:///{home / 'peticiones.db'}")
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM documents")).scalar()
    finally:
        engine.dispose()


def _state_of(engine, name: str) -> str | None:
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT state FROM documents WHERE original_name = :n"),
                                      {"n": name}).scalar()
    except Exception:  # the service may still be creating the tables
        return None


def _wait(condition, timeout: float, service: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.poll() is not None:
            raise SystemExit(f"el servicio terminó con código {service.returncode}")
        if condition():
            return
        time.sleep(0.02)
    raise SystemExit("tiempo agotado esperando al servicio")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100, help="páginas del PDF largo")
    parser.add_argument("--reference-pages", type=int, default=10, help="páginas del PDF de referencia")
    parser.add_argument("--drops", type=int, default=7, help="escaneos de una página soltados en la bandeja")
    parser.add_argument("--batch", action="store_true",
                        help=f"ambos PDF son lotes: una hoja separadora cada {BATCH_LETTERS} cartas")
    args = parser.parse_args()

    result: dict = {"cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        workdir = Path(tmp)
        letters = [render_page(LETTERS[i % len(LETTERS)]) for i in range(len(LETTERS))]

        long_pdf = save_pdf(workdir / "largo.pdf", scan(letters, args.pages, args.batch))
        short_pdf = save_pdf(workdir / "corto.pdf", scan(letters, args.reference_pages, args.batch))
        short_peak, short_seconds = peak_memory(short_pdf, workdir)
        long_peak, long_seconds = peak_memory(long_pdf, workdir)
        result["memory"] = {
            "pages": args.pages, "peak_mb": round(long_peak / 2**20, 1), "seconds": round(long_seconds, 1),
            "reference_pages": args.reference_pages, "reference_peak_mb": round(short_peak / 2**20, 1),
            "reference_seconds": round(short_seconds, 1), "ratio": round(long_peak / short_peak, 2),
            "batch": args.batch, "documents": _documents(workdir / "home-largo"),
        }
        print(f"memoria: {args.pages} páginas{' (lote)' if args.batch else ''}, "
              f"{result['memory']['documents']} documentos, {long_peak / 2**20:.0f} MB en {long_seconds:.0f} s; "
              f"{args.reference_pages} páginas {short_peak / 2**20:.0f} MB; razón {long_peak / short_peak:.2f}")

        if not args.drops:
            print(json.dumps(result, ensure_ascii=False))
            return
        scans = []
        for i in range(args.drops):
            png = workdir / f"escaneo-{i}.png"
            # each drop is a distinct file (a duplicate would skip OCR), same amount of text
            render_page(LETTERS[i % len(LETTERS)] + f" Folio de ventanilla {1000 + i}.").save(png, dpi=(300, 300))
            scans.append(png)
        bare = statistics.median(bare_tesseract_seconds(png) for png in scans)
        result["drop_to_review"] = {"bare_tesseract_seconds": round(bare, 2)}
        for label, stability in (("default_settings", None), ("stability_1s", "1")):
            times = drop_to_review(scans, workdir, stability)
            median = statistics.median(times)
            result["drop_to_review"][label] = {"median_seconds": round(median, 2), "ratio": round(median / bare, 2),
                                               "seconds": [round(t, 2) for t in times]}
            print(f"de la bandeja a revisión ({label}): mediana {median:.2f} s; tesseract solo {bare:.2f} s; "
                  f"razón {median / bare:.2f}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
