"""Identifying stored files: what the bytes are, whatever the name says, and whether they are within limits."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ocr import rasterize
from pipeline.errors import ContentMismatch, CorruptFile, ImageTooLarge, TooManyPages
from tests.pages import save_pdf, save_tiff, small_page


def test_pages_come_one_at_a_time_and_skip_what_is_done(tmp_path):
    pdf = save_pdf(tmp_path / "tres.pdf", [small_page(f"Página {i}") for i in range(1, 4)], resolution=150)
    info = rasterize.inspect(pdf, max_pages=10, max_pixels=10**8)
    assert (info.media_type, info.page_count) == ("application/pdf", 3)
    pages = list(rasterize.iter_pages(pdf, info, dpi=150, max_pixels=10**8, skip={2}))
    assert [p.number for p in pages] == [1, 3]
    assert pages[0].pixels.dtype == np.uint8 and pages[0].pixels.ndim == 2


def test_too_many_pages(tmp_path):
    tiff = save_tiff(tmp_path / "tres.tif", [small_page("a"), small_page("b"), small_page("c")])
    with pytest.raises(TooManyPages):
        rasterize.inspect(tiff, max_pages=2, max_pixels=10**8)


def test_an_image_over_the_pixel_limit(tmp_path):
    path = tmp_path / "enorme.png"
    Image.new("L", (3000, 3000), 255).save(path)
    with pytest.raises(ImageTooLarge):
        rasterize.inspect(path, max_pages=10, max_pixels=5_000_000)


def test_a_huge_pdf_page_is_rendered_smaller_not_refused(tmp_path):
    pdf = save_pdf(tmp_path / "plano.pdf", [small_page("Plano")], resolution=10)  # a 3 m wide page
    info = rasterize.inspect(pdf, max_pages=10, max_pixels=4_000_000)
    [page] = rasterize.iter_pages(pdf, info, dpi=300, max_pixels=4_000_000)
    assert page.pixels.size <= 4_000_000 and page.dpi < 300


def test_the_content_decides_not_the_name(tmp_path):
    jpeg_named_png = tmp_path / "foto.png"
    small_page("Hola").convert("RGB").save(jpeg_named_png, "JPEG")
    assert rasterize.inspect(jpeg_named_png, 10, 10**8).media_type == "image/jpeg"
    text_named_pdf = tmp_path / "nota.pdf"
    text_named_pdf.write_text("no soy un PDF")
    with pytest.raises(ContentMismatch):
        rasterize.inspect(text_named_pdf, 10, 10**8)


def test_a_truncated_image_is_corrupt(tmp_path):
    path = tmp_path / "cortada.png"
    small_page("Hola").save(path)
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(CorruptFile):
        rasterize.inspect(path, 10, 10**8)


def test_transparency_is_flattened_on_white(tmp_path):
    path = tmp_path / "alfa.png"
    rgba = Image.new("RGBA", (400, 300), (0, 0, 0, 0))  # fully transparent black: must read as white paper
    rgba.paste((0, 0, 0, 255), (50, 50, 150, 100))
    rgba.save(path)
    info = rasterize.inspect(path, 10, 10**8)
    [page] = rasterize.iter_pages(path, info, dpi=300, max_pixels=10**8)
    assert page.pixels[10, 10] == 255 and page.pixels[60, 60] == 0
