"""Petition pages the tests render themselves: text drawn with a real font at scanner resolution."""

from __future__ import annotations

import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"

LETTERS = [
    "Hermosillo, Sonora, a 3 de noviembre de 2026. Secretaría de Desarrollo Social. Por medio de la presente "
    "solicito de la manera más atenta una silla de ruedas para mi madre, que tiene ochenta años y ya no puede "
    "caminar. Vivimos en la colonia Centro. Agradezco su atención. Atentamente, María López Ramírez.",
    "Navojoa, Sonora. A quien corresponda: en nuestra colonia no tenemos agua potable desde hace tres meses y "
    "pedimos el apoyo para la red de agua y el drenaje de la calle principal. Los vecinos de la colonia Juárez.",
    "Ciudad Obregón, Sonora. Soy madre jefa de familia con tres hijos y solicito apoyo de despensa y un "
    "proyecto productivo para poner un puesto de comida. Gracias por su atención. Rosa Elena Valenzuela.",
]


def render_page(text: str, size=(2480, 3508), font_size=56, rotate: int = 0, skew: float = 0.0) -> Image.Image:
    """An A4 page at 300 dpi with `text`, optionally rotated by 90/180/270 (clockwise) and skewed."""
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, font_size)
    y = 250
    for paragraph in text.split("\n"):
        for line in textwrap.wrap(paragraph, width=60) or [""]:
            draw.text((220, y), line, font=font, fill=0)
            y += int(font_size * 1.5)
    if skew:
        page = page.rotate(skew, resample=Image.BICUBIC, expand=False, fillcolor=255)
    if rotate:
        page = page.rotate(-rotate, expand=True, fillcolor=255)
    return page


def small_page(text: str, **kwargs) -> Image.Image:
    """A half-size page (150 dpi) that OCRs fast, for tests that need many files."""
    return render_page(text, size=(1240, 900), font_size=30, **kwargs)


def save_pdf(path: Path, pages: list[Image.Image], **kwargs) -> Path:
    first, *rest = [p.convert("RGB") for p in pages]
    first.save(path, "PDF", save_all=True, append_images=rest, resolution=kwargs.pop("resolution", 300), **kwargs)
    return path


def save_tiff(path: Path, pages: list[Image.Image]) -> Path:
    first, *rest = pages
    first.save(path, "TIFF", save_all=True, append_images=rest, compression="tiff_deflate", dpi=(300, 300))
    return path


def dotted_form(text: str, rotate: int = 0, font_size: int = 56) -> Image.Image:
    """A form whose every line is written just above a rule of heavy dots: ink below the text, as descenders are.

    The dots mislead the ascender/descender count that tells upside-down pages, so tests can reach the paths
    taken when that count is wrong or unsure.
    """
    page = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, font_size)
    y = 250
    for line in textwrap.wrap(text, width=60):
        draw.text((220, y), line, font=font, fill=0)
        rule = y + int(font_size * 1.1)
        for x in range(220, int(220 + font.getlength(line)), 60):
            draw.rectangle((x, rule, x + 14, rule + 14), fill=0)
        y += font_size * 2
    return page.rotate(-rotate, expand=True, fillcolor=255) if rotate else page
