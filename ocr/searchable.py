"""Owner of PDF writing (Pillow, pypdf, img2pdf, poppler's pdfunite, fpdf2 for typed pages): each page as a PDF with an
invisible text layer, joined into one searchable document; files sent together joined into one PDF; a text that
arrived typed (an e-mail's body) as pages whose text layer is that text."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from ocr.errors import FontMissing, PdfJoinFailed
from watch_folders.errors import CorruptFile


def image_page(gray: np.ndarray, dpi: int) -> bytes:
    """A page with its image only (blank pages, pages Tesseract could not read), so numbering stays whole."""
    buffer = io.BytesIO()
    Image.fromarray(gray).save(buffer, "PDF", resolution=float(dpi or 300))
    return buffer.getvalue()


def with_text_layer(image_pdf: bytes, text_pdf: bytes | None, shift: tuple[float, float] = (0.0, 0.0)) -> bytes:
    """The page image with Tesseract's invisible text layer laid over it, the layer's lower left corner `shift`
    points from the page's (Tesseract read a part of the page)."""
    if not text_pdf:
        return image_pdf
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter()
    # merged once it belongs to the writer: pypdf 7 refuses to merge into a page a reader still owns
    page = writer.add_page(PdfReader(io.BytesIO(image_pdf)).pages[0])
    page.merge_transformed_page(PdfReader(io.BytesIO(text_pdf)).pages[0], Transformation().translate(*shift),
                                expand=False)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def typed_pages(heading: str, text: str, font: Path, picture: np.ndarray | None = None,
                picture_mm: float = 100.0) -> bytes:
    """`heading` then `text` on letter-size pages in `font` (a Unicode TrueType font): a PDF whose text layer is the
    text itself, so the pipeline takes it as written instead of recognising it. A `picture` (grey pixels) goes
    between them, centred, `picture_mm` wide."""
    from fpdf import FPDF

    if not font.is_file():
        raise FontMissing(str(font))
    pdf = FPDF(format="letter", unit="mm")
    pdf.add_font("typed", "", str(font))
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("typed", "", 11)
    width = pdf.w - 40
    pdf.multi_cell(width, 6, heading, new_x="LMARGIN", new_y="NEXT")
    if picture is not None:
        pdf.ln(10)
        pdf.image(Image.fromarray(picture), x=(pdf.w - picture_mm) / 2, w=picture_mm)
    if text:
        pdf.ln(10 if picture is not None else 4)
        pdf.multi_cell(width, 6, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


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


def join(pages: Sequence[Path], target: Path, timeout: float = 600) -> None:
    """Write the page PDFs, in order, as one PDF at `target`.

    poppler's pdfunite streams the pages to disk in ~10 MB; pypdf held every page of the document in memory (about
    110 MB for 100 letter pages), which broke the flat memory of long documents.
    """
    try:
        subprocess.run(["pdfunite", *map(str, pages), str(target)], capture_output=True, timeout=timeout, check=True)
    except subprocess.CalledProcessError as error:
        raise PdfJoinFailed(error.stderr.decode("utf-8", "replace").strip()[-500:]) from error
    except (subprocess.TimeoutExpired, OSError) as error:
        raise PdfJoinFailed(str(error)) from error


def bundle(parts: Sequence[tuple[Path, int | None]], target: Path, timeout: float = 600) -> None:
    """Several files as one PDF at `target`, pages in order: a PDF's pages as they are (text layer included), an
    image's at the resolution paired with it (None for a PDF).

    img2pdf embeds JPEG and PNG data as it is: Pillow's PDF writer re-encodes every image as JPEG, a second loss on
    a scan. The images' PDFs are written beside `target`, joined by `join` and removed."""
    import img2pdf

    refused = (img2pdf.ImageOpenError, img2pdf.AlphaChannelError, img2pdf.ExifOrientationError,
               img2pdf.JpegColorspaceError, img2pdf.UnsupportedColorspaceError, img2pdf.NegativeDimensionError,
               img2pdf.PdfTooLargeError, ValueError, OSError)
    pdfs, made = [], []
    try:
        for index, (path, dpi) in enumerate(parts):
            if dpi is None:
                pdfs.append(path)
                continue
            page = target.with_name(f"{target.stem}-{index:03d}.pdf")
            made.append(page)
            try:
                page.write_bytes(img2pdf.convert(str(path), layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))))
            except refused as error:
                raise CorruptFile(f"{path.name}: img2pdf: {error}") from error
            pdfs.append(page)
        join(pdfs, target, timeout)
    finally:
        for page in made:
            page.unlink(missing_ok=True)
