"""Petition letters rendered and degraded here, deterministically, with their ground truth.

Each page is an A4 letter to the Secretaría in one of several fonts, with one or more of the troubles real
scans bring: skew, a quarter or half turn, noise, red or violet stamps over the text, dark scanner borders,
blur, heavy JPEG compression, uneven lighting, faint print, low resolution; and, from the 25th letter on, the
office's own damage made by tests/damage.py: folds, curled edges, dirty-drum streaks, a large "RECIBIDO"
watermark, stains.
"""

from __future__ import annotations

import glob
import random
import textwrap
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from tests import damage

TEXTS = [
    "Hermosillo, Sonora, a 12 de marzo de 2026.\nC. Secretaria de Desarrollo Social del Estado de Sonora.\n"
    "Presente.\nPor medio de la presente me dirijo a usted de la manera más atenta para solicitar una silla de "
    "ruedas para mi esposo, Juan Carlos Moreno Valenzuela, de 67 años, quien perdió la pierna derecha por la "
    "diabetes. Vivimos en la colonia Las Minitas, calle Sahuaro número 214, y no contamos con recursos para "
    "comprarla. Anexo copia de su credencial y de la receta médica.\nSin otro particular, agradezco su atención.\n"
    "Atentamente, María Guadalupe Ruiz Durazo. Tel. 662 318 4471.",
    "Navojoa, Son., 3 de febrero de 2026.\nA quien corresponda:\nLos vecinos de la colonia Juárez, sector "
    "oriente, pedimos su apoyo para que llegue la red de agua potable a las calles Guerrero y Morelos. Desde hace "
    "más de un año acarreamos el agua en tambos desde la tienda de la esquina y los niños se enferman del "
    "estómago. Somos 38 familias. ¿Podrían mandar a alguien a revisar? Firmamos al reverso.\n"
    "Representante: José Ángel Yocupicio Buitimea, CURP YOBJ800514HSRCTS07.",
    "Cd. Obregón, Sonora, 21 de enero de 2026.\nSecretaría de Desarrollo Social.\nSoy madre jefa de familia "
    "con tres hijos de 4, 9 y 12 años. Trabajo limpiando casas pero no me alcanza. Solicito que me incluyan en el "
    "programa de apoyo a mujeres jefas de familia y, si es posible, una despensa mensual mientras tanto. Mi "
    "domicilio es Calle Náinari 1520, colonia Cajeme. Mi número es (644) 155-09-82.\nGracias de antemano.\n"
    "Rosa Elena Valenzuela Félix.",
    "Guaymas, Sonora, a 8 de abril de 2026.\nAsunto: solicitud de apoyo para vivienda.\nEl suscrito, Ramón "
    "Arturo Sánchez Ochoa, pescador, con domicilio en la colonia Petrolera, manifiesto que el techo de lámina de "
    "mi casa se desprendió con el chubasco del 2 de septiembre. Duermo con mi familia en un solo cuarto. Pido se "
    "me considere para el programa de mejoramiento de vivienda con material para techo firme (12 láminas y "
    "polines). Quedo a sus órdenes en el 622 104 3390.",
    "San Luis Río Colorado, 15 de mayo de 2026.\nEstimados señores:\nMi mamá, Doña Carmen Ibarra Soto, tiene 81 "
    "años, vive sola y ya no puede cocinar. ¿Existe algún apoyo de comedor comunitario o de alimentos para adultos "
    "mayores en el municipio? Yo vivo en Mexicali y sólo puedo ir los fines de semana. Su dirección: Avenida "
    "Madero y Calle 14, número 1408. Le agradeceré mucho cualquier orientación.\nLuis Fernando Ibarra.",
    "Caborca, Son. 30/06/2026\nLic. Director de Atención Ciudadana:\nQuiero poner un pequeño negocio de tortillas "
    "de harina en mi casa y necesito un apoyo para comprar una estufa industrial y un refrigerador. Tengo 45 años, "
    "soy viuda y sé hacer tortillas desde niña. Ya tengo clientes en la colonia Aviación. Le pido de favor que me "
    "tomen en cuenta para el programa de proyectos productivos. CURP: GAMA810302MSRRRN04.\nAna María García.",
    "Nogales, Sonora, 2 de octubre de 2026.\nSecretaría de Desarrollo Social, Gobierno del Estado.\nSolicito "
    "información sobre el trámite de la pensión para personas con discapacidad para mi hijo Kevin, de 16 años, "
    "que tiene parálisis cerebral. Me dijeron en el DIF que ustedes podían orientarme. También necesitamos pañales "
    "y una carriola especial. Mi correo es lucia.mendoza77@gmail.com y mi celular 631 209 7745.\n"
    "Lucía Mendoza Quijada.",
    "Magdalena de Kino, 19 de agosto de 2026.\nA la Secretaría:\nEn la comunidad de San Ignacio no hay "
    "alumbrado público en el tramo de la carretera a la escuela secundaria y ya asaltaron a dos alumnas. Los padres "
    "de familia pedimos que se instalen lámparas y que se arregle el camino, que en tiempo de lluvias no se puede "
    "pasar. Adjuntamos 57 firmas.\nComité de padres de familia, Escuela Secundaria Técnica 21.",
]

TROUBLES = ("skew", "rotate", "noise", "stamp", "borders", "blur", "jpeg", "lighting", "faint", "lowres")
DAMAGE = ("fold", "curl", "streaks", "watermark", "stains")  # tests/damage.py's
# The first 24 letters are drawn as they were before DAMAGE came, so that earlier measurements (issue 11) still
# describe them; the letters after those lead with one of DAMAGE and may add any trouble.
FIRST_SET = 24


def fonts() -> list[str]:
    """Regular text fonts found on this machine (DejaVu always; Liberation and FreeFont when installed)."""
    found = []
    for pattern in ("/usr/share/fonts/truetype/dejavu/DejaVu{Serif,Sans,SansMono,SerifCondensed}.ttf",
                    "/usr/share/fonts/truetype/liberation*/Liberation{Serif,Sans,Mono}-Regular.ttf",
                    "/usr/share/fonts/truetype/freefont/Free{Serif,Sans}.ttf"):
        head, _, rest = pattern.partition("{")
        names, _, tail = rest.partition("}")
        for name in names.split(","):
            found.extend(sorted(glob.glob(head + name + tail)))
    return found


def render_set(folder: Path, count: int = 36, seed: int = 0) -> list[tuple[Path, str]]:
    """Write `count` degraded letters into `folder`; return (image path, ground truth) pairs."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    faces = fonts()
    pages = []
    for index in range(count):
        text = TEXTS[index % len(TEXTS)]
        face = faces[index % len(faces)]
        if index < FIRST_SET:
            troubles = [TROUBLES[index % len(TROUBLES)]] + rng.sample(TROUBLES, rng.choice((0, 1, 2)))
        else:
            lead = DAMAGE[(index - FIRST_SET) % len(DAMAGE)]
            troubles = [lead] + rng.sample(TROUBLES + DAMAGE, rng.choice((0, 1, 2)))
        image, truth = _letter(text, face, rng.choice((44, 48, 52)))
        image, dpi, as_jpeg = _degrade(image, set(troubles), rng)
        name = f"carta-{index:02d}-{'-'.join(dict.fromkeys(troubles))}.{'jpg' if as_jpeg else 'png'}"
        path = folder / name
        if as_jpeg:
            image.save(path, "JPEG", quality=rng.choice((25, 35)), dpi=(dpi, dpi))
        else:
            image.save(path, dpi=(dpi, dpi))
        pages.append((path, truth))
    return pages


def _letter(text: str, face: str, size: int) -> tuple[Image.Image, str]:
    page = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(face, size)
    width = int(2040 / (font.getlength("abcdefghij") / 10))
    lines = []
    for paragraph in text.split("\n"):
        lines.extend(textwrap.wrap(paragraph, width=width) or [""])
    y = 260
    for line in lines:
        draw.text((220, y), line, font=font, fill=0)
        y += int(size * 1.55)
    return page, "\n".join(lines)


def _degrade(page: Image.Image, troubles: set[str], rng: random.Random) -> tuple[Image.Image, int, bool]:
    dpi = 300
    image = page.convert("RGB")
    if "faint" in troubles:
        image = Image.eval(image, lambda v: 255 - int((255 - v) * 0.38))
    image = _office_damage(image, troubles, rng)
    if "stamp" in troubles:
        image = _stamp(image, rng)
    if "lighting" in troubles:
        image = _shadow(image, rng)
    if "skew" in troubles:
        image = image.rotate(rng.choice((-1, 1)) * rng.uniform(0.8, 6.0), resample=Image.BICUBIC, expand=True,
                             fillcolor=(255, 255, 255))
    if "borders" in troubles:
        image = _on_scanner_bed(image, rng)
    if "blur" in troubles:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(1.2, 2.0)))
    if "noise" in troubles:
        image = _noise(image, rng)
    if "rotate" in troubles:
        image = image.rotate(rng.choice((90, 180, 270)), expand=True)
    if "lowres" in troubles:
        dpi = rng.choice((150, 200))
        image = image.resize((image.width * dpi // 300, image.height * dpi // 300), Image.BILINEAR)
    colour = "stamp" in troubles or rng.random() < 0.3
    return (image if colour else image.convert("L")), dpi, "jpeg" in troubles


def _office_damage(image: Image.Image, troubles: set[str], rng: random.Random) -> Image.Image:
    """tests/damage.py's troubles: marks on the paper first (the watermark and stains look for the print to fall on,
    which a drum's specks would hide), then the sheet's handling."""
    if not troubles.intersection(DAMAGE):
        return image  # without a draw from rng: the first letters come out as they did before DAMAGE
    seed = rng.randint(0, 2**31)
    if "watermark" in troubles:
        image = damage.watermark(image, grey=rng.choice((80, 120, 150, 180)), angle=rng.uniform(-35, 35),
                                 size=rng.randint(260, 380), seed=seed)
    if "stains" in troubles:
        image = damage.stains(image, count=rng.randint(1, 4), darkness=rng.uniform(0.25, 0.5), seed=seed)
    if "streaks" in troubles:
        image = damage.drum_streaks(image, rng.choice(("vertical", "horizontal")), bands=rng.randint(3, 8),
                                    density=rng.uniform(0.15, 0.5), seed=seed)
    if "fold" in troubles:
        image = damage.fold(image, position=rng.uniform(0.3, 0.7), depth=rng.uniform(20, 70),
                            shade=rng.uniform(0.3, 0.6), seed=seed,
                            direction=rng.choice(("vertical", "vertical", "horizontal")))
    if "curl" in troubles:
        image = damage.curl(image, edge=rng.choice(("right", "left", "bottom")), extent=rng.uniform(0.2, 0.4),
                            depth=rng.uniform(30, 100), darkness=rng.uniform(0.35, 0.6), seed=seed)
    return image


def _stamp(image: Image.Image, rng: random.Random) -> Image.Image:
    """A rubber stamp: ink multiplies with what is under it, as on paper, so text below stays dark."""
    layer = Image.new("RGB", image.size, (255, 255, 255))
    draw = ImageDraw.Draw(layer)
    colour = rng.choice(((200, 40, 55), (150, 60, 175), (195, 35, 100)))
    cx, cy, radius = rng.randint(700, 1800), rng.randint(420, 820), rng.randint(220, 320)  # over the text
    for r in range(radius - 18, radius):
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=colour)
    face = fonts()[1]
    draw.text((cx - radius + 60, cy - 30), "RECIBIDO SEDESSON", font=ImageFont.truetype(face, 54), fill=colour)
    draw.text((cx - 150, cy + 40), "ATENCIÓN CIUDADANA", font=ImageFont.truetype(face, 34), fill=colour)
    return ImageChops.multiply(image, layer)


def _shadow(image: Image.Image, rng: random.Random) -> Image.Image:
    pixels = np.asarray(image).astype(np.float32)
    height, width = pixels.shape[:2]
    ramp = np.linspace(rng.uniform(0.45, 0.6), 1.0, width, dtype=np.float32)
    if rng.random() < 0.5:
        ramp = ramp[::-1]
    return Image.fromarray((pixels * ramp[None, :, None]).clip(0, 255).astype(np.uint8))


def _on_scanner_bed(image: Image.Image, rng: random.Random) -> Image.Image:
    margin = (rng.randint(60, 180), rng.randint(40, 140), rng.randint(60, 180), rng.randint(80, 200))
    bed = Image.new("RGB", (image.width + margin[0] + margin[2], image.height + margin[1] + margin[3]),
                    (rng.randint(15, 45),) * 3)
    bed.paste(image, (margin[0], margin[1]))
    return bed


def _noise(image: Image.Image, rng: random.Random) -> Image.Image:
    generator = np.random.default_rng(rng.randint(0, 2**31))
    pixels = np.asarray(image).astype(np.int16)
    pixels = pixels + generator.normal(0, 18, pixels.shape[:2])[..., None].astype(np.int16)
    specks = generator.random(pixels.shape[:2])
    pixels[specks < 0.004] = 0
    pixels[specks > 0.996] = 255
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))


if __name__ == "__main__":
    import sys

    for path, _ in render_set(Path(sys.argv[1] if len(sys.argv) > 1 else "cartas")):
        print(path)
