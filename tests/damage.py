"""Damage that real office scans carry, applied to pages the tests render (tests/pages.py), deterministically.

Each function takes a page (an A4 greyscale page at 300 dpi from `render_page`, or any greyscale or RGB PIL image),
a seed and its strength, and returns the damaged page, in the same mode unless it says otherwise. Written from what
the office's scans show (folds, curls, a dirty drum, stamps, stains, the scanner's bed and lid, pens, phones), not
taken from any augmentation library. Each takes a fraction of a second on an A4 page (the photo, the slowest, ~0.6 s).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
from PIL import ExifTags, Image, ImageChops, ImageDraw, ImageFilter, ImageFont

BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
# A script face when one is installed (ghostscript's URW fonts, DejaVu's extra italics); DejaVu Serif, slanted, if not.
HANDS = ("/usr/share/fonts/opentype/urw-base35/Z003-MediumItalic.otf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
BLUE_INK = (28, 58, 165)  # a ballpoint's blue, as scanned

# What a camera stores for each EXIF Orientation: the inverse of the turn Pillow's exif_transpose applies.
_STORED = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
           5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_270}
# Turning a page so that its `edge` comes to the right, and back.
_TO_RIGHT = {"right": (None, None), "left": (Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.FLIP_LEFT_RIGHT),
             "bottom": (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270),
             "top": (Image.Transpose.ROTATE_270, Image.Transpose.ROTATE_90)}


def fold(image: Image.Image, position: float = 0.5, depth: float = 30, shade: float = 0.35, seed: int = 0,
         direction: str = "vertical") -> Image.Image:
    """A sheet folded along a crease: lines bend at it (each half tilts its own way) and the crease is shaded."""
    if direction == "horizontal":  # a letter folded in three: the crease runs along the lines
        return _transposed(fold, image, position=position, depth=depth, shade=shade, seed=seed)
    rng = np.random.default_rng(seed)
    width, height = image.size
    crease = int(width * np.clip(position + rng.uniform(-0.03, 0.03), 0.05, 0.95))
    lift = depth * rng.uniform(0.8, 1.2)
    ends = (lift * rng.uniform(0.0, 0.4), lift * rng.uniform(0.0, 0.4))  # the halves do not lie alike on the glass

    def source(x, y):  # straight on each side of the crease, so the mesh is exact with one quad a side
        return x, y - np.interp(x, (0, crease, width), (ends[0], lift, ends[1]))

    bent = _warp(image, source, [0, crease, width], [0, height])
    x = np.arange(width, dtype=np.float32) - crease
    across = 0.8 * np.exp(-(x / 5.0) ** 2) + 0.3 * np.exp(-(x / 60.0) ** 2) * (x > 0)  # the crease, its shadow
    along = (0.75 + 0.25 * _wave(rng, height)).astype(np.float32)  # pressed harder in some places than others
    return _multiply(bent, 1 - shade * along[:, None] * across[None, :])


def curl(image: Image.Image, edge: str = "right", extent: float = 0.35, depth: float = 60, darkness: float = 0.45,
         seed: int = 0) -> Image.Image:
    """An edge curled off the glass: wrapped round a cylinder, so squeezed, lifted, darker and blurred towards it."""
    there, back = _TO_RIGHT[edge]
    page = image.transpose(there) if there else image
    rng = np.random.default_rng(seed)
    width, height = page.size
    start = int(width * (1 - extent * rng.uniform(0.85, 1.15)))
    radius = 2 * (width - start) / math.pi  # the paper reaches a quarter turn at the page's edge
    depth *= rng.uniform(0.8, 1.2)
    corner = rng.uniform(0.3, 1.0)  # one corner rises more than the other

    def arc(x):  # how far round the cylinder the paper seen at x is: 0 flat, pi/2 standing up
        return np.arcsin(np.clip((x - start) / radius, 0, 1)) + np.maximum(0, x - start - radius) / radius

    def source(x, y):
        if x <= start:
            return x, y
        turn = arc(x)
        rise = depth * (1 - math.cos(min(turn, math.pi / 2))) * (corner + (1 - corner) * y / height)
        return start + radius * turn, y - rise

    xs = [0, *np.linspace(start, width, 33).round().astype(int)]
    curled = _warp(page, source, xs, list(np.linspace(0, height, 9).round().astype(int)))
    lifted = 1 - np.cos(np.minimum(arc(np.arange(width)), math.pi / 2))  # 0 on the glass, 1 at the edge
    off_glass = curled.crop((start, 0, width, height))
    focus = Image.fromarray((lifted[None, start:] * 255).astype(np.uint8)).resize(off_glass.size)
    curled.paste(Image.composite(off_glass.filter(ImageFilter.GaussianBlur(3)), off_glass, focus), (start, 0))
    curled = _multiply(curled, (1 - darkness * lifted)[None, :])
    return curled.transpose(back) if back else curled


def drum_streaks(image: Image.Image, direction: str = "vertical", bands: int = 5, density: float = 0.25,
                 seed: int = 0) -> Image.Image:
    """Bands of dark toner specks along the paper path, as a dirty drum leaves them, across the whole page."""
    if direction == "horizontal":
        return _transposed(drum_streaks, image, bands=bands, density=density, seed=seed)
    rng = np.random.default_rng(seed)
    pixels = np.asarray(image).copy()
    height, width = pixels.shape[:2]
    for _ in range(bands):
        band, grain = int(rng.uniform(6, 70)), int(rng.choice((2, 3)))  # toner specks are 2-3 px at 300 dpi
        left = int(rng.uniform(0, width - band))
        across = 1 - np.linspace(-1, 1, max(3, band // grain)) ** 2  # thickest in the middle of the band
        along = np.clip(_wave(rng, -(-height // grain)) * 1.4 - 0.2, 0, 1)  # the drum picks toner up unevenly
        chance = density * rng.uniform(0.3, 1.0) * along[:, None] * across[None, :]
        specks = rng.random(chance.shape) < chance
        tone = np.where(specks, rng.uniform(40, 170, chance.shape), 255).astype(np.uint8)
        tone = tone.repeat(grain, 0).repeat(grain, 1)[:height]
        target = pixels[:, left:left + tone.shape[1]]
        tone = tone[:, :target.shape[1]]
        np.minimum(target, tone if pixels.ndim == 2 else tone[..., None], out=target)
    return Image.fromarray(pixels, image.mode)


def toner_band(image: Image.Image, left: int, width: int = 120, seed: int = 0) -> Image.Image:
    """A steady band of toner specks from the top edge to the bottom, solid in its middle and thinning out to its
    sides, as a worn drum leaves one: darker than the paper from edge to edge, like the scanner bed."""
    rng = np.random.default_rng(seed)
    pixels = np.asarray(image).copy()
    across = 1 - np.linspace(-1, 1, width) ** 2
    specks = rng.random((pixels.shape[0], width)) < across[None, :]
    tone = np.where(specks, rng.uniform(20, 120, specks.shape), 255).astype(np.uint8)
    target = pixels[:, left:left + width]
    np.minimum(target, tone if pixels.ndim == 2 else tone[..., None], out=target)
    return Image.fromarray(pixels, image.mode)


def watermark(image: Image.Image, text: str = "RECIBIDO", grey: int = 170, angle: float = 25, size: int = 300,
              seed: int = 0) -> Image.Image:
    """Large grey (or dark, with a low `grey`) letters stamped over the text, turned by `angle` degrees."""
    rng = np.random.default_rng(seed)
    font = ImageFont.truetype(BOLD, size)
    box = ImageDraw.Draw(Image.new("L", (1, 1))).multiline_textbbox((0, 0), text, font=font, align="center")
    letters = Image.new("L", (math.ceil(box[2]) + 40, math.ceil(box[3]) + 40), 255)
    ImageDraw.Draw(letters).multiline_text((20, 20), text, font=font, fill=grey, align="center")
    letters = letters.rotate(angle + rng.uniform(-4, 4), Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    left, top, right, bottom = _ink_box(image)
    x = int((left + right - letters.width) / 2 + rng.uniform(-0.1, 0.1) * (right - left))
    y = int((top + bottom - letters.height) / 2 + rng.uniform(-0.2, 0.2) * (bottom - top))
    layer = Image.new("L", image.size, 255)
    layer.paste(letters, (x, y))
    return _multiply(image, np.asarray(layer, dtype=np.float32) / 255)  # ink on ink: the text below stays dark


def stains(image: Image.Image, count: int = 3, darkness: float = 0.35, seed: int = 0) -> Image.Image:
    """Blotchy grey blobs of varying darkness with a darker rim, as coffee or water leaves; the first on the text."""
    rng = np.random.default_rng(seed)
    width, height = image.size
    small = (height // 8, width // 8)  # drawn at an eighth of the size and enlarged: stains have no sharp detail
    y, x = np.mgrid[0:small[0], 0:small[1]].astype(np.float32)
    left, top, right, bottom = (v / 8 for v in _ink_box(image))
    keep = np.ones(small, np.float32)
    for index in range(count):
        cx, cy = (rng.uniform(left, right), rng.uniform(top, bottom)) if index == 0 else (
            rng.uniform(0, small[1]), rng.uniform(0, small[0]))
        radius = rng.uniform(25 if index == 0 else 12, 50)
        edge = np.hypot(x - cx, y - cy) / radius + 0.8 * (_noise(rng, small, max(small) / radius) - 0.5)  # ragged
        mottled = 0.2 + 1.3 * _noise(rng, small, 3 * max(small) / radius)  # the liquid dried unevenly
        tone = darkness * rng.uniform(0.35, 1.0)
        blot = tone * (0.5 * mottled * np.clip(1 - edge, 0, 1) ** 0.3 + 0.5 * np.exp(-((edge - 1) / 0.05) ** 2))
        keep *= 1 - np.clip(blot, 0, 0.95)
    factor = np.asarray(Image.fromarray(keep).resize((width, height), Image.Resampling.BILINEAR))
    return _multiply(image, factor)


def scanner_bed(image: Image.Image, shadow: float = 0.45, seed: int = 0) -> Image.Image:
    """The sheet a little askew on a dark scanner bed, uneven borders round it, the lid's shadow along one side."""
    rng = np.random.default_rng(seed)
    width, height = image.size
    side = int(rng.integers(4))
    ramp = 1 - shadow * np.exp(-np.arange(max(width, height)) / rng.uniform(80, 220))  # lid shadow into the sheet
    if side < 2:  # left or right
        lid = (ramp[:width] if side == 0 else ramp[:width][::-1])[None, :]
    else:  # top or bottom
        lid = (ramp[:height] if side == 2 else ramp[:height][::-1])[:, None]
    sheet = _multiply(image, lid)
    angle = rng.uniform(-1.2, 1.2)
    mask = Image.new("L", image.size, 255).rotate(angle, Image.Resampling.BILINEAR, expand=True)
    sheet = sheet.rotate(angle, Image.Resampling.BILINEAR, expand=True)
    left, top, right, bottom = (int(rng.uniform(30, 170)) for _ in range(4))
    size = (sheet.width + left + right, sheet.height + top + bottom)
    dark = rng.uniform(15, 45)
    light = np.linspace(dark, dark + rng.uniform(10, 40), size[0]).round().astype(np.uint8)  # the lamp's far end
    bed = Image.fromarray(light[None, :]).resize(size, Image.Resampling.NEAREST)
    canvas = ImageChops.add(bed, _grain(rng, size, 4), offset=-128).convert(image.mode)
    canvas.paste(sheet, (left, top), mask)
    return canvas


def pen_ink(image: Image.Image, lines: tuple[str, ...] = ("María López Ramírez", "3 de noviembre de 2026"),
            colour: tuple[int, int, int] = BLUE_INK, seed: int = 0) -> Image.Image:
    """An RGB page: the black print plus a signature and `lines` handwritten in blue below the text."""
    rng = np.random.default_rng(seed)
    page = image.convert("RGB")
    font = ImageFont.truetype(next(path for path in HANDS if Path(path).exists()), 72)
    left, _, _, bottom = _ink_box(image)
    strip = (0, bottom + 60, page.width, min(page.height, bottom + 60 + 260 + 110 * len(lines)))
    ink = Image.new("L", (strip[2], strip[3] - strip[1]), 0)  # how much ink each pixel of the strip took
    draw = ImageDraw.Draw(ink)
    x, y = left + 40, 60
    phase = rng.uniform(0, 2 * math.pi, 2)
    draw.line([(x + 5 * i + 28 * math.sin(i / 4 + phase[0]), y + 50 + 32 * math.sin(i / 6 + phase[1]) - i / 4)
               for i in range(110)], fill=255, width=5, joint="curve")  # the signature: loops running on
    y += 170
    for line in lines:
        pen = x + rng.uniform(0, 30)
        for char in line:  # letter by letter, each a little off the line and pressed its own way, as a hand writes
            draw.text((pen, y + rng.normal(0, 3)), char, font=font, fill=int(rng.uniform(190, 255)))
            pen += font.getlength(char) * rng.uniform(0.97, 1.05)
        y += 110
    slant = (1, 0.2, -0.2 * ink.height / 2, 0, 1, 0)  # leaning forward
    ink = ink.transform(ink.size, Image.Transform.AFFINE, slant, Image.Resampling.BILINEAR)
    region = page.crop(strip)
    page.paste(Image.composite(Image.new("RGB", ink.size, colour), region, ink.filter(ImageFilter.GaussianBlur(0.8))),
               strip[:2])
    return page


def faint(image: Image.Image, contrast: float = 0.35, paper: int = 245) -> Image.Image:
    """Faint print on greyish paper: a tired toner cartridge, or a copy of a copy."""
    return Image.eval(image, lambda v: int(paper - (255 - v) * contrast * paper / 255))


def jpeg(image: Image.Image, quality: int = 30) -> Image.Image:
    """The page after a round trip through JPEG at `quality`: blocks and ringing round the letters."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert(image.mode)


def photo(image: Image.Image, tilt: float = 0.06, light: float = 0.45, quality: int = 75, scale: float = 0.8,
          seed: int = 0, desk: float = 0.06) -> Image.Image:
    """An RGB phone photo of the sheet on a desk: tilted in perspective, unevenly lit, warm, grainy, JPEG.

    Each corner of the sheet moves by up to `tilt` of the page's size; `desk` is the desk's share on each side."""
    rng = np.random.default_rng(seed)
    width, height = image.size
    size = (int(width * scale * (1 + 2 * desk)), int(height * scale * (1 + 2 * desk)))  # the page at ~250 dpi
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float64) * scale
    corners += np.array([width, height]) * scale * desk + rng.uniform(-tilt, tilt, (4, 2)) * [width, height] * scale
    coefficients = _perspective(corners, [(0, 0), (width, 0), (width, height), (0, height)])
    sheet = image.convert("RGB").transform(size, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR)
    mask = Image.new("L", image.size, 255).transform(size, Image.Transform.PERSPECTIVE, coefficients)
    ground = Image.new("RGB", size, tuple(int(v) for v in rng.uniform((90, 70, 50), (150, 120, 95))))
    y, x = np.mgrid[0:size[1]:16, 0:size[0]:16].astype(np.float32)
    direction = rng.uniform(0, 2 * math.pi)
    ramp = x * math.cos(direction) + y * math.sin(direction)
    ramp = (ramp - ramp.min()) / (np.ptp(ramp) or 1)  # brighter towards the window
    spot = np.hypot(x - size[0] * rng.uniform(0.3, 0.7), y - size[1] * rng.uniform(0.3, 0.7)) / max(size)
    lit = Image.fromarray(((1 - light * (0.7 * ramp + 0.3 * spot)) * 255).astype(np.uint8))
    lit = lit.resize(size, Image.Resampling.BILINEAR)
    shot = ImageChops.multiply(Image.composite(sheet, ground, mask), lit.convert("RGB"))
    shot = ImageChops.multiply(shot, Image.new("RGB", size, (255, 242, 220)))  # warm indoor light
    return jpeg(ImageChops.add(shot, _grain(rng, size, 5).convert("RGB"), offset=-128), quality)


def save_oriented(image: Image.Image, path: Path, orientation: int, quality: int = 90) -> Path:
    """Save as a phone does: pixels as the sensor held them, and the EXIF Orientation that turns them upright."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    stored = image.transpose(_STORED[orientation]) if orientation in _STORED else image
    kind = "PNG" if path.suffix.lower() == ".png" else "JPEG"
    stored.save(path, kind, exif=exif, **({"quality": quality} if kind == "JPEG" else {}))
    return path


def _warp(image: Image.Image, source, xs: list[int], ys: list[int]) -> Image.Image:
    """The image resampled so that each point (x, y) of the grid xs × ys shows source(x, y), bilinear in between."""
    mesh = []
    for x0, x1 in zip(xs, xs[1:]):
        for y0, y1 in zip(ys, ys[1:]):
            quad = [source(x0, y0), source(x0, y1), source(x1, y1), source(x1, y0)]  # Pillow's order: UL, LL, LR, UR
            mesh.append(((int(x0), int(y0), int(x1), int(y1)), tuple(float(v) for point in quad for v in point)))
    return image.transform(image.size, Image.Transform.MESH, mesh, Image.Resampling.BILINEAR, fillcolor=_white(image))


def _multiply(image: Image.Image, factor: np.ndarray) -> Image.Image:
    """The page darkened pixel by pixel by `factor` (1 leaves it, 0 makes it black; a row or a column is spread)."""
    shade = Image.fromarray((np.clip(factor, 0, 1) * 255).round().astype(np.uint8))
    if shade.size != image.size:
        shade = shade.resize(image.size, Image.Resampling.NEAREST)
    return ImageChops.multiply(image, shade.convert(image.mode))  # in Pillow's C: numpy took ~0.4 s a page


def _grain(rng: np.random.Generator, size: tuple[int, int], sigma: float) -> Image.Image:
    """Seeded Gaussian grain round 128, drawn small and spread over `size` (Pillow's own noise is not seeded)."""
    small = (max(1, size[0] // 2), max(1, size[1] // 2))
    noise = 128 + sigma * rng.standard_normal((small[1], small[0]), dtype=np.float32)
    return Image.fromarray(noise.clip(0, 255).astype(np.uint8)).resize(size, Image.Resampling.NEAREST)


def _wave(rng: np.random.Generator, length: int) -> np.ndarray:
    """A smooth random curve in 0-1 along `length`: a few slow sines of random phase."""
    t = np.linspace(0, 1, length)
    curve = sum(np.sin(2 * math.pi * (k * t + rng.uniform())) / k for k in (1, 2, 3, 5))
    return (curve - curve.min()) / (np.ptp(curve) or 1)


def _noise(rng: np.random.Generator, shape: tuple[int, int], cells: float) -> np.ndarray:
    """Smooth random values in 0-1 over `shape`, varying about `cells` times across its longer side."""
    grid = max(2, int(cells))
    coarse = rng.random((max(2, grid * shape[0] // max(shape)), max(2, grid * shape[1] // max(shape))))
    smooth = Image.fromarray(coarse.astype(np.float32)).resize(shape[::-1], Image.Resampling.BICUBIC)
    return np.clip(np.asarray(smooth), 0, 1)


def _ink_box(image: Image.Image) -> tuple[int, int, int, int]:
    """Left, top, right, bottom of the page's print (the middle half of the page when there is none); specks or
    borders already on the page count as print, so marks that look for the text go on first."""
    dark = np.asarray(image.convert("L"))[::4, ::4] < 128
    rows, columns = np.flatnonzero(dark.any(1)), np.flatnonzero(dark.any(0))
    if not len(rows):
        return image.width // 4, image.height // 4, image.width * 3 // 4, image.height * 3 // 4
    return columns[0] * 4, rows[0] * 4, columns[-1] * 4 + 4, rows[-1] * 4 + 4


def _transposed(damage, image: Image.Image, **options) -> Image.Image:
    """`damage` applied across the page instead of along it."""
    return damage(image.transpose(Image.Transpose.TRANSPOSE), **options).transpose(Image.Transpose.TRANSPOSE)


def _perspective(targets, sources) -> list[float]:
    """Pillow's PERSPECTIVE coefficients mapping each of the four `targets` (output corners) to its source corner."""
    rows, values = [], []
    for (x, y), (u, v) in zip(targets, sources):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        values += [u, v]
    return list(np.linalg.solve(np.array(rows, np.float64), np.array(values, np.float64)))


def _white(image: Image.Image):
    return (255,) * len(image.getbands()) if len(image.getbands()) > 1 else 255
