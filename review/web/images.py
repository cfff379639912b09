"""Page images for reviewers: the cleaned page PDF (procesado/<id>/pagina-NNNN.pdf) rendered to a cached PNG.

Rendering goes through ocr.rasterize (the owner of poppler); Pillow only encodes the PNG.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from ocr import rasterize
from ocr.page import SourceInfo
from pipeline.context import Context
from review.errors import DocumentNotFound
from pipeline.paths import page_image, page_pdf
from storage.files import write_atomic

_PDF = SourceInfo("application/pdf", 1)
FULL_DPI = 300  # what a scanner gives: a handwritten word or a CURP's digits read as on paper


def cached_png(ctx: Context, document_id: int, number: int, full: bool = False) -> Path:
    """procesado/<id>/pagina-NNNN-<dpi>dpi.png, rendered on first request and whenever the page PDF is newer; with
    `full`, at FULL_DPI, for a reviewer who zooms in on a handwritten word or a CURP."""
    settings = ctx.settings
    dpi = max(FULL_DPI, settings.page_image_dpi) if full else settings.page_image_dpi
    source = page_pdf(ctx, document_id, number)
    if not source.is_file():
        raise DocumentNotFound(f"{source} missing", user_message="La imagen de esta página no está disponible.")
    target = page_image(ctx, document_id, number, dpi)
    if target.is_file() and target.stat().st_mtime_ns >= source.stat().st_mtime_ns:
        return target
    page = next(rasterize.iter_pages(source, _PDF, dpi, settings.max_pixels, timeout=60))
    pixels = page.pixels[..., ::-1] if page.pixels.ndim == 3 else page.pixels  # BGR → RGB
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", optimize=False)
    write_atomic(target, buffer.getvalue())
    return target
