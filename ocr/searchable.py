"""Owner of PDF writing: each page as a PDF with an invisible text layer, joined into one searchable document."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image


def image_page(gray: np.ndarray, dpi: int) -> bytes:
    """A page with its image only (blank pages, pages Tesseract could not read), so numbering stays whole."""
    buffer = io.BytesIO()
    Image.fromarray(gray).save(buffer, "PDF", resolution=float(dpi or 300))
    return buffer.getvalue()


def source_page(path: Path, number: int) -> bytes:
    """Page `number` (1-based) of an existing PDF, text layer included, as a PDF of its own."""
    # pypdf (and the cryptography package it loads) only where it is used: importing it cost every
    # `peticiones ocr` start-up ~0.1-0.2 s, and image scans never need it.
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    with open(path, "rb") as handle:  # not the path: pypdf would read the whole file into memory
        writer.add_page(PdfReader(handle, strict=False).pages[number - 1])
        buffer = io.BytesIO()
        writer.write(buffer)
    return buffer.getvalue()


def join(pages: Iterable[Path | bytes]) -> bytes:
    """The pages, in order, as one PDF."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in pages:
        source = io.BytesIO(page) if isinstance(page, bytes) else page
        for sheet in PdfReader(source, strict=False).pages:
            writer.add_page(sheet)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
