"""A hostile inbox the tests make themselves (issue 14's fault suite): over 100 entries of over 70 kinds, each with
what must become of it.

Every kind is built from nothing here (Pillow, pypdf, fpdf2, OpenCV, hand-written bytes for the bombs), small and
quick to read: valid scans in every format and bit depth the office meets, damaged and truncated files, files that
are not what their name says, polyglots, decompression bombs, encrypted and scripted PDFs, links, FIFOs, sockets and
devices, unreadable files, odd names, channel subfolders, files still being written and duplicates.

`corpus()` lists the entries; `Hostile.build(path)` makes one at `path` (aside, on the inbox's file system, so that
`place()` can rename it in: it appears whole, as a scanner's file does). `expect` is what must become of it:
"review", "duplicate" (of the entry named by `duplicate_of`), "stays" (left in entrada/ on purpose, `why` says why),
or a quarantine reason code from the README's list.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
import socket
import stat
import struct
import subprocess
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tests.conftest import PETICIONES, ROOT, Service
from tests.pages import FONT
from tests.servers import free_port

DPI = 100  # small pages at 100 dpi: every page reads in about half a second, and nothing here needs more
OTHER_UID = 4321  # the owner of a file the service may not read (a clerk's scanner user, not the service's)


@dataclass
class Hostile:
    kind: str
    name: str | bytes  # relative to entrada/ ('/' for folders); bytes for a name that is not UTF-8
    expect: str  # "review", "duplicate", "stays", or a quarantine reason code
    build: Callable[[Path], None]
    channel: str = "correspondencia"
    phase: str = "running"  # "before" the service starts, "running" (dropped while it works), or "growing"
    words: tuple[str, ...] = ("agua", "potable")  # one of them must be read on every page: its content was kept
    pages: int | None = None  # page count of a document that reaches review
    duplicate_of: str | None = None  # for "duplicate": the kind whose document it points to
    why: str = ""  # for "stays": why entrada/ keeps it
    logged: bool = False  # the service's log must name it (what stays because the service cannot look at it)
    needs: str | None = None  # "root" or "userns" when the entry can only be made so; else always made

    @property
    def path_bytes(self) -> bytes:
        return self.name if isinstance(self.name, bytes) else self.name.encode("utf-8")

    @property
    def shown_name(self) -> str:
        """The original name as the database stores it (not UTF-8: \\xNN escapes)."""
        last = self.path_bytes.rsplit(b"/", 1)[-1]
        return last.decode("utf-8", "backslashreplace")

    @property
    def is_document(self) -> bool:
        return self.expect not in ("stays",)


# --- pages ---------------------------------------------------------------------------------------------------


def page(words: str, size=(900, 600), mode: str = "L") -> Image.Image:
    """A small letter page at DPI: a few lines of Spanish with `words` (every entry's own, so none is a duplicate
    of another by accident)."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 26)
    text = (f"Hermosillo, Sonora. Solicito de la manera más atenta apoyo para la red de agua potable de la colonia "
            f"Centro. {words}. Atentamente, María López Ramírez.")
    y = 50
    for line in textwrap.wrap(text, width=52):
        draw.text((40, y), line, font=font, fill=0)
        y += 40
    return image.convert(mode) if mode != "L" else image


def _save(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def png(words: str, mode: str = "L", **options) -> bytes:
    return _save(page(words, mode=mode), "PNG", dpi=(DPI, DPI), **options)


def jpeg(words: str, mode: str = "RGB", **options) -> bytes:
    return _save(page(words, mode=mode), "JPEG", dpi=(DPI, DPI), quality=90, **options)


def tiff(pages: list[Image.Image], compression: str = "tiff_deflate") -> bytes:
    first, *rest = pages
    return _save(first, "TIFF", save_all=True, append_images=rest, compression=compression, dpi=(DPI, DPI))


def pdf(*words: str) -> bytes:
    first, *rest = [page(w).convert("RGB") for w in words]
    return _save(first, "PDF", save_all=True, append_images=rest, resolution=DPI)


def sixteen_bit(words: str, bits: int = 16) -> Image.Image:
    """A 16-bit greyscale scan: grey ink on off-white paper, `bits` of data in 16-bit samples (I;16)."""
    top = 2**bits - 1
    samples = (40 + np.asarray(page(words), dtype=np.float64) * (195 / 255)) * (top / 255)
    return Image.fromarray(samples.round().astype(np.uint16))


def sixteen_bit_colour_png(words: str) -> bytes:
    import cv2  # Pillow cannot write 48-bit colour; OpenCV can (and this is a test, not the code's one owner)

    grey = (40 + np.asarray(page(words), dtype=np.float64) * (195 / 255)) * (65535 / 255)
    ok, encoded = cv2.imencode(".png", np.dstack([grey * 0.9, grey, grey]).round().astype(np.uint16))
    assert ok
    return encoded.tobytes()


def exif_rotated_jpeg(words: str, orientation: int = 6) -> bytes:
    """A phone photo: pixels stored sideways and the EXIF Orientation that turns them upright."""
    from tests.damage import save_oriented

    with tempfile.TemporaryDirectory() as folder:
        return save_oriented(page(words), Path(folder) / "foto.jpg", orientation).read_bytes()


def palette_png(words: str, transparent: bool = False) -> bytes:
    image = page(words).convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    options = {"transparency": 0} if transparent else {}
    return _save(image, "PNG", dpi=(DPI, DPI), **options)


def alpha_png(words: str, mode: str = "RGBA") -> bytes:
    """Ink on a fully transparent sheet: read on white, the transparent pixels must not turn black."""
    ink = page(words)
    alpha = Image.eval(ink, lambda v: 255 - v)  # opaque where the ink is
    base = Image.new("RGB" if mode == "RGBA" else "L", ink.size, 0)
    base.putalpha(alpha)
    return _save(base.convert(mode), "PNG", dpi=(DPI, DPI))


def text_pdf(words: str) -> bytes:
    """A PDF made on a computer: real text, no image (its pages are not OCR'd)."""
    from fpdf import FPDF

    document = FPDF(format="letter")
    document.add_page()
    document.add_font("DejaVu", fname="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    document.set_font("DejaVu", size=14)
    document.multi_cell(0, 8, f"Hermosillo, Sonora. Solicito apoyo de agua potable para la colonia Centro. {words}.")
    return bytes(document.output())


def _rewrite(source: bytes, change: Callable) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(source))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf(words: str, user_password: str, algorithm: str) -> bytes:
    return _rewrite(pdf(words), lambda w: w.encrypt(user_password=user_password, owner_password="propietario",
                                                    algorithm=algorithm))


def pdf_with_javascript(words: str) -> bytes:
    """JavaScript run on opening (an /OpenAction) and in the document's name tree, as malicious PDFs carry it."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    def change(writer):
        script = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(
            "app.alert('hola'); this.exportDataObject({cName: 'programa.exe', nLaunch: 2});")})
        action = writer._add_object(script)
        writer._root_object[NameObject("/OpenAction")] = action
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("inicio"), action])})})

    return _rewrite(pdf(words), change)


def pdf_with_attachment(words: str) -> bytes:
    return _rewrite(pdf(words), lambda w: w.add_attachment("programa.exe", b"MZ\x90\x00" + b"\x00" * 200))


def pdf_with_launch_action(words: str) -> bytes:
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    def change(writer):
        action = DictionaryObject({NameObject("/S"): NameObject("/Launch"),
                                   NameObject("/F"): TextStringObject("/bin/sh")})
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)

    return _rewrite(pdf(words), change)


def pdf_with_box(words: str, box: list[float]) -> bytes:
    from pypdf.generic import RectangleObject

    def change(writer):
        writer.pages[0].mediabox = RectangleObject(box)

    return _rewrite(pdf(words), change)


def pdf_incremental(words: str) -> bytes:
    """A PDF saved twice (an incremental update after the first %%EOF, as a signing tool leaves it)."""
    from pypdf import PdfWriter

    first = pdf(words)
    writer = PdfWriter(io.BytesIO(first), incremental=True)
    writer.add_metadata({"/Title": "Petición firmada"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_cyclic_pages() -> bytes:
    """A page tree whose /Kids holds itself: a naive reader recurses for ever."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, NumberObject

    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    pages = writer._root_object["/Pages"]
    pages[NameObject("/Kids")].append(writer._root_object.raw_get("/Pages"))
    pages[NameObject("/Count")] = NumberObject(2)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_zero_pages() -> bytes:
    from pypdf import PdfWriter

    out = io.BytesIO()
    PdfWriter().write(out)
    return out.getvalue()


def pdf_many_pages(count: int, words: str) -> bytes:
    """`count` pages sharing one small image: a 2,000-page PDF in a few hundred KB."""
    from pypdf import PdfReader, PdfWriter

    one = PdfReader(io.BytesIO(pdf(words))).pages[0]
    writer = PdfWriter()
    for _ in range(count):
        writer.add_page(one)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_flate_bomb(inflated_mb: int = 200) -> bytes:
    """One page whose content stream is a few hundred KB deflated and `inflated_mb` MB inflated (spaces: valid
    content that draws nothing), with a line of text so the page is not blank."""
    compressor = zlib.compressobj(9)
    body = compressor.compress(b"BT /F1 24 Tf 72 700 Td (Solicito apoyo de agua potable) Tj ET\n")
    chunk = b" " * (1 << 20)
    for _ in range(inflated_mb):
        body += compressor.compress(chunk)
    body += compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return _assemble_pdf(objects)


def _assemble_pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb_declared(width: int = 30000, height: int = 30000) -> bytes:
    """A PNG whose header declares 900 Mpx and whose data is a few bytes: refused on its size, never inflated."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + _chunk(b"IEND", b""))


def png_bomb_real(side: int = 12000) -> bytes:
    """A whole, valid PNG of side x side white pixels (144 Mpx, past the 120 Mpx limit) deflated to ~150 KB."""
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\xff" * side
    body = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def png_bad_crc(words: str) -> bytes:
    data = bytearray(png(words))
    data[29:33] = bytes(b ^ 0xFF for b in data[29:33])  # IHDR's CRC
    return bytes(data)


def jpeg_bomb_declared(words: str, side: int = 30000) -> bytes:
    """A small JPEG whose frame header (SOF0) is made to declare side x side pixels."""
    data = bytearray(jpeg(words, mode="L"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", side, side)
    return bytes(data)


def tiff_bomb_declared(side: int = 40000) -> bytes:
    """A hand-made TIFF of one 1-bit frame declared 40000 x 40000 with 8 bytes of data."""
    entries = [(256, 4, 1, side), (257, 4, 1, side), (258, 3, 1, 1), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 8 + 2 + 12 * 8 + 4), (278, 4, 1, side), (279, 4, 1, 8)]
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        ifd += struct.pack("<HHI", tag, kind, count) + (struct.pack("<HH", value, 0) if kind == 3
                                                        else struct.pack("<I", value))
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + b"\x00" * 8


def tiff_with_huge_second_frame(words: str) -> bytes:
    return tiff([page(words).convert("1"), Image.new("1", (12000, 11000), 1)], compression="group4")


def zip_bytes(members: dict[str, bytes], stored: bool = False) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx() -> bytes:
    return zip_bytes({"[Content_Types].xml": b"<?xml version='1.0'?><Types/>",
                      "word/document.xml": b"<w:document>Solicito apoyo</w:document>"})


def exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(50) + b"This program cannot be run in DOS mode." + bytes(200)


def elf() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + bytes(120)


def eml() -> bytes:
    return (b"From: vecino@example.com\r\nTo: peticiones@example.com\r\nSubject: =?utf-8?q?Petici=C3=B3n?=\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n\r\nSolicito apoyo de agua potable.\r\n")


def eml_with(attachment: tuple[str, str]) -> bytes:
    """A message whose one attachment is `attachment` (name, media type), with a few bytes in it."""
    name, media_type = attachment
    return (b"From: vecina@example.com\r\nSubject: Adjunto\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
            b"Van mis cartas.\r\n--b\r\nContent-Type: " + media_type.encode() + b"\r\n"
            b"Content-Disposition: attachment; filename=\"" + name.encode() + b"\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\nUEsDBA==\r\n--b--\r\n")


def gif(words: str) -> bytes:
    return _save(page(words), "GIF")


def bmp(words: str) -> bytes:
    return _save(page(words), "BMP")


def webp(words: str) -> bytes:
    return _save(page(words), "WEBP")


def noise(seed: int, size: int = 4096) -> bytes:
    return random.Random(seed).randbytes(size)


# --- special entries (no bytes, or bytes the service may not reach) ------------------------------------------


def _write(data: bytes) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(data)

    return build


def _lazy(make: Callable[[], bytes]) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(make())

    return build


def _symlink(target: str) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        os.symlink(target, path)

    return build


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path) -> None:
    # AF_UNIX paths are limited to ~107 bytes: bound in a short folder, then renamed into place (a rename moves the
    # socket's node itself).
    folder = tempfile.mkdtemp(prefix="s", dir="/tmp")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(os.path.join(folder, "s"))
        os.rename(os.path.join(folder, "s"), path)
    finally:
        listener.close()
        os.rmdir(folder)


def _device(path: Path) -> None:
    os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # /dev/null's numbers


def _hard_link_to_outside(words: str) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        outside = path.parent / f"{path.name}.otro-nombre"
        outside.write_bytes(png(words))
        os.link(outside, path)  # the other name stays outside entrada/: the bytes could change under the archive

    return build


def _unreadable(words: str) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(png(words))
        path.chmod(0o600)
        if os.geteuid() == 0:
            os.chown(path, OTHER_UID, OTHER_UID)  # a user the service (root of its own namespace) is not
        else:
            path.chmod(0)

    return build


def _folder_with(name: str, data: Callable[[], bytes], owner: int | None = None) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.mkdir()
        (path / name).write_bytes(data())
        if owner is not None:  # a folder the service may not enter
            path.chmod(0o700)
            if os.geteuid() == 0:
                os.chown(path, owner, owner)
            else:
                path.chmod(0)

    return build


def _deep(levels: int, name: str, data: Callable[[], bytes]) -> Callable[[Path], None]:
    """Folders 200 bytes a name, `levels` deep, with a file at the bottom: its path is past PATH_MAX (4096 bytes),
    so nothing can reach it by its path (a copy of a copy of a folder... made it). Made with directory descriptors,
    the only way there."""
    def build(path: Path) -> None:
        path.mkdir()
        folder = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for _ in range(levels):
                os.mkdir("d" * 200, dir_fd=folder)
                inner = os.open("d" * 200, os.O_RDONLY | os.O_DIRECTORY, dir_fd=folder)
                os.close(folder)
                folder = inner
            handle = os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=folder)
            os.write(handle, data())
            os.close(handle)
        finally:
            os.close(folder)

    return build


def _empty_folder(path: Path) -> None:
    path.mkdir()


def _old(data: Callable[[], bytes], when: float) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(data())
        os.utime(path, (when, when))

    return build


# --- the corpus ----------------------------------------------------------------------------------------------

R, DUP = "review", "duplicate"


def corpus() -> list[Hostile]:
    """Every entry of the hostile drop, with what must become of it."""
    e: list[Hostile] = []

    def add(kind: str, name: str | bytes, expect: str, build, **kw) -> None:
        e.append(Hostile(kind, name, expect, build, **kw))

    def w(kind: str) -> str:
        return f"Folio {kind}"

    # Valid scans, in every format and depth the office meets: each must reach review with its text.
    add("png_grey", "carta-gris.png", R, _lazy(lambda: png(w("png_grey"))), pages=1, phase="before")
    add("png_rgb", "carta-color.png", R, _lazy(lambda: png(w("png_rgb"), "RGB")), pages=1)
    add("png_1bit", "carta-bn.png", R, _lazy(lambda: png(w("png_1bit"), "1")), pages=1)
    add("png_palette", "carta-paleta.png", R, _lazy(lambda: palette_png(w("png_palette"))), pages=1)
    add("png_palette_transparent", "carta-paleta-transparente.png", R,
        _lazy(lambda: palette_png(w("png_palette_transparent"), True)), pages=1)
    add("png_rgba", "carta-alfa.png", R, _lazy(lambda: alpha_png(w("png_rgba"))), pages=1)
    add("png_la", "carta-gris-alfa.png", R, _lazy(lambda: alpha_png(w("png_la"), "LA")), pages=1)
    add("png_16bit_grey", "escaneo-16bit.png", R, _lazy(lambda: _save(sixteen_bit(w("png_16bit_grey")), "PNG")),
        pages=1)
    add("png_12bit_in_16", "escaneo-12bit.png", R,
        _lazy(lambda: _save(sixteen_bit(w("png_12bit_in_16"), 12), "PNG")), pages=1)
    add("png_16bit_colour", "escaneo-48bit.png", R, _lazy(lambda: sixteen_bit_colour_png(w("png_16bit_colour"))),
        pages=1)
    add("png_appended_data", "carta-con-cola.png", R,
        _lazy(lambda: png(w("png_appended_data")) + b"PK\x03\x04" + noise(1, 2048)), pages=1)
    add("png_exif_rotated", "captura.png", R,
        _lazy(lambda: _exif_png(w("png_exif_rotated"))), pages=1)
    add("jpeg_rgb", "foto.jpg", R, _lazy(lambda: jpeg(w("jpeg_rgb"))), pages=1, phase="before")
    add("jpeg_grey", "foto-gris.jpeg", R, _lazy(lambda: jpeg(w("jpeg_grey"), "L")), pages=1)
    add("jpeg_progressive", "foto-progresiva.jpg", R, _lazy(lambda: jpeg(w("jpeg_progressive"), progressive=True)),
        pages=1)
    add("jpeg_cmyk", "imprenta-cmyk.jpg", R, _lazy(lambda: jpeg(w("jpeg_cmyk"), "CMYK")), pages=1)
    add("jpeg_exif_rotated", "foto-telefono.jpg", R, _lazy(lambda: exif_rotated_jpeg(w("jpeg_exif_rotated"))), pages=1)
    add("jpeg_exif_mirrored", "foto-frontal.jpg", R, _lazy(lambda: exif_rotated_jpeg(w("jpeg_exif_mirrored"), 5)),
        pages=1)
    add("jpeg_trailing_garbage", "foto-con-cola.jpg", R,
        _lazy(lambda: jpeg(w("jpeg_trailing_garbage")) + noise(2, 3000)), pages=1)
    add("tiff_multipage", "expediente.tif", R,
        _lazy(lambda: tiff([page(w("tiff_multipage") + f" hoja {n}") for n in (1, 2, 3)])), pages=3, phase="before")
    add("tiff_lzw", "carta-lzw.tiff", R, _lazy(lambda: tiff([page(w("tiff_lzw"))], "tiff_lzw")), pages=1)
    add("tiff_group4", "fax.tif", R, _lazy(lambda: tiff([page(w("tiff_group4")).convert("1")], "group4")), pages=1)
    add("tiff_packbits_rgb", "carta-rgb.tif", R,
        _lazy(lambda: tiff([page(w("tiff_packbits_rgb"), mode="RGB")], "packbits")), pages=1)
    add("tiff_jpeg", "carta-jpeg.tif", R, _lazy(lambda: tiff([page(w("tiff_jpeg"), mode="RGB")], "jpeg")), pages=1)
    add("tiff_cmyk", "carta-cmyk.tif", R, _lazy(lambda: tiff([page(w("tiff_cmyk"), mode="CMYK")])), pages=1)
    add("tiff_16bit_grey", "escaneo-16bit.tif", R,
        _lazy(lambda: _save(sixteen_bit(w("tiff_16bit_grey")), "TIFF")), pages=1)
    add("pdf_one_page", "carta.pdf", R, _lazy(lambda: pdf(w("pdf_one_page"))), pages=1, phase="before")
    add("pdf_two_pages", "carta-y-anexo.pdf", R, _lazy(lambda: pdf(w("pdf_two_pages"), "Anexo")), pages=2)
    add("pdf_upper_case", "OFICIO.PDF", R, _lazy(lambda: pdf(w("pdf_upper_case"))), pages=1)
    add("pdf_text_layer", "hecho-en-computadora.pdf", R, _lazy(lambda: text_pdf(w("pdf_text_layer"))), pages=1)
    add("pdf_aes256_owner_only", "aes-sin-contrasena.pdf", R,
        _lazy(lambda: encrypted_pdf(w("pdf_aes256_owner_only"), "", "AES-256")), pages=1)
    add("pdf_rc4_owner_only", "rc4-sin-contrasena.pdf", R,
        _lazy(lambda: encrypted_pdf(w("pdf_rc4_owner_only"), "", "RC4-128")), pages=1)
    add("pdf_javascript", "con-javascript.pdf", R, _lazy(lambda: pdf_with_javascript(w("pdf_javascript"))), pages=1)
    add("pdf_attachment", "con-adjunto.pdf", R, _lazy(lambda: pdf_with_attachment(w("pdf_attachment"))), pages=1)
    add("pdf_launch_action", "con-accion.pdf", R, _lazy(lambda: pdf_with_launch_action(w("pdf_launch_action"))),
        pages=1)
    add("pdf_incremental_update", "firmado.pdf", R, _lazy(lambda: pdf_incremental(w("pdf_incremental_update"))),
        pages=1)
    add("pdf_junk_after_eof", "relleno.pdf", R, _lazy(lambda: pdf(w("pdf_junk_after_eof")) + b"\x00" * 8192), pages=1)
    add("pdf_zip_polyglot", "poliglota-zip.pdf", R,
        _lazy(lambda: pdf(w("pdf_zip_polyglot")) + zip_bytes({"leeme.txt": b"hola" * 100})), pages=1)
    add("zip_pdf_polyglot", "paquete.pdf", R,  # a valid ZIP and a valid PDF at once: read as the PDF it holds
        _lazy(lambda: zip_bytes({"carta.pdf": pdf(w("zip_pdf_polyglot"))}, stored=True)), pages=1)
    add("pdf_junk_before_header", "con-prefijo.pdf", R,
        _lazy(lambda: b"<html>basura de una pasarela</html>\n" + pdf(w("pdf_junk_before_header"))), pages=1)
    add("pdf_empty_mediabox", "caja-vacia.pdf", R,
        _lazy(lambda: pdf_with_box(w("pdf_empty_mediabox"), [0, 0, 0, 0])), pages=1)
    add("pdf_flate_bomb", "bomba-flate.pdf", R, _lazy(pdf_flate_bomb), pages=1)
    add("jpeg_named_pdf", "foto-llamada.pdf", R, _lazy(lambda: jpeg(w("jpeg_named_pdf"))), pages=1)
    add("png_named_jpg", "captura-llamada.jpg", R, _lazy(lambda: png(w("png_named_jpg"))), pages=1)

    # Damaged, truncated or not what the name says.
    add("empty_pdf", "vacio.pdf", "empty_file", _write(b""), phase="before")
    add("empty_png", "vacio.png", "empty_file", _write(b""))
    add("truncated_pdf", "cortado.pdf", "corrupt_file", _lazy(lambda: _cut(pdf(w("truncated_pdf")))))
    add("truncated_png", "cortado.png", "corrupt_file", _lazy(lambda: _cut(png(w("truncated_png")))))
    add("truncated_jpeg", "cortado.jpg", "corrupt_file", _lazy(lambda: _cut(jpeg(w("truncated_jpeg")))))
    add("truncated_tiff", "cortado.tif", "corrupt_file",
        _lazy(lambda: _cut(tiff([page(w("truncated_tiff"))], "raw"))))
    add("pdf_cut_update", "actualizacion-cortada.pdf", "corrupt_file",
        _lazy(lambda: pdf(w("pdf_cut_update")) + b"\n7 0 obj\n<< /Type /Annot"))
    add("pdf_padded_past_reach", "relleno-enorme.pdf", "corrupt_file",
        _lazy(lambda: pdf(w("pdf_padded_past_reach")) + b"\x00" * (2 << 20)))
    add("pdf_header_only", "solo-encabezado.pdf", "corrupt_file", _write(b"%PDF-1.7\n%%EOF\n"))
    add("pdf_zero_pages", "sin-paginas.pdf", "corrupt_file", _lazy(pdf_zero_pages))
    add("pdf_cyclic_pages", "paginas-en-ciclo.pdf", "corrupt_file", _lazy(pdf_with_cyclic_pages))
    add("png_bad_crc", "crc-malo.png", "corrupt_file", _lazy(lambda: png_bad_crc(w("png_bad_crc"))))
    add("jpeg_soi_eoi", "jpeg-vacio.jpg", "corrupt_file", _write(b"\xff\xd8\xff\xd9"))
    add("tiff_header_only", "tiff-vacio.tif", "corrupt_file", _write(b"II*\x00\xff\xff\xff\x7f"))
    for n, extension in enumerate(("pdf", "png", "jpg", "jpeg", "tif", "tiff")):
        add(f"random_{extension}", f"aleatorio.{extension}", "content_mismatch", _write(noise(100 + n)))
    add("text_named_pdf", "nota.pdf", "content_mismatch", _write("Solicito apoyo de agua potable.\n".encode()))
    add("exe_named_pdf", "factura.exe.pdf", "content_mismatch", _write(exe()))
    add("elf_named_tif", "escaneo.tif", "content_mismatch", _write(elf()))
    add("postscript_named_pdf", "impresion.pdf", "content_mismatch", _write(b"%!PS-Adobe-3.0\n%%EOF\n"))
    add("html_named_png", "pagina.png", "content_mismatch", _write(b"<html><script>alert(1)</script></html>"))
    add("svg_named_png", "dibujo.png", "content_mismatch",
        _write(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"))
    add("gif_named_png", "animacion.png", "content_mismatch", _lazy(lambda: gif(w("gif_named_png"))))
    add("bmp_named_png", "mapa-de-bits.png", "content_mismatch", _lazy(lambda: bmp(w("bmp_named_png"))))
    add("webp_named_jpg", "foto-webp.jpg", "content_mismatch", _lazy(lambda: webp(w("webp_named_jpg"))))
    add("zip_named_pdf", "comprimido.pdf", "content_mismatch", _lazy(lambda: zip_bytes({"a.txt": b"hola" * 50})))

    # Not a scan at all.
    add("exe", "programa.exe", "unsupported_type", _write(exe()))
    add("zip_with_pdf", "peticiones.zip", "unsupported_type",
        _lazy(lambda: zip_bytes({"carta.pdf": pdf(w("zip_with_pdf"))})))
    add("docx", "oficio.docx", "unsupported_type", _lazy(docx))
    add("html", "pagina.html", "unsupported_type", _write(b"<html><body>Solicito apoyo</body></html>"))
    add("eml", "correo.eml", R, _write(eml()), pages=1)  # an e-mail is a petition: its body typed as a page
    add("eml_zip", "correo-zip.eml", "attachment_refused", _write(eml_with(("cartas.zip", "application/zip"))))
    add("txt", "nota.txt", "unsupported_type", _write("Solicito apoyo de agua potable.\n".encode()))
    add("no_extension", "sin-extension", "unsupported_type", _lazy(lambda: png(w("no_extension"))))
    add("double_extension_exe", "carta.pdf.exe", "unsupported_type", _write(exe() + b"carta.pdf.exe"))
    add("png_named_txt", "imagen.txt", "unsupported_type", _lazy(lambda: png(w("png_named_txt"))))
    add("trailing_space_extension", "carta.png ", "unsupported_type", _lazy(lambda: png(w("trailing_space"))))

    # Bombs and limits.
    add("png_bomb_declared", "bomba-declarada.png", "image_too_large", _lazy(png_bomb_declared))
    add("png_bomb_real", "bomba-real.png", "image_too_large", _lazy(png_bomb_real))
    add("jpeg_bomb_declared", "bomba.jpg", "image_too_large", _lazy(lambda: jpeg_bomb_declared(w("jpeg_bomb"))))
    add("tiff_bomb_declared", "bomba.tif", "image_too_large", _lazy(tiff_bomb_declared))
    add("tiff_huge_second_frame", "mixto.tif", "image_too_large",
        _lazy(lambda: tiff_with_huge_second_frame(w("tiff_huge_second_frame"))))
    add("pdf_2000_pages", "dos-mil-paginas.pdf", "too_many_pages",
        _lazy(lambda: pdf_many_pages(2000, w("pdf_2000_pages"))))
    add("pdf_absurd_page", "pagina-absurda.pdf", "absurd_page_size",
        _lazy(lambda: pdf_with_box(w("pdf_absurd_page"), [0, 0, 1e9, 1e9])))
    add("pdf_strip_page", "tira.pdf", "absurd_page_size",
        _lazy(lambda: pdf_with_box(w("pdf_strip_page"), [0, 0, 72, 43200])))
    add("pdf_zero_wide_page", "hoja-sin-ancho.pdf", "absurd_page_size",
        _lazy(lambda: pdf_with_box(w("pdf_zero_wide_page"), [0, 0, 0, 792])))
    add("png_strip", "tira.png", "absurd_page_size", _lazy(lambda: _save(Image.new("L", (1, 60000), 255), "PNG")))
    add("png_one_pixel", "un-pixel.png", "absurd_page_size", _lazy(lambda: _save(Image.new("L", (1, 1), 0), "PNG")))

    # Password-protected.
    add("pdf_aes256_user_password", "aes-con-contrasena.pdf", "encrypted_pdf",
        _lazy(lambda: encrypted_pdf(w("pdf_aes256_user_password"), "secreto", "AES-256")))
    add("pdf_aes128_user_password", "aes128-con-contrasena.pdf", "encrypted_pdf",
        _lazy(lambda: encrypted_pdf(w("pdf_aes128_user_password"), "secreto", "AES-128")))
    add("pdf_rc4_user_password", "rc4-con-contrasena.pdf", "encrypted_pdf",
        _lazy(lambda: encrypted_pdf(w("pdf_rc4_user_password"), "secreto", "RC4-128")))

    # Links, nodes without bytes, files the service may not read.
    add("symlink_to_passwd", "passwd.pdf", "link_refused", _symlink("/etc/passwd"), phase="before")
    add("symlink_dangling", "roto.pdf", "link_refused", _symlink("/no/existe/carta.pdf"))
    add("symlink_to_folder", "enlace-a-etc", "link_refused", _symlink("/etc"))
    add("symlink_loop", "bucle.pdf", "link_refused", _symlink("bucle.pdf"))
    add("hard_link", "enlace-duro.png", "link_refused", _hard_link_to_outside(w("hard_link")))
    add("fifo", "escaner.pdf", "not_a_regular_file", _fifo, phase="before")
    add("fifo_no_extension", "tuberia", "not_a_regular_file", _fifo)
    add("socket", "socket.png", "not_a_regular_file", _socket)
    add("char_device", "dispositivo.pdf", "not_a_regular_file", _device, needs="root")
    add("unreadable", "privado.png", "unreadable_file", _unreadable(w("unreadable")), needs="userns")

    # Names: anything but '/' and NUL.
    add("name_newline", "carta\nERROR falso.png", R, _lazy(lambda: png(w("name_newline"))), pages=1)
    add("name_escape", "carta\x1b[31m\x1b[2Jroja.png", R, _lazy(lambda: png(w("name_escape"))), pages=1)
    add("name_rtl_override", "factura\u202egnp.pdf", R, _lazy(lambda: pdf(w("name_rtl_override"))), pages=1)
    add("name_c1_controls", "carta\u0085\u009b31m.png", R, _lazy(lambda: png(w("name_c1_controls"))), pages=1)
    add("name_255_bytes", "a" * 251 + ".png", R, _lazy(lambda: png(w("name_255_bytes"))), pages=1)
    add("name_255_bytes_empty", "b" * 251 + ".pdf", "empty_file", _write(b""))
    add("name_long_utf8_empty", "petición de señora " * 11 + "ñ.PDF", "empty_file", _write(b""))
    add("name_long_corrupt", "d" * 246 + ".pdf", "corrupt_file", _write(b"%PDF-1.4\nbasura\n%%EOF\n"))
    add("name_not_utf8", b"carta-se\xf1ora.png", "bad_file_name", _lazy(lambda: png(w("name_not_utf8"))))
    add("name_not_utf8_empty", b"vac\xedo.pdf", "empty_file", _write(b""))
    add("name_leading_dash", "-rf --help.png", R, _lazy(lambda: png(w("name_leading_dash"))), pages=1)
    add("name_spaces", "  carta   con espacios  .png", R, _lazy(lambda: png(w("name_spaces"))), pages=1)
    add("name_nfd", "peticio\u0301n-Jose\u0301.png", R, _lazy(lambda: png(w("name_nfd"))), pages=1)
    add("name_nfc_twin", "petici\u00f3n-Jos\u00e9.png", R, _lazy(lambda: png(w("name_nfc_twin"))), pages=1)
    add("name_shell", "$(reboot); `id` | rm -rf ~ & echo.png", R, _lazy(lambda: png(w("name_shell"))), pages=1)
    add("name_quotes", "carta \"comillas\" 'simples' \\ diagonal.png", R, _lazy(lambda: png(w("name_quotes"))), pages=1)
    add("name_glob_format", "[abc]*?%s%n%x{0}.png", R, _lazy(lambda: png(w("name_glob_format"))), pages=1)
    add("name_emoji", "carta 📄✉️.png", R, _lazy(lambda: png(w("name_emoji"))), pages=1)
    add("name_tab", "carta\tcon\ttabuladores.png", R, _lazy(lambda: png(w("name_tab"))), pages=1)

    # Channels: the first-level folder (accents and case forgiven), nesting, folders named like files.
    add("channel_jornadas", "jornadas/jornada-navojoa.png", R, _lazy(lambda: png(w("channel_jornadas"))),
        channel="jornadas", pages=1)
    add("channel_correo", "correo/adjunto.pdf", R, _lazy(lambda: pdf(w("channel_correo"))), channel="correo", pages=1)
    add("channel_accented", "Teléfono/llamada.jpg", R, _lazy(lambda: jpeg(w("channel_accented"))),
        channel="telefono", pages=1)
    add("channel_upper", "REDES/publicacion.png", R, _lazy(lambda: png(w("channel_upper"))), channel="redes", pages=1)
    add("channel_unknown", "otra-carpeta/carta.png", R, _lazy(lambda: png(w("channel_unknown"))), pages=1)
    add("channel_nested", "jornadas/2026/marzo/anexo.png", R, _lazy(lambda: png(w("channel_nested"))),
        channel="jornadas", pages=1)
    add("folder_not_utf8", b"recepci\xf3n/carta.png", R, _lazy(lambda: png(w("folder_not_utf8"))), pages=1)
    add("folder_unreadable", "ajena", "stays",
        _folder_with("carta.png", lambda: png(w("folder_unreadable")), owner=OTHER_UID), needs="userns", logged=True,
        why="a folder of another user the service may not enter: the service says so once")
    add("path_past_path_max_at_start", "profundo", "stays", _deep(20, "c" * 240 + ".png", lambda: png(w("deep1"))),
        phase="before", logged=True, why="past PATH_MAX: not reachable by its path; the service says so once")
    add("path_past_path_max", "mas-profundo", "stays", _deep(22, "carta.png", lambda: png(w("deep2"))), logged=True,
        why="past PATH_MAX: not reachable by its path; the service says so once")
    add("channel_empty_file", "presencial/vacio.pdf", "empty_file", _write(b""), channel="presencial")
    add("folder_named_pdf", "carpeta.pdf", "stays", _folder_with("dentro.png", lambda: png(w("folder_named_pdf"))),
        why="a folder (named like a file): its file is taken, the folder itself stays")
    add("folder_named_pdf_inner", "carpeta.pdf/dentro.png", R, None, pages=1)  # built by folder_named_pdf
    add("empty_folder_named_png", "vacia.png", "stays", _empty_folder, why="an empty folder: nothing to take")

    # Skipped on purpose: what scanners and file managers leave while writing.
    for kind, name in (("hidden", ".oculto.png"), ("office_lock", "~$oficio.pdf"), ("partial", "escaneo.pdf.part"),
                       ("temporary", "copia.tmp"), ("thumbs_db", "Thumbs.db"), ("download", "carta.pdf.crdownload"),
                       ("hidden_folder", ".cache/carta.png")):
        add(kind, name, "stays", _lazy(lambda kind=kind: png(w(kind))),
            why="hidden, temporary or partial: the README says it is ignored")

    # Timing: copied with an old or future time, still being written, the same bytes under several names.
    add("mtime_2019", "copiado-con-fecha.png", R, _old(lambda: png(w("mtime_2019")), 1_550_000_000), pages=1)
    add("mtime_future", "reloj-adelantado.png", R, _old(lambda: png(w("mtime_future")), 4_100_000_000), pages=1)
    add("growing_pdf", "escaneando.pdf", R, _lazy(lambda: pdf(w("growing_pdf"), "Segunda hoja")), pages=2,
        phase="growing")
    add("growing_tiff", "jornadas/escaneando.tif", R,
        _lazy(lambda: tiff([page(w("growing_tiff") + f" hoja {n}") for n in (1, 2)])), pages=2, channel="jornadas",
        phase="growing")
    same = png(w("duplicate"))
    add("duplicate_first", "original.png", R, _write(same), pages=1, phase="before")
    add("duplicate_renamed", "copia-de-original.png", DUP, _write(same), duplicate_of="duplicate_first")
    add("duplicate_in_channel", "jornadas/otra-vez.png", DUP, _write(same), channel="jornadas",
        duplicate_of="duplicate_first")
    add("duplicate_upper_ext", "OTRA-COPIA.PNG", DUP, _write(same), duplicate_of="duplicate_first")
    return e


def _exif_png(words: str) -> bytes:
    """A screenshot saved with EXIF orientation 6 in a PNG (Pillow honours eXIf chunks too)."""
    from tests.damage import save_oriented

    with tempfile.TemporaryDirectory() as folder:
        return save_oriented(page(words), Path(folder) / "captura.png", 6).read_bytes()


def _cut(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def available(entry: Hostile, userns: bool) -> bool:
    """Whether this machine can make `entry` (a device node needs root; an unreadable file needs a service that is
    not root over it: root in a user namespace, or any user but root)."""
    if entry.needs == "root":
        return os.geteuid() == 0
    if entry.needs == "userns":
        return os.geteuid() != 0 or userns
    return True


def place(entry: Hostile, inbox: Path, staging: Path) -> dict[bytes, "Made"]:
    """Build `entry` aside and rename it into the inbox, so that it appears whole; returns what appeared, by path
    relative to the inbox (a folder's files too). A growing entry is written in place, in pieces, by grow()."""
    if entry.build is None:
        return {}  # made by another entry (a file inside a folder entry)
    aside = Path(os.fsdecode(bytes(staging) + b"/" + entry.path_bytes.replace(b"/", b"%2F")))
    entry.build(aside)
    made = {entry.path_bytes: Made.of(aside)}
    if aside.is_dir() and not aside.is_symlink():
        for root, _, files in os.walk(aside):  # silent past PATH_MAX and in folders it may not enter
            for name in files:
                inner = Path(root) / name
                try:
                    made[entry.path_bytes + b"/" + bytes(inner.relative_to(aside))] = Made.of(inner)
                except OSError:  # listed, but past PATH_MAX itself: no document is expected of it
                    pass
    target = Path(os.fsdecode(bytes(inbox) + b"/" + entry.path_bytes))
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(aside, target)
    return made


def grow(entry: Hostile, inbox: Path, pieces: int = 6, pause: float = 0.5) -> dict[bytes, "Made"]:
    """Write `entry` in the inbox bit by bit, `pause` s apart (less than the stability time), as a slow scanner or a
    network copy does."""
    with tempfile.TemporaryDirectory() as folder:
        whole = Path(folder) / "x"
        entry.build(whole)
        data = whole.read_bytes()
    target = Path(os.fsdecode(bytes(inbox) + b"/" + entry.path_bytes))
    target.parent.mkdir(parents=True, exist_ok=True)
    step = -(-len(data) // pieces)
    with open(target, "wb") as handle:
        for start in range(0, len(data), step):
            handle.write(data[start:start + step])
            handle.flush()
            time.sleep(pause)
    return {entry.path_bytes: Made(hashlib.sha256(data).hexdigest(), None, stat.S_IFREG)}


@dataclass(frozen=True)
class Made:
    """What an inbox entry was when it appeared: the sha256 of its bytes (None for what has none), a link's
    target, and its file type (stat.S_IFMT)."""

    sha256: str | None
    link: str | None
    kind: int

    @classmethod
    def of(cls, path: Path) -> "Made":
        info = os.lstat(path)
        kind = stat.S_IFMT(info.st_mode)
        if stat.S_ISLNK(info.st_mode):
            return cls(None, os.readlink(path), kind)
        if not stat.S_ISREG(info.st_mode):
            return cls(None, None, kind)
        mode = stat.S_IMODE(info.st_mode)
        if not os.access(path, os.R_OK):
            path.chmod(mode | stat.S_IRUSR)  # not root: our own file, made unreadable on purpose
        try:
            return cls(hashlib.sha256(path.read_bytes()).hexdigest(), None, kind)
        finally:
            path.chmod(mode)


# --- the service under attack ---------------------------------------------------------------------------------


def user_namespaces() -> str | None:
    """None when this machine lets an unprivileged process make a user and mount namespace (unshare -rm), else why
    not, as the system said it."""
    if not shutil.which("unshare"):
        return "no hay unshare (util-linux) en este equipo"
    done = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"], capture_output=True,
                          text=True, timeout=30)
    return None if done.returncode == 0 else f"unshare -rm falla: {done.stderr.strip() or done.returncode}"


class Served(Service):
    """`peticiones serve` on a free port (the watcher, the workers and /salud in one process), started through
    `prefix` when given (unshare into a user namespace, a mount before exec...)."""

    def __init__(self, home: Path, env: dict[str, str], prefix: list[str] = ()):
        super().__init__(home, env, "serve")
        self.port = free_port()
        self.prefix = list(prefix)

    def start(self) -> "Served":
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self.prefix + PETICIONES + ["serve", "--port", str(self.port)],
                                            env=self.env, cwd=ROOT, stdout=log, stderr=log)
        self.wait_for(lambda: self.get("/salud")[0] == 200, 120, "/salud")
        return self

    def get(self, route: str, timeout: float = 10) -> tuple[int | None, dict]:
        """The route's status and JSON body (None when nothing answers)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{route}", timeout=timeout) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())
        except (OSError, ValueError):
            return None, {}


class HealthWatch:
    """Asks /salud and /salud/listo every `period` s in a thread, recording each answer's status and time."""

    def __init__(self, service: Served, period: float = 0.5):
        self.service, self.period = service, period
        self.answers: list[tuple[float, str, int | None, float, dict]] = []  # (when, route, status, seconds, body)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="salud", daemon=True)

    def __enter__(self) -> "HealthWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            for route in ("/salud", "/salud/listo"):
                started = time.monotonic()
                status, body = self.service.get(route)
                self.answers.append((started, route, status, time.monotonic() - started, body))

    def of(self, route: str) -> list[tuple[float, str, int | None, float, dict]]:
        return [a for a in self.answers if a[1] == route]
