"""Owner of poppler's readers (pdf2image, pdftotext), pypdf reading and Pillow decoding: identify a stored file and
yield its pages, and any text layer they carry, one at a time. Writing PDFs (pdfunite included) is ocr/searchable's."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from math import sqrt
from pathlib import Path

import numpy as np
import pdf2image
import pdf2image.exceptions
from PIL import Image, UnidentifiedImageError

from ocr.page import PageImage, SourceInfo
from pipeline.errors import ContentMismatch, CorruptFile, EncryptedPdf, ImageTooLarge, TooManyPages

# pypdf is imported where a PDF is read, not here: with the cryptography package it pulls in, importing it took
# ~0.1-0.2 s of every `peticiones ocr` start-up, while scans of images never need it.

# We enforce our own pixel limit (ImageTooLarge) before decoding, so Pillow's bomb check would only get in the way.
Image.MAX_IMAGE_PIXELS = None

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff(path: Path) -> str:
    """The media type that the file's first bytes declare, whatever its name says."""
    with open(path, "rb") as handle:
        head = handle.read(1024)
    for signature, media_type in SIGNATURES:
        # PDF readers accept junk before the header; scanners' PDFs sometimes carry a few bytes of it.
        if head.startswith(signature) or (media_type == "application/pdf" and signature in head):
            return media_type
    raise ContentMismatch(f"{path.name}: contenido no reconocido ({head[:8]!r})")


def inspect(path: Path, max_pages: int, max_pixels: int) -> SourceInfo:
    """Check that the file is a readable PDF or image within the limits; raise a RejectedInput if not."""
    media_type = sniff(path)
    if media_type == "application/pdf":
        pages = _inspect_pdf(path)
    else:
        pages = _inspect_image(path, max_pixels)
    if pages > max_pages:
        raise TooManyPages(f"{pages} páginas > {max_pages}")
    if pages == 0:
        raise CorruptFile("sin páginas")
    return SourceInfo(media_type, pages)


def _inspect_pdf(path: Path) -> int:
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - 2048))
        tail = handle.read()
    if b"%%EOF" not in tail:
        # A truncated transfer loses the trailer; readers "repair" such files by silently dropping pages.
        raise CorruptFile("PDF sin marca de fin (%%EOF): archivo truncado")
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        with open(path, "rb") as handle:  # not the path: pypdf would read the whole file into memory
            reader = PdfReader(handle, strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise EncryptedPdf("PDF con contraseña de apertura")
            pages = len(reader.pages)
    except (FileNotDecryptedError,) as error:
        raise EncryptedPdf(str(error)) from error
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise CorruptFile(f"PDF ilegible: {error}") from error
    try:
        info = pdf2image.pdfinfo_from_path(str(path), timeout=60)
    except (pdf2image.exceptions.PDFPageCountError, pdf2image.exceptions.PDFSyntaxError, ValueError) as error:
        raise CorruptFile(f"poppler no puede leer el PDF: {error}") from error
    if info.get("Pages") != pages:
        raise CorruptFile(f"número de páginas inconsistente ({info.get('Pages')} / {pages})")
    return pages


def _inspect_image(path: Path, max_pixels: int) -> int:
    try:
        with Image.open(path) as image:
            if image.width * image.height > max_pixels:
                raise ImageTooLarge(f"{image.width}x{image.height} píxeles")
            frames = getattr(image, "n_frames", 1)
            if image.format == "PNG":
                # Every chunk's checksum, without inflating the pixels: a truncated or damaged file fails here, as
                # a full decode would, at a hundredth of the cost (decoding an A4 colour scan took ~0.1 s, paid
                # again when the page is read).
                image.verify()
            else:
                image.load()  # decodes the first frame: truncated or corrupt data fails here, not in the worker
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise CorruptFile(f"imagen ilegible: {error}") from error
    return frames


def iter_pages(path: Path, info: SourceInfo, dpi: int, max_pixels: int, skip: set[int] = frozenset(),
          timeout: float = 120) -> Iterator[PageImage]:
    """Yield the pages not in `skip`, one at a time, so memory does not grow with the page count."""
    if info.media_type == "application/pdf":
        sizes = _pdf_page_sizes(path)
        for number in range(1, info.page_count + 1):
            if number in skip:
                continue
            width_in, height_in = sizes[number - 1]
            # A poster-sized page is not bad input: render it at a lower resolution that fits the pixel limit.
            page_dpi = int(min(dpi, sqrt(max_pixels / max(width_in * height_in, 1e-6))))
            try:
                rendered = pdf2image.convert_from_path(
                    str(path), dpi=page_dpi, first_page=number, last_page=number, timeout=timeout
                )
            except (pdf2image.exceptions.PDFPageCountError, pdf2image.exceptions.PDFSyntaxError) as error:
                raise CorruptFile(f"página {number}: {error}") from error
            if not rendered:
                raise CorruptFile(f"página {number}: poppler no produjo imagen")
            yield PageImage(number, _pixels(rendered[0]), page_dpi)
        return
    try:
        with Image.open(path) as image:
            for index in range(info.page_count):
                if index + 1 in skip:
                    continue
                image.seek(index)
                if image.width * image.height > max_pixels:
                    raise ImageTooLarge(f"página {index + 1}: {image.width}x{image.height} píxeles")
                dpi = _image_dpi(image)
                yield PageImage(index + 1, _pixels(image), dpi)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise CorruptFile(f"imagen ilegible: {error}") from error


def _pixels(image: Image.Image) -> np.ndarray:
    """Grayscale or BGR pixels (colour is kept for stamp removal), transparency composed on white."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    if image.mode == "L":
        return np.asarray(image)  # convert("L") would copy the page once more for nothing
    if image.mode in ("1", "I", "I;16", "F", "LA"):
        return np.asarray(image.convert("L"))
    rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
    if _is_gray(rgb):
        return np.ascontiguousarray(rgb[..., 0])  # a grey page stored as colour: a third of the memory
    return np.ascontiguousarray(rgb[..., ::-1])


def _is_gray(rgb: np.ndarray) -> bool:
    sample = rgb[::8, ::8].astype(np.int16)
    return int(np.abs(sample[..., 0] - sample[..., 1]).max()) <= 8 and int(np.abs(sample[..., 1] - sample[..., 2]).max()) <= 8


def _image_dpi(image: Image.Image) -> int:
    dpi = image.info.get("dpi", (0, 0))[0]
    try:
        dpi = int(round(float(dpi)))
    except (TypeError, ValueError):
        dpi = 0
    return dpi if 50 <= dpi <= 1200 else 0


def _pdf_page_sizes(path: Path) -> list[tuple[float, float]]:
    from pypdf import PdfReader

    # An open file, not a path: given a path, pypdf reads the whole file into memory (a 100-page scan is ~50 MB).
    with open(path, "rb") as handle:
        reader = PdfReader(handle, strict=False)
        if reader.is_encrypted:
            reader.decrypt("")
        return [(float(p.mediabox.width) / 72, float(p.mediabox.height) / 72) for p in reader.pages]


def text_layers(path: Path, timeout: float = 120) -> list[str]:
    """The text each PDF page already carries ("" for a plain scan), from one poppler run over the whole file."""
    try:
        result = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                                timeout=timeout, check=True)
    except (subprocess.SubprocessError, OSError):
        return []
    # pdftotext ends every page with a form feed, so the last piece after the split is empty.
    return result.stdout.decode("utf-8", errors="replace").split("\f")[:-1]
