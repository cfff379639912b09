"""The letters bench/ocr reads, set by set: their page images and their reference text."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from bench import letters

ROOT = Path(__file__).resolve().parent.parent


SHARED = ROOT.parent / "shared" / "data" / "ocr"

FOLDERS = {"fondue": SHARED / "fondue_dev", "petitions": SHARED / "petitions_dev", "fields": SHARED / "fields_dev"}


@dataclass(frozen=True)
class Letter:
    """The unit CER is counted on: page images in order, the whole text as written, its metadata file's content."""

    name: str
    pages: tuple[Path, ...]
    truth: str
    meta: dict = field(default_factory=dict)


def fondue_set(folder: Path, _: Path) -> list[Letter]:
    """Every FONDUE page with a transcription, each its own unit."""
    pages = []
    for truth in sorted(folder.glob("*.gt.txt")):
        stem = truth.name[: -len(".gt.txt")]
        image = next((folder / f"{stem}{ext}" for ext in (".png", ".jpg", ".jpeg", ".tif")
                      if (folder / f"{stem}{ext}").exists()), None)
        if image:
            pages.append(Letter(stem, (image,), truth.read_text(encoding="utf-8")))
    return pages


def letters_set(_: Path, work: Path) -> list[Letter]:
    """The letters bench/letters.py renders into the work folder, one page each."""
    return [Letter(path.stem, (path,), truth) for path, truth in letters.render_set(work / "cartas")]


def pdf_set(folder: Path, work: Path) -> list[Letter]:
    """The letters of a shared PDF folder, their pages written as images into the work folder."""
    out = work / folder.name
    out.mkdir(parents=True, exist_ok=True)
    found = []
    for pdf in sorted(folder.glob("*.pdf")):
        meta = next((p for p in (folder / f"{pdf.stem}.json", folder / f"{pdf.stem}.fields.json") if p.exists()), None)
        truth = (folder / f"{pdf.stem}.gt.txt").read_text(encoding="utf-8")
        found.append(Letter(pdf.stem, page_images(pdf, out), truth,
                            json.loads(meta.read_text(encoding="utf-8")) if meta else {}))
    return found


def page_images(pdf: Path, out: Path) -> tuple[Path, ...]:
    """The PDF's page images as lossless PNGs marked with their own resolution.

    These PDFs hold one image a page: taking it out, not rendering the page, gives every system the scan's own
    pixels. `pdfimages -j` copies the JPEG as stored (no resolution in it); `-png` would take ~9 s a page."""
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, timeout=60,
                             check=True).stdout.splitlines()[2:]
    pages = int(next(line.split()[1] for line in subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60, check=True).stdout.splitlines()
        if line.startswith("Pages:")))
    if len(listing) != pages:
        raise SystemExit(f"{pdf}: {len(listing)} imágenes en {pages} páginas; se espera una imagen por página")
    raw = out / "extraidas"
    raw.mkdir(exist_ok=True)
    subprocess.run(["pdfimages", "-j", str(pdf), str(raw / pdf.stem)], capture_output=True, timeout=120, check=True)
    images = []
    for number, (extracted, line) in enumerate(zip(sorted(raw.glob(f"{pdf.stem}-*")), listing), 1):
        ppi = int(line.split()[12])  # the x-ppi column
        image = out / f"{pdf.stem}-{number}.png"
        with Image.open(extracted) as opened:
            opened.save(image, dpi=(ppi, ppi), compress_level=1)
        extracted.unlink()
        images.append(image)
    return tuple(images)

LOADERS = {"fondue": fondue_set, "letters": letters_set, "petitions": pdf_set, "fields": pdf_set}


def loaded(names: list[str], work: Path) -> dict[str, list[Letter]]:
    """Every chosen set whose data is here, its pages written out before any system is timed."""
    sets = {}
    for name in names:
        folder = FOLDERS.get(name)
        if folder is not None and not folder.is_dir():
            print(f"{folder} no existe: se omite el conjunto {name}", file=sys.stderr)
            continue
        sets[name] = LOADERS[name](folder, work)
    return sets
