"""A scanned PDF page is read from the scan itself (ocr/pdf_pages.py): the scanner's pixels, not a render that blurs
them; any page that draws more, or draws its image turned, inside the sheet or at another resolution, is rendered
as a reader shows it."""

from __future__ import annotations

import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from ocr import rasterize

SHEET = (144, 198)  # points: a small sheet (2 × 2.75 inches), 600 × 825 pixels at 300 dpi


def scan_pixels(width: int = 600, height: int = 825) -> np.ndarray:
    """A page of fine detail (one-pixel strokes), where a blur shows."""
    rng = np.random.default_rng(7)
    pixels = np.full((height, width), 235, np.uint8)
    pixels[rng.random((height, width)) < 0.08] = 20
    return pixels


def scan_pdf(path: Path, stream: bytes, image_keys: str, width: int, height: int,
             drawing: str = "q {w} 0 0 {h} 0 0 cm /Im0 Do Q", page_keys: str = "", sheet=SHEET) -> Path:
    """A one-page PDF whose page draws the image XObject `stream` (`image_keys` its dictionary's own entries)."""
    w, h = sheet
    content = drawing.format(w=w, h=h).encode()
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
               f"<</Type/Page/Parent 2 0 R/MediaBox[0 0 {w} {h}]/Resources<</XObject<</Im0 4 0 R>>>>"
               f"/Contents 5 0 R{page_keys}>>".encode(),
               f"<</Type/XObject/Subtype/Image/Width {width}/Height {height}/BitsPerComponent 8{image_keys}"
               f"/Length {len(stream)}>>stream\n".encode() + stream + b"\nendstream",
               f"<</Length {len(content)}>>stream\n".encode() + content + b"\nendstream"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def first_page(path: Path, dpi: int = 300):
    info = rasterize.inspect(path, 10, 100_000_000, dpi=dpi)
    return next(iter(rasterize.iter_pages(path, info, dpi, 100_000_000)))


def test_a_jpeg_scan_is_read_as_the_scanner_wrote_it(tmp_path):
    jpeg = cv2.imencode(".jpg", scan_pixels(), [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes()
    page = first_page(scan_pdf(tmp_path / "scan.pdf", jpeg, "/ColorSpace/DeviceGray/Filter/DCTDecode", 600, 825))
    assert page.dpi == 300 and np.array_equal(page.pixels, cv2.imdecode(np.frombuffer(jpeg, np.uint8), 0))


def test_a_lossless_scan_keeps_its_very_pixels_and_a_colour_one_its_colours(tmp_path):
    grey = scan_pixels()
    page = first_page(scan_pdf(tmp_path / "grey.pdf", zlib.compress(grey.tobytes()),
                               "/ColorSpace/DeviceGray/Filter/FlateDecode", 600, 825))
    assert np.array_equal(page.pixels, grey)
    colour = np.dstack([grey, np.full_like(grey, 90), 255 - grey])  # RGB
    page = first_page(scan_pdf(tmp_path / "colour.pdf", zlib.compress(colour.tobytes()),
                               "/ColorSpace/DeviceRGB/Filter/FlateDecode", 600, 825))
    assert np.array_equal(page.pixels, colour[..., ::-1])  # BGR, as every colour page


@pytest.mark.parametrize("drawing, page_keys, size, shape", [
    # a word written over the scan: the reader shows it, so the render is read
    ("q {w} 0 0 {h} 0 0 cm /Im0 Do Q BT /F1 30 Tf 20 90 Td (Hola) Tj ET", "", (600, 825), (825, 600)),
    ("q {w} 0 0 {h} 0 0 cm /Im0 Do Q", "/Rotate 90", (600, 825), (600, 825)),               # the sheet turned
    ("q 0 {h} -{w} 0 {w} 0 cm /Im0 Do Q", "", (825, 600), (825, 600)),                      # the image turned
    ("q 72 0 0 99 36 49.5 cm /Im0 Do Q", "", (600, 825), (825, 600)),                       # inside the sheet
    ("q {w} 0 0 {h} 0 0 cm /Im0 Do Q", "", (1200, 1650), (825, 600)),                        # twice the resolution
])
def test_a_page_that_is_not_one_scan_over_the_sheet_at_its_resolution_is_rendered(tmp_path, drawing, page_keys,
                                                                                    size, shape):
    width, height = size
    pixels = cv2.resize(scan_pixels(), size, interpolation=cv2.INTER_NEAREST)
    path = scan_pdf(tmp_path / "other.pdf", zlib.compress(pixels.tobytes()),
                    "/ColorSpace/DeviceGray/Filter/FlateDecode", width, height, drawing, page_keys)
    page = first_page(path)
    assert page.pixels.shape == shape
    # a render of this page (what any reader shows), not the image's own pixels
    assert not np.array_equal(page.pixels, pixels[:shape[0], :shape[1]])


def test_a_scan_coarser_than_the_usual_resolution_is_read_at_its_own_and_a_far_coarser_one_rendered(tmp_path):
    fine = scan_pixels(400, 550)  # 200 dpi, an office scanner's
    page = first_page(scan_pdf(tmp_path / "200.pdf", zlib.compress(fine.tobytes()),
                               "/ColorSpace/DeviceGray/Filter/FlateDecode", 400, 550))
    assert page.dpi == 200 and np.array_equal(page.pixels, fine)  # not blown up to 300 dpi by the renderer
    coarse = scan_pixels(100, 137)  # 50 dpi: a thumbnail
    page = first_page(scan_pdf(tmp_path / "50.pdf", zlib.compress(coarse.tobytes()),
                               "/ColorSpace/DeviceGray/Filter/FlateDecode", 100, 137))
    assert page.dpi == 300 and page.pixels.shape == (825, 600)


def test_a_cropped_scan_is_read_as_a_reader_shows_it_and_the_crop_hides_the_rest(tmp_path):
    pixels = np.full((825, 600), 235, np.uint8)
    pixels[:300] = 0  # the sheet's top, black, which the crop box leaves out (PDF boxes count from the bottom)
    path = scan_pdf(tmp_path / "crop.pdf", zlib.compress(pixels.tobytes()), "/ColorSpace/DeviceGray/Filter/FlateDecode",
                    600, 825, page_keys="/CropBox[0 0 144 99]")
    page = first_page(path)
    assert abs(page.pixels.shape[0] - 412.5) <= 1 and page.pixels.shape[1] == 600  # the crop box at 300 dpi
    assert page.pixels.min() > 200  # nothing of what the crop hides


def test_a_page_cropped_to_a_stamp_on_a_poster_is_rendered_at_the_crop_s_size(tmp_path):
    # the pixel limit is checked on the size pdfinfo gives, the crop box's: the media box rendered instead would be
    # 200 inches a side, 3.6 billion pixels at 300 dpi
    path = scan_pdf(tmp_path / "poster.pdf", zlib.compress(scan_pixels().tobytes()),
                    "/ColorSpace/DeviceGray/Filter/FlateDecode", 600, 825, sheet=(14400, 14400),
                    page_keys="/CropBox[0 0 144 198]")
    page = first_page(path)
    assert page.pixels.shape == (825, 600)
