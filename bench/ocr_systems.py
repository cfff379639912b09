"""The systems bench/ocr compares on the same page images: bare tesseract, OCRmyPDF, peticiones, and
peticiones without one of its steps."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from bench.ocr_sets import ROOT

CORES = os.cpu_count() or 1


def single_threaded() -> dict[str, str]:
    """The environment for a Tesseract run that keeps to one core."""
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def in_parallel(function, items) -> list:
    """`function` over `items`, one thread per core, results in order."""
    with ThreadPoolExecutor(max_workers=CORES) as pool:
        return list(pool.map(function, items))


def bare_tesseract(images: list[Path], _: Path) -> list[str]:
    """Plain `tesseract -l spa` on each image, one single-threaded process per core."""
    def read(image: Path) -> str:
        return subprocess.run(["tesseract", str(image), "stdout", "-l", "spa"], capture_output=True,
                              env=single_threaded()).stdout.decode("utf-8", errors="replace")
    return in_parallel(read, images)


def ocrmypdf(images: list[Path], work: Path) -> list[str]:
    """OCRmyPDF with its own rotation, deskew and cleaning on each image, one `--jobs 1` process per core."""
    def read(indexed: tuple[int, Path]) -> str:
        index, image = indexed
        source = _flattened(image, work / f"entrada-{index}{image.suffix}")
        sidecar, output = work / f"texto-{index}.txt", work / f"salida-{index}.pdf"
        dpi = Image.open(source).info.get("dpi", (0, 0))[0] or 300
        subprocess.run(["ocrmypdf", "-l", "spa", "--rotate-pages", "--deskew", "--clean", "--force-ocr",
                        "--jobs", "1", "--output-type", "pdf", "--image-dpi", str(round(dpi)),
                        "--sidecar", str(sidecar), str(source), str(output)],
                       capture_output=True, env=single_threaded())
        text = sidecar.read_text(encoding="utf-8", errors="replace") if sidecar.exists() else ""
        sidecar.unlink(missing_ok=True)  # the next set reuses the index: a failed run must not read this one
        return text
    return in_parallel(read, list(enumerate(images)))


def _flattened(image: Path, target: Path) -> Path:
    """OCRmyPDF refuses images with an alpha channel (some FONDUE PNGs have one): give it an RGB copy."""
    with Image.open(image) as opened:
        if opened.mode not in ("RGBA", "LA", "PA"):
            return image
        background = Image.new("RGB", opened.size, "white")
        background.paste(opened, mask=opened.getchannel("A"))
        background.save(target, dpi=opened.info.get("dpi", (300, 300)))
    return target


def peticiones(images: list[Path], _: Path) -> list[str]:
    """`peticiones ocr --json` once over every image; each image's pages joined."""
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "peticiones"), "ocr", "--json", *map(str, images)],
                            capture_output=True, cwd=ROOT)
    texts = {}
    for line in result.stdout.decode("utf-8").splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            texts[entry["file"]] = "\n".join(page["text"] for page in entry["pages"])
    if not texts:
        raise SystemExit(f"peticiones ocr falló:\n{result.stderr.decode()[-3000:]}")
    return [texts.get(str(image), "") for image in images]


def without_step(step: str):
    """peticiones in this process, with one cleanup step switched off."""
    def read(images: list[Path], _: Path) -> list[str]:
        from ocr import rasterize
        from ocr.document import PagePool, read_document
        from ocr.reader import STEPS, OcrOptions

        options = OcrOptions(steps=STEPS - {step})
        pool = PagePool(CORES)
        try:
            def one(image: Path) -> str:
                info = rasterize.inspect(image, 500, 400_000_000)
                return "\n".join(p.text for p in read_document(image, info, options, pool, dpi=300,
                                                               max_pixels=400_000_000))
            return in_parallel(one, images)
        finally:
            pool.close()
    return read


def chosen_systems(only: str | None) -> dict:
    """The systems to run: OCRmyPDF only when installed, and only those in `--only` when given."""
    systems = {"tesseract": bare_tesseract, "peticiones": peticiones}
    if shutil.which("ocrmypdf") or (ROOT / ".venv" / "bin" / "ocrmypdf").exists():
        os.environ["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"
        systems = {"tesseract": bare_tesseract, "ocrmypdf": ocrmypdf, "peticiones": peticiones}
    else:
        print("ocrmypdf no está instalado (make bench lo instala): se omite", file=sys.stderr)
    if only:
        systems = {name: system for name, system in systems.items() if name in only.split(",")}
    return systems
