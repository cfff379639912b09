"""Identifying stored files: what the bytes are, whatever the name says, and whether they are within limits; their
pages decoded whole (16-bit samples, EXIF orientation)."""

from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import ExifTags, Image
from pypdf import PdfWriter
from pypdf.generic import RectangleObject

from ocr import pdf_pages, rasterize
from ocr.document import PagePool, read_document
from ocr.reader import OcrOptions
from watch_folders.errors import ContentMismatch, CorruptFile, ImageTooLarge, PageSizeAbsurd, TooManyPages
from tests.damage import save_oriented
from tests.pages import LETTERS, render_page, save_pdf, save_tiff, small_page


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


@pytest.mark.parametrize("suffix, keep", [(".png", 2000), (".jpg", 0.5), (".jpg", -200)])
def test_a_truncated_image_is_corrupt(tmp_path, suffix, keep):
    path = tmp_path / f"cortada{suffix}"
    small_page("Hola").save(path)
    data = path.read_bytes()
    path.write_bytes(data[:keep] if isinstance(keep, int) else data[:int(len(data) * keep)])
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


def _scan_levels(image: Image.Image, bits: int) -> np.ndarray:
    """A rendered page as a scanner writes it at `bits` per sample: grey ink (not 0) on off-white paper (not max)."""
    top = 2**bits - 1
    return (40 + np.asarray(image, dtype=np.float64) * (195 / 255)) * (top / 255)


def _read(path):
    info = rasterize.inspect(path, max_pages=10, max_pixels=10**8)
    pool = PagePool(1)
    try:
        return list(read_document(path, info, OcrOptions("spa", 60), pool, dpi=300, max_pixels=10**8))
    finally:
        pool.close()


@pytest.mark.parametrize("bits", [16, 12])  # 12-bit scanners write 0-4095 into 16-bit files
@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_a_16_bit_greyscale_scan_keeps_its_text(tmp_path, bits, suffix):
    path = tmp_path / f"escaneo{suffix}"
    Image.fromarray(_scan_levels(small_page(LETTERS[0]), bits).round().astype(np.uint16)).save(path)
    assert Image.open(path).mode == "I;16"
    [page] = _read(path)
    assert "silla de ruedas" in page.text and not page.blank  # convert("L") clipped it all to white: blank


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_a_16_bit_colour_scan_of_12_bit_data_keeps_its_text(tmp_path, suffix):
    # Pillow cannot write 48-bit colour; OpenCV can. Pillow reads such files as their high bytes: 0-15 here.
    grey = _scan_levels(small_page(LETTERS[0]), 12)
    bgr = np.dstack([grey * 0.9, grey, grey]).round().astype(np.uint16)  # a slightly yellowed sheet
    path = tmp_path / f"color{suffix}"
    assert cv2.imwrite(str(path), bgr)
    [page] = _read(path)
    assert "silla de ruedas" in page.text


def test_a_blank_12_bit_page_stays_blank(tmp_path):
    # Scaled by the data's bit depth, not stretched from darkest to brightest: paper grain must not become ink.
    noise = np.random.default_rng(0).normal(3900, 25, (900, 1240))
    path = tmp_path / "reverso.png"
    Image.fromarray(noise.clip(0, 4095).astype(np.uint16)).save(path)
    info = rasterize.inspect(path, 10, 10**8)
    [image] = rasterize.iter_pages(path, info, dpi=300, max_pixels=10**8)
    assert image.pixels.min() > 225
    [page] = _read(path)
    assert page.blank


@pytest.mark.parametrize("orientation", [2, 3, 4, 5, 6, 7, 8])  # 2, 4, 5, 7: mirrored (front cameras)
def test_a_phone_photo_is_turned_upright_by_its_exif_orientation(tmp_path, orientation):
    path = save_oriented(small_page(LETTERS[0]), tmp_path / "foto.jpg", orientation)
    assert Image.open(path).getexif()[ExifTags.Base.Orientation] == orientation
    [page] = _read(path)
    assert page.rotation == 0 and "silla de ruedas" in page.text  # upright before the OCR had to turn it


def test_exif_orientation_is_honoured_in_a_png_too(tmp_path):
    path = save_oriented(small_page(LETTERS[0]), tmp_path / "captura.png", 6)
    [page] = _read(path)
    assert page.rotation == 0 and "silla de ruedas" in page.text


def _pdf_with_box(tmp_path, name, box):
    writer = PdfWriter(clone_from=str(save_pdf(tmp_path / "base.pdf", [small_page("Hola")], resolution=150)))
    writer.pages[0].mediabox = RectangleObject(box)
    writer.write(tmp_path / name)
    return tmp_path / name


@pytest.mark.parametrize("box, shown", [
    ([0, 0, 0, 792], "0 × 27.9 cm"),  # rendered 1 px wide, it crashed the cleanup
    ([0, 0, 1, 1], "0.0353 × 0.0353 cm"),
    ([0, 0, 72, 43200], "0.0254 × 15.2 m"),  # a strip 1 inch by 600
    ([0, 0, 14400, 792], "5.08 × 0.279 m"),  # 200 inches wide: its text melted into "blank"
    ([0, 0, 1e9, 1e9], "352,778 × 352,778 m"),  # rendered at 0 dpi
])
def test_a_pdf_page_no_sheet_has_is_refused_at_inspection(tmp_path, box, shown):
    with pytest.raises(PageSizeAbsurd) as refused:
        rasterize.inspect(_pdf_with_box(tmp_path, "rara.pdf", box), 10, 120_000_000)
    assert refused.value.code == "absurd_page_size"
    assert refused.value.user_message.startswith(f"La página 1 mide {shown}: no es el tamaño de una hoja.")


def test_an_empty_mediabox_is_read_as_poppler_reads_it(tmp_path):
    path = _pdf_with_box(tmp_path, "vacia.pdf", [0, 0, 0, 0])  # poppler renders it as Letter
    info = rasterize.inspect(path, 10, 120_000_000)
    [page] = rasterize.iter_pages(path, info, dpi=100, max_pixels=120_000_000)
    assert page.pixels.shape[:2] == (1100, 850)


def test_a_long_poster_is_rendered_within_tesseracts_side_limit():
    # 5 m x 36 cm would be 60,000 px wide at 300 dpi; Tesseract refuses sides past 32767. (Rendering it takes ~25 s,
    # so the resolution is checked, not the render.)
    assert pdf_pages._render_dpi((200, 14), 300, 120_000_000) == 163
    assert pdf_pages._render_dpi((200, 100), 300, 120_000_000) == 77  # there the pixel limit is the tighter


@pytest.mark.parametrize("size, refused", [
    ((1, 60000), PageSizeAbsurd), ((1, 1), PageSizeAbsurd), ((31, 500), PageSizeAbsurd),
    ((2000, 32000), PageSizeAbsurd), ((33000, 3000), ImageTooLarge), ((32, 480), None), ((480, 32), None),
])
def test_an_image_no_sheet_has_is_refused_at_inspection(tmp_path, size, refused):
    path = tmp_path / "tira.png"
    Image.new("L", size, 255).save(path)
    if refused is None:
        assert rasterize.inspect(path, 10, 120_000_000).page_count == 1
        return
    with pytest.raises(refused):
        rasterize.inspect(path, 10, 120_000_000)


def test_a_tiff_frame_past_the_limits_is_refused_before_any_page_is_read(tmp_path):
    path = save_tiff(tmp_path / "mixto.tif", [small_page("a"), Image.new("L", (3000, 3000), 255), small_page("c")])
    with pytest.raises(ImageTooLarge, match="página 2"):
        rasterize.inspect(path, max_pages=10, max_pixels=5_000_000)


@pytest.mark.parametrize("stated, size, judged", [
    (72, (2222, 3143), 286),  # a phone's 72 dpi on a photo of a letter: a sheet of 1.1 m, not believed
    (None, (2480, 3508), 319),  # no resolution stated: judged by the size of a sheet
    (300, (2480, 3508), 300),  # a scanner's own figure, for a sheet it could be
    (72, (612, 792), 72),  # a letter page rendered at 72 dpi is one
    (150, (300, 400), 150),  # a small slip at 150 dpi
])
def test_an_image_resolution_is_believed_only_for_a_sheet_it_could_be(tmp_path, stated, size, judged):
    path = tmp_path / "pagina.jpg"
    image = render_page("Hola", size=size)
    image.save(path, **({"dpi": (stated, stated)} if stated else {}))
    info = rasterize.inspect(path, max_pages=10, max_pixels=10**8)
    [page] = rasterize.iter_pages(path, info, dpi=300, max_pixels=10**8)
    assert page.dpi == judged


def _sample(mode: str) -> Image.Image:
    """A small page of grey levels (and colours, in RGB) that every decoder must give back exactly."""
    rng = np.random.default_rng(1)
    grey = (np.linspace(90, 250, 320)[None, :] + rng.normal(0, 6, (240, 320))).clip(0, 255).astype(np.uint8)
    if mode == "L":
        return Image.fromarray(grey)
    colour = np.dstack([grey, grey, grey])
    colour[40:90, 30:200] = (200, 30, 40)  # a red stamp
    return Image.fromarray(colour)


def _with_late_exif(path, orientation: int):
    """The PNG with an EXIF chunk after its pixels, where Pillow reads it only as it decodes them."""
    data, exif = path.read_bytes(), Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    body = exif.tobytes()
    chunk = struct.pack(">I", len(body)) + b"eXIf" + body + struct.pack(">I", zlib.crc32(b"eXIf" + body))
    path.write_bytes(data[:-12] + chunk + data[-12:])  # before IEND, the last 12 bytes
    return path


def _save(kind: str, path):
    if kind == "grey.png":
        _sample("L").save(path, dpi=(200, 200))
    elif kind in ("colour.jpg", "grey.jpg", "colour.png"):
        _sample("RGB" if "colour" in kind else "L").save(path, quality=90)
    elif kind == "grey-as-colour.png":
        _sample("L").convert("RGB").save(path)
    elif kind == "tinted-grey.png":  # a grey scan with a slight cast: its channels a few levels apart
        grey = np.asarray(_sample("L")).astype(np.int16)
        Image.fromarray(np.dstack([grey + 4, grey, grey - 4]).clip(0, 255).astype(np.uint8)).save(path)
    elif kind in ("turned.jpg", "turned.png"):
        save_oriented(_sample("RGB"), path, 6)
    elif kind == "turned-late.png":
        _sample("L").save(path)
        _with_late_exif(path, 6)
    elif kind == "16-bit.png":
        Image.fromarray(np.asarray(_sample("L")).astype(np.uint16) * 16).save(path)
    elif kind == "48-bit.png":
        assert cv2.imwrite(str(path), np.asarray(_sample("RGB")).astype(np.uint16) * 256)
    elif kind == "palette.png":
        _sample("RGB").convert("P").save(path)
    elif kind == "transparent.png":
        _sample("L").save(path, transparency=250)
    elif kind == "4-bit.png":
        _sample("L").save(path, bits=4)
    return path


@pytest.mark.parametrize("kind, plain", [
    ("grey.png", True), ("colour.jpg", True), ("grey.jpg", True), ("colour.png", True),
    ("grey-as-colour.png", True), ("tinted-grey.png", True), ("turned.jpg", False), ("turned.png", False), ("turned-late.png", False),
    ("16-bit.png", False), ("48-bit.png", False), ("palette.png", False), ("transparent.png", False),
    ("4-bit.png", False),
])
def test_a_plain_png_or_jpeg_is_decoded_by_opencv_as_pillow_decodes_it_and_any_other_by_pillow(tmp_path, kind, plain):
    path = _save(kind, tmp_path / kind)
    info = rasterize.inspect(path, 10, 10**8)
    [page] = rasterize.iter_pages(path, info, dpi=300, max_pixels=10**8)
    with Image.open(path) as image:
        assert (rasterize._plain_pixels(path, image) is not None) == plain
        stored = image.size
    with Image.open(path) as image:
        pillow = rasterize.pixels_of(rasterize._upright(image), rasterize._sixteen_bit(image))
    assert page.pixels.shape == pillow.shape and np.array_equal(page.pixels, pillow)
    if kind.startswith("turned"):
        assert page.pixels.shape[:2] == stored  # turned a quarter from how it is stored (width, height)
    if kind == "grey.png":
        assert page.dpi == 200
    if plain:  # a grey page stored as colour is kept as grey, as Pillow's path keeps it
        assert page.pixels.ndim == (3 if kind.startswith("colour") else 2)
