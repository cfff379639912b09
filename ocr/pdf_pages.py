"""Owner of a PDF's own readers, pypdf and poppler's (pdf2image, pdftotext): a PDF checked before any page is read
(truncation, password, page count, each page's size as poppler renders it), its pages yielded one at a time, and
the text each already carries.

A page that only draws one scan over the whole sheet, at the usual resolution or coarser, is read from the scan
itself, at the scan's own resolution. Rendering such a page (pdftoppm) blurs it: at the scan's own resolution as a
2×2 box filter would (petitions_dev: 4.5 grey levels off the embedded JPEG on average, up to 207 on the strokes'
edges; sharpness, the Laplacian's variance, 1673 -> 685; one-keystroke share 0.43 from the scans' own pixels, 0.30
from the renders), and a coarser scan (office scanners often write 200 dpi) upsampled. Taking a JPEG out costs a
decode instead of a render. A page that draws anything else, is turned, masked or placed inside the sheet, or
holds an image of another kind or finer than the usual resolution, is rendered as before: what a reader shows is
what is read.
"""

from __future__ import annotations

import math
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pdf2image
import pdf2image.exceptions

from ocr import rasterize
from ocr.page import PageImage
from watch_folders.errors import CorruptFile, EncryptedPdf

# pypdf is imported where a PDF is read, not here: with the cryptography package it pulls in, importing it took
# ~0.1-0.2 s of every `peticiones ocr` start-up, while scans of images never need it.

_PAGE_KEY = re.compile(r"Page\s+(\d+) size")  # pdfinfo -f/-l: "Page    3 size:  612 x 792 pts (letter)"
_PAGE_SIZE = re.compile(r"([-+\d.e]+) x ([-+\d.e]+) pts")
EOF_SEARCH = 1 << 20  # bytes from the end where %%EOF is looked for: pypdf's reach (it gives up past 1 MiB)
_UNFINISHED_UPDATE = re.compile(rb"\d+\s+\d+\s+obj\b|\bxref\s|\btrailer\s*<<|\bstartxref\b")
RESOLUTION_SLACK = 0.02  # a scan's two resolutions may differ this much (the sheet's size rounded to points)
LOWEST_SCAN_DPI = 100  # a scan coarser than this is rendered at the usual resolution, as any other page
PLACEMENT_SLACK = 0.5  # points: how far a scan's corners may lie from the sheet's
_DRAWING = {b"q", b"Q", b"cm", b"Do"}  # a page that only places and draws its scan
_COLOURS = {"/DeviceGray": 1, "/DeviceRGB": 3, "/CalGray": 1, "/CalRGB": 3}


def _check_end(path: Path) -> None:
    """Refuse a truncated PDF: a truncated transfer loses the trailer, and readers "repair" such files by silently
    dropping pages. Bytes after the last %%EOF are accepted as pypdf and poppler accept them (a scanner's padding,
    a mail gateway's footer), up to pypdf's own reach of EOF_SEARCH, unless they hold the start of an update that
    was cut off (objects or a cross-reference table with no %%EOF of their own)."""
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - EOF_SEARCH))
        tail = handle.read()
    end = tail.rfind(b"%%EOF")
    if end < 0:
        raise CorruptFile("PDF sin marca de fin (%%EOF): archivo truncado")
    if _UNFINISHED_UPDATE.search(tail, end + 5):
        raise CorruptFile("PDF con una actualización cortada después de su marca de fin: archivo truncado")


def inspect(path: Path, max_pages: int, max_pixels: int, dpi: int) -> int:
    """The PDF's page count, once it is known whole, readable without a password and every page of a sheet's
    shape at `dpi`; raise a RejectedInput if not."""
    _check_end(path)
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        with open(path, "rb") as handle:  # not the path: pypdf would read the whole file into memory
            pages = len(_reader(handle).pages)
    except (FileNotDecryptedError,) as error:
        raise EncryptedPdf(str(error)) from error
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise CorruptFile(f"PDF ilegible: {error}") from error
    rasterize.check_count(pages, max_pages)
    info = _pdfinfo(path, pages)
    if info.get("Pages") != pages:
        raise CorruptFile(f"número de páginas inconsistente ({info.get('Pages')} / {pages})")
    for number, (width, height) in enumerate(_page_sizes(info, pages), 1):
        shown = rasterize.physical(width, height)
        if not (math.isfinite(width) and math.isfinite(height)) or min(width, height) <= 0:
            rasterize.refuse(number, shown)
        page_dpi = _render_dpi((width, height), dpi, max_pixels)
        rasterize.check_shape(number, round(width * page_dpi), round(height * page_dpi), shown)
        if max(width, height) * page_dpi > rasterize.MAX_SIDE:  # too long even at 1 dpi: hundreds of metres
            rasterize.refuse(number, shown)
    return pages


def _pdfinfo(path: Path, pages: int, timeout: float = 60) -> dict:
    try:
        return pdf2image.pdfinfo_from_path(str(path), timeout=timeout, first_page=1, last_page=max(pages, 1))
    except (pdf2image.exceptions.PDFPageCountError, pdf2image.exceptions.PDFSyntaxError, ValueError) as error:
        raise CorruptFile(f"poppler no puede leer el PDF: {error}") from error


def _page_sizes(info: dict, pages: int) -> list[tuple[float, float]]:
    """Each page's (width, height) in inches as poppler renders it. pypdf's boxes differ: poppler makes an empty
    MediaBox Letter and turns an inverted one around, and neither reads /UserUnit."""
    sizes = {}
    for key, value in info.items():
        if (number := _PAGE_KEY.fullmatch(key)) and (size := _PAGE_SIZE.match(value)):
            sizes[int(number[1])] = (float(size[1]) / 72, float(size[2]) / 72)
    if sorted(sizes) != list(range(1, pages + 1)):
        raise CorruptFile(f"poppler no dio el tamaño de todas las páginas ({len(sizes)} de {pages})")
    return [sizes[n] for n in range(1, pages + 1)]


def _render_dpi(size: tuple[float, float], dpi: int, max_pixels: int) -> int:
    """`dpi`, or less for a poster-sized page (not bad input) so that it fits the pixel limit and Tesseract's."""
    width, height = size
    return max(1, int(min(dpi, math.sqrt(max_pixels / max(width * height, 1e-6)),
                          rasterize.MAX_SIDE / max(width, height, 1e-6))))


def iter_pages(path: Path, count: int, dpi: int, max_pixels: int, skip: set[int],
               timeout: float) -> Iterator[PageImage]:
    """Yield the PDF's pages not in `skip`, one at a time: each read from its scan when it is one, else rendered."""
    sizes = _page_sizes(_pdfinfo(path, count, timeout), count)
    with open(path, "rb") as handle:
        pages = _reader_pages(handle)
        for number in range(1, count + 1):
            if number in skip:
                continue
            page_dpi = _render_dpi(sizes[number - 1], dpi, max_pixels)
            scan = _scan_of(pages[number - 1], page_dpi) if len(pages) == count else None
            yield PageImage(number, *(scan or (_rendered(path, number, page_dpi, timeout), page_dpi)))


def _rendered(path: Path, number: int, dpi: int, timeout: float) -> np.ndarray:
    try:
        # the crop box, as viewers show the page and as pdfinfo measures it (the pixel limit is checked on that
        # size): the media box of a page cropped to a stamp's size may be a poster's
        rendered = pdf2image.convert_from_path(str(path), dpi=dpi, first_page=number, last_page=number,
                                               timeout=timeout, use_cropbox=True)
    except (pdf2image.exceptions.PDFPageCountError, pdf2image.exceptions.PDFSyntaxError) as error:
        raise CorruptFile(f"página {number}: {error}") from error
    if not rendered:
        raise CorruptFile(f"página {number}: poppler no produjo imagen")
    return rasterize.pixels_of(rendered[0])


def _reader(handle):
    """pypdf's reader of the open file, opened with the empty password a PDF without one to open it has."""
    from pypdf import PdfReader

    reader = PdfReader(handle, strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        raise EncryptedPdf("PDF con contraseña de apertura")
    return reader


def _reader_pages(handle) -> list:
    """pypdf's pages of the open file; none when pypdf cannot read them (every page is then rendered)."""
    try:
        return list(_reader(handle).pages)
    except Exception:  # noqa: BLE001 - a PDF pypdf cannot read is poppler's to render, as before
        return []


def _scan_of(page, dpi: int) -> tuple[np.ndarray, int] | None:
    """(pixels, resolution) of a pypdf `page` that is one scan over the whole sheet at `dpi` or less (grey, or BGR
    colour), or None when the page must be rendered. A scan finer than `dpi` is rendered down to it (a 600-dpi scan
    read whole would cost four times the work); a coarser one is read at its own resolution: rendered up, 12
    petitions_dev letters scanned at 200 dpi read worse (CER 0.0975 against 0.0944 from the scans themselves)."""
    try:
        if page.get("/Annots") or page.get("/Rotate", 0) % 360 or not _same_box(page.cropbox, page.mediabox):
            return None  # a cropped page is rendered: the scan holds what the crop hides
        contents = page.get_contents()
        operations = contents.operations if contents is not None else []  # pypdf parses it as a ContentStream
        drawn = [operands for operands, operator in operations if operator == b"Do"]
        if len(drawn) != 1 or any(operator not in _DRAWING for _, operator in operations):
            return None
        image = page["/Resources"]["/XObject"][drawn[0][0]].get_object()
        resolution = _covers_sheet(operations, page.mediabox, image)
        if resolution is None or not LOWEST_SCAN_DPI <= resolution <= dpi * (1 + RESOLUTION_SLACK):
            return None
        pixels = _decoded(image)
    except Exception:  # noqa: BLE001 - anything unexpected in the page's drawing: the renderer knows better
        return None
    if pixels is None:
        return None
    if pixels.ndim == 3:
        pixels = rasterize.grey_if_grey(pixels)  # a grey page stored as colour, as a render of it would be
    return pixels, resolution


def _same_box(one, other) -> bool:
    return all(abs(float(a) - float(b)) <= PLACEMENT_SLACK for a, b in zip(one, other))


def _covers_sheet(operations: list, box, image) -> int | None:
    """The image's resolution when it is placed upright over exactly the sheet (the product of the page's `cm`
    matrices maps the unit square onto the media box) at one resolution across and down; else None."""
    a, b, c, d, e, f = 1.0, 0.0, 0.0, 1.0, 0.0, 0.0
    for operands, operator in operations:
        if operator == b"cm":
            a2, b2, c2, d2, e2, f2 = (float(v) for v in operands)
            a, b, c, d, e, f = (a2 * a + b2 * c, a2 * b + b2 * d, c2 * a + d2 * c, c2 * b + d2 * d,
                                e2 * a + f2 * c + e, e2 * b + f2 * d + f)
    left, bottom, width, height = float(box.left), float(box.bottom), float(box.width), float(box.height)
    if abs(b) > 1e-6 or abs(c) > 1e-6 or a <= 0 or d <= 0:
        return None  # turned, mirrored or sheared
    if max(abs(e - left), abs(f - bottom), abs(a - width), abs(d - height)) > PLACEMENT_SLACK:
        return None
    across, down = int(image["/Width"]) / (width / 72), int(image["/Height"]) / (height / 72)
    return round(across) if abs(across - down) <= RESOLUTION_SLACK * down else None


def _decoded(image) -> np.ndarray | None:
    """An 8-bit grey or RGB image's pixels (BGR), JPEG (DCTDecode) or deflated; None for any other kind or mask."""
    if image.get("/Subtype") != "/Image" or image.get("/ImageMask") or any(
            key in image for key in ("/SMask", "/Mask", "/Decode")):
        return None
    space, filters = image.get("/ColorSpace"), image.get("/Filter")
    channels = _COLOURS.get(space) if isinstance(space, str) else None
    filters = [filters] if isinstance(filters, str) else list(filters or [])
    if channels is None or int(image.get("/BitsPerComponent", 0)) != 8:
        return None
    shape = (int(image["/Height"]), int(image["/Width"])) + ((3,) if channels == 3 else ())
    if filters == ["/DCTDecode"]:
        pixels = cv2.imdecode(np.frombuffer(image._data, np.uint8), cv2.IMREAD_UNCHANGED)  # the JPEG as stored
        return pixels if pixels is not None and pixels.dtype == np.uint8 and pixels.shape == shape else None
    if filters == ["/FlateDecode"]:
        data = image.get_data()
        if len(data) != math.prod(shape):
            return None
        pixels = np.frombuffer(data, np.uint8).reshape(shape)
        return cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR) if channels == 3 else pixels.copy()
    return None


def text_layers(path: Path, timeout: float = 120) -> list[str]:
    """The text each PDF page already carries ("" for a plain scan), from one poppler run over the whole file; a
    cropped page's text is only what its crop box shows, as its render is."""
    try:
        result = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                                timeout=timeout, check=True)
    except (subprocess.SubprocessError, OSError):
        return []
    # pdftotext ends every page with a form feed, so the last piece after the split is empty.
    layers = result.stdout.decode("utf-8", errors="replace").split("\f")[:-1]
    if any(text.strip() for text in layers):      # a scan carries no text: nothing a crop could hide
        for number, area in _crop_areas(path, len(layers), timeout).items():
            layers[number - 1] = _text_in(path, number, area, timeout) if area else ""
    return layers


_BOX = re.compile(r"Page\s+(\d+) (MediaBox|CropBox|rot):\s+(.*)")


def _crop_areas(path: Path, pages: int, timeout: float) -> dict[int, tuple[float, ...] | None]:
    """Pages whose crop box hides part of the media box: (x, y, width, height) of what shows, in points from the
    media box's top left corner (pdftotext's -x/-y/-W/-H at 72 dpi); None for a turned one (read by OCR instead)."""
    try:
        result = subprocess.run(["pdfinfo", "-box", "-f", "1", "-l", str(max(pages, 1)), str(path)],
                                capture_output=True, timeout=timeout, check=True)
    except (subprocess.SubprocessError, OSError):
        return {}
    boxes: dict[int, dict[str, list[float]]] = {}
    for number, kind, value in _BOX.findall(result.stdout.decode("utf-8", errors="replace")):
        boxes.setdefault(int(number), {})[kind] = [float(v) for v in value.split()]
    areas: dict[int, tuple[float, ...] | None] = {}
    for number, box in boxes.items():
        media, crop = box.get("MediaBox"), box.get("CropBox")
        if not media or not crop or _same_box(media, crop):
            continue
        turned = box.get("rot", [0.0])[0] % 360
        areas[number] = None if turned else (crop[0] - media[0], media[3] - crop[3], crop[2] - crop[0],
                                             crop[3] - crop[1])
    return areas


def _text_in(path: Path, number: int, area: tuple[float, ...], timeout: float) -> str:
    """Page `number`'s text within `area` (see _crop_areas); "" when poppler cannot give it."""
    x, y, width, height = (str(max(0, round(v))) for v in area)
    try:
        result = subprocess.run(["pdftotext", "-enc", "UTF-8", "-f", str(number), "-l", str(number), "-r", "72",
                                 "-x", x, "-y", y, "-W", width, "-H", height, str(path), "-"],
                                capture_output=True, timeout=timeout, check=True)
    except (subprocess.SubprocessError, OSError):
        return ""
    return result.stdout.decode("utf-8", errors="replace").split("\f")[0]
