"""Damage that real office scans carry, applied to pages the tests render (tests/pages.py), deterministically.

Each function takes a page image (an A4 greyscale page at 300 dpi from `render_page`, or any PIL image), a seed and
its strength, and returns the damaged image. Written from what the office's scans show, not from any library.
"""

from __future__ import annotations

from pathlib import Path

from PIL import ExifTags, Image

# What a camera stores for each EXIF Orientation: the inverse of the turn Pillow's exif_transpose applies.
_STORED = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
           5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_270}


def save_oriented(image: Image.Image, path: Path, orientation: int, quality: int = 90) -> Path:
    """Save as a phone does: pixels as the sensor held them, and the EXIF Orientation that turns them upright."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    stored = image.transpose(_STORED[orientation]) if orientation in _STORED else image
    kind = "PNG" if path.suffix.lower() == ".png" else "JPEG"
    stored.save(path, kind, exif=exif, **({"quality": quality} if kind == "JPEG" else {}))
    return path
