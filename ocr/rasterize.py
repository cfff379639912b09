"""Owner of image decoding (Pillow; OpenCV for a plain PNG or JPEG): identify a stored file, check it against the
limits and yield its pages one at a time. A PDF's own reading (pypdf, poppler's readers) is ocr/pdf_pages', called
from here; writing PDFs (pdfunite included) is ocr/searchable's."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import cv2
import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from ocr.page import PageImage, SourceInfo
from watch_folders.errors import ContentMismatch, CorruptFile, ImageTooLarge, PageSizeAbsurd, TooManyPages

# We enforce our own pixel limit (ImageTooLarge) before decoding, so Pillow's bomb check would only get in the way.
Image.MAX_IMAGE_PIXELS = None

# Page shapes refused at inspect time, so that the file goes to quarantine with a reason instead of failing later:
LONGEST_SHEET_IN = 17.5  # inches: a stated resolution implying a longer sheet (past A3) is not believed
USUAL_SHEET_IN = 11.0  # inches: the long side of a letter or an A4 sheet (11, 11.7), to judge resolution by
MAX_SIDE = 32767  # pixels: Tesseract answers "Image too large" past this (measured on 33000 x 400); PDFs render smaller
MIN_SIDE = 32  # pixels: narrower than one line of text; under 4 px OpenCV's cleanup crashed (cv2.resize, empty size)
# A4 is 1.4:1 and a long till receipt about 10:1. Past 15:1 the cleanup's survey (longest side 1000 px) keeps under
# 70 px of the short side and the text melts away: a 200 x 11 inch page came out "blank", a 1 x 600 inch one crashed.
MAX_ASPECT = 15
_DEEP_GREY = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")  # modes whose samples are wider than 8 bits

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


def inspect(path: Path, max_pages: int, max_pixels: int, dpi: int = 300) -> SourceInfo:
    """Check that the file is a readable PDF or image within the limits, every page of a shape a sheet can have
    (rendered at `dpi`, for PDFs); raise a RejectedInput if not."""
    media_type = sniff(path)
    if media_type == "application/pdf":
        from ocr import pdf_pages  # it reads the limits here: imported when a PDF comes

        pages = pdf_pages.inspect(path, max_pages, max_pixels, dpi)
    else:
        pages = _inspect_image(path, max_pages, max_pixels)
    if pages == 0:
        raise CorruptFile("sin páginas")
    return SourceInfo(media_type, pages)


def check_count(pages: int, max_pages: int) -> None:
    if pages > max_pages:  # before any page is looked at: counting them is cheap, measuring each is not
        raise TooManyPages(f"{pages} páginas > {max_pages}")


def check_shape(number: int, width: int, height: int, shown: str) -> None:
    short, long = sorted((width, height))
    if short < MIN_SIDE or long > MAX_ASPECT * short:
        refuse(number, shown)


def refuse(number: int, shown: str) -> NoReturn:
    raise PageSizeAbsurd(number, shown)


def physical(width: float, height: float) -> str:
    """A page's size in inches as staff measure it: "21 × 27.9 cm", "5.08 × 0.279 m"."""
    unit, factor = ("m", 0.0254) if max(width, height) >= 40 else ("cm", 2.54)
    return " × ".join(f"{v:.3g}" if v < 1000 else f"{v:,.0f}" for v in (width * factor, height * factor)) + f" {unit}"


def _inspect_image(path: Path, max_pages: int, max_pixels: int) -> int:
    try:
        with Image.open(path) as image:
            frames = getattr(image, "n_frames", 1)
            check_count(frames, max_pages)
            # Each frame of a TIFF has its own size (a later one past the limits failed the document mid-way);
            # an APNG's frames share its canvas, and seeking one would decode it.
            for index in range(frames if image.format != "PNG" else 1):
                image.seek(index)
                _check_frame(image, index + 1, max_pixels)
            image.seek(0)
            if image.format == "PNG":
                # Every chunk's checksum, without inflating the pixels: a truncated or damaged file fails here, as
                # a full decode would, at a hundredth of the cost (decoding an A4 colour scan took ~0.1 s, paid
                # again when the page is read).
                image.verify()
            else:
                if image.format == "JPEG":
                    # every byte read and entropy-decoded, but drawn at an eighth of the size: truncation and
                    # corrupt data still fail here, at ~10 ms an A4 page instead of ~27 (it is decoded again to read)
                    image.draft(image.mode, (max(1, image.size[0] // 8), max(1, image.size[1] // 8)))
                image.load()  # decodes the first frame: truncated or corrupt data fails here, not in the worker
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise CorruptFile(f"imagen ilegible: {error}") from error
    return frames


def _check_frame(image: Image.Image, number: int, max_pixels: int) -> None:
    width, height = image.size
    check_shape(number, width, height, f"{width} × {height} píxeles")
    if width * height > max_pixels or max(width, height) > MAX_SIDE:
        raise ImageTooLarge(f"página {number}: {width}x{height} píxeles")


def iter_pages(path: Path, info: SourceInfo, dpi: int, max_pixels: int, skip: set[int] = frozenset(),
          timeout: float = 120) -> Iterator[PageImage]:
    """Yield the pages not in `skip`, one at a time, so memory does not grow with the page count."""
    if info.media_type == "application/pdf":
        from ocr import pdf_pages

        yield from pdf_pages.iter_pages(path, info.page_count, dpi, max_pixels, skip, timeout)
        return
    try:
        with Image.open(path) as image:
            for index in range(info.page_count):
                if index + 1 in skip:
                    continue
                image.seek(index)
                _check_frame(image, index + 1, max_pixels)
                pixels = _plain_pixels(path, image) if info.page_count == 1 else None
                if pixels is None:
                    wide = _sixteen_bit(image)  # asked before decoding: PNG tells it only in the undecoded tiles
                    pixels = pixels_of(_upright(image), wide)
                yield PageImage(index + 1, pixels, _image_dpi(image))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise CorruptFile(f"imagen ilegible: {error}") from error


def _plain_pixels(path: Path, image: Image.Image) -> np.ndarray | None:
    """What `pixels_of(_upright(image))` gives, decoded by OpenCV, for an 8-bit grey or colour PNG or JPEG with nothing
    to turn or compose (what scanners write); None for any other, left to Pillow. OpenCV decodes into the array
    itself: Pillow's decode and copy into numpy took ~20% more CPU (88 against 72 ms a petitions_dev page)."""
    if image.format not in ("PNG", "JPEG") or image.mode not in ("L", "RGB") or "transparency" in image.info:
        return None
    if image.format == "PNG" and not (image.tile[0].args == image.mode and _pixels_last(path, image.tile[0].offset)):
        return None  # 1, 2, 4 or 16 bits a sample, or chunks after the pixels that Pillow reads only as it decodes
    # Pillow's own orientation (EXIF, XMP), read without decoding: PNG's getexif decodes first for late chunks
    if Image.Image.getexif(image).get(ExifTags.Base.Orientation, 1) in range(2, 9):
        return None
    pixels = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_UNCHANGED)  # UNCHANGED: EXIF not applied
    if pixels is None or pixels.dtype != np.uint8 or pixels.shape[:2] != image.size[::-1]:
        return None
    if pixels.ndim == 2:
        return pixels
    return grey_if_grey(pixels)  # already BGR


def _pixels_last(path: Path, start: int) -> bool:
    """Whether a PNG's first pixel chunk, whose data begins at `start`, is followed only by more of them and the end
    (Pillow reads chunks after the pixels, EXIF or text, only as it decodes them)."""
    with open(path, "rb") as handle:
        handle.seek(start - 8)
        while len(header := handle.read(8)) == 8:
            length, kind = struct.unpack(">I4s", header)
            if kind != b"IDAT":
                return kind == b"IEND"
            handle.seek(length + 4, 1)  # the data and its checksum
    return False


def _upright(image: Image.Image) -> Image.Image:
    """The frame turned the way its EXIF Orientation says (phone photos are stored sideways), decoded once."""
    image.load()  # Pillow turns TIFF frames itself as it loads them, and drops their tag; JPEG and PNG keep it
    if image.getexif().get(ExifTags.Base.Orientation, 1) not in range(2, 9):
        return image  # exif_transpose would copy the whole page for nothing
    if getattr(image, "is_animated", False):
        return ImageOps.exif_transpose(image)  # turning in place would change the size the next frame is read at
    ImageOps.exif_transpose(image, in_place=True)  # one decoded copy at a time: a photo can be 100 Mpx
    return image


def _sixteen_bit(image: Image.Image) -> bool:
    if image.format == "TIFF":
        return max(image.tag_v2.get(258, (8,))) > 8  # BitsPerSample
    return any(";16" in str(tile.args) for tile in image.tile)


def pixels_of(image: Image.Image, wide: bool = False) -> np.ndarray:
    """Grayscale or BGR pixels (colour is kept for stamp removal), transparency composed on white.

    `wide`: the file holds 16-bit samples, which Pillow decodes to their high bytes when in colour or with alpha.
    """
    if image.mode in _DEEP_GREY:
        return _to_8bit(np.asarray(image))  # convert("L") clips: a 16-bit scan came out all white
    if wide and image.mode in ("RGB", "RGBA", "LA"):
        image = _widened(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    if image.mode == "L":
        return np.asarray(image)  # convert("L") would copy the page once more for nothing
    if image.mode in ("1", "LA"):
        return np.asarray(image.convert("L"))
    rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
    if is_gray(rgb):
        return np.ascontiguousarray(rgb[..., 0])  # a grey page stored as colour: a third of the memory
    return np.ascontiguousarray(rgb[..., ::-1])


def _to_8bit(samples: np.ndarray, min_bits: int = 8) -> np.ndarray:
    """Samples scaled to 0-255 by the range their data uses, not their type's: many 16-bit scans hold 12-bit data.

    The range is the smallest 2**bits - 1 that holds the brightest sample (at least `min_bits` bits; 1.0 for floats
    in 0-1), so a blank page stays white rather than having its paper grain stretched into ink.
    """
    if samples.dtype.kind == "f":
        samples = np.nan_to_num(samples, nan=0.0, posinf=0.0, neginf=0.0)
        top = float(samples.max(initial=0.0))
        scale = 1.0 if top <= 1.0 else 2.0 ** max(min_bits, int(top).bit_length()) - 1
        return np.clip(samples * np.float32(255 / scale), 0, 255).round().astype(np.uint8)
    if samples.dtype.kind == "i":
        samples = np.clip(samples, 0, None)
    top = int(samples.max(initial=0))
    scale = 2 ** max(min_bits, top.bit_length()) - 1
    if top >= 1 << 16:
        return (samples * np.float32(255 / scale)).round().astype(np.uint8)
    table = (np.arange(top + 1) * (255 / scale)).round().astype(np.uint8)  # one lookup: no float copy of the page
    return table[samples]


def _widened(image: Image.Image) -> Image.Image:
    """A 16-bit colour (or grey and alpha) page whose data used only the low bits, stretched over the 8 Pillow kept."""
    samples = np.asarray(image)
    if samples.max(initial=0) >= 128:
        return image  # the data fills all 16 bits (most 48-bit colour scans): the high bytes are the page
    colours = 1 if image.mode == "LA" else 3
    channels = [_to_8bit(samples[..., :colours], 1)]
    if samples.shape[-1] > colours:
        channels.append(_to_8bit(samples[..., colours:], 1))  # alpha on its own range: 12-bit opaque is 4095
    return Image.fromarray(np.concatenate(channels, axis=-1), image.mode)


def grey_if_grey(bgr: np.ndarray) -> np.ndarray:
    """A BGR page that is grey stored as colour, as one channel: its red, the one `pixels_of` keeps of RGB."""
    return np.ascontiguousarray(bgr[..., 2]) if is_gray(bgr) else bgr


def is_gray(rgb: np.ndarray) -> bool:
    sample = rgb[::8, ::8].astype(np.int16)
    return int(np.abs(sample[..., 0] - sample[..., 1]).max()) <= 8 and int(np.abs(sample[..., 1] - sample[..., 2]).max()) <= 8


def image_dpi(path: Path) -> int:
    """The resolution an image file's first page is read at (as iter_pages reads it)."""
    try:
        with Image.open(path) as image:
            return _image_dpi(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise CorruptFile(f"imagen ilegible: {error}") from error


def _image_dpi(image: Image.Image) -> int:
    """The image's resolution: as stated when the sheet it implies could be one, else judged from its size.

    Phones and screenshots state 72 dpi whatever they hold: taken at its word, a photo of a letter 3,000 px long
    is a sheet of over a metre, and the cleanup's strokes and lines (sized in millimetres) missed a third of it.
    """
    dpi = image.info.get("dpi", (0, 0))[0]
    try:
        dpi = int(round(float(dpi)))
    except (TypeError, ValueError, OverflowError):  # a TIFF resolution of n/0 reads as nan
        dpi = 0
    long_side = max(image.size)
    if 50 <= dpi <= 1200 and long_side / dpi <= LONGEST_SHEET_IN:
        return dpi
    return min(max(round(long_side / USUAL_SHEET_IN), 100), 600)
