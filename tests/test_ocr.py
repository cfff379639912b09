"""Real Tesseract on rendered pages: upright text whatever the scan's rotation and skew; blanks, stamps, borders,
failed pages and long documents handled."""

from __future__ import annotations

import sys
import tracemalloc

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageDraw

from ocr import orientation, pdf_pages, rasterize
from ocr.cleanup import survey, tone
from ocr.document import PagePool, read_document
from ocr.page import PageImage, SourceInfo
from ocr.reader import OcrOptions, read_page
from watch_folders.errors import CorruptFile
from tests.pages import LETTERS, dotted_form, render_page, save_pdf, small_page

OPTIONS = OcrOptions("spa", 60)
# Words with descenders and without ascenders, accents or capitals: written over dots, they look upside down.
DESCENDERS = ("pongo mayo guerra y queso para reyes agua campo ropa carne yegua grupo ayer cargo sopa mango "
              "perros seguro ayuda comer agua gorra mar pera pagar suegro negro mayor pozo coser mesa vaca")


def page(image, number=1) -> PageImage:
    pixels = np.asarray(image.convert("RGB"))[..., ::-1] if image.mode == "RGB" else np.asarray(image.convert("L"))
    return PageImage(number, np.ascontiguousarray(pixels), 300)


@pytest.mark.parametrize("rotate, skew", [(0, 0), (90, 0), (180, 0), (270, 0), (0, 4.0), (90, -3.0), (180, 2.0),
                                          (270, -2.5)])
def test_rotated_and_skewed_pages_come_out_upright(rotate, skew):
    result = read_page(page(render_page(LETTERS[1], rotate=rotate, skew=skew)), OPTIONS)
    assert result.rotation == (360 - rotate) % 360
    assert result.skew == pytest.approx(skew, abs=0.3)
    assert "agua potable" in result.text and "Navojoa" in result.text
    assert result.confidence > 80 and not result.blank and not result.needs_transcription
    assert result.error_code is None


def counted_readings(fake_tesseract, tmp_path):
    """A file with a line per time Tesseract reads an image (not `--list-langs`, asked once a process when the
    word list is first read: by whichever test comes first)."""
    runs = tmp_path / "runs"
    fake_tesseract(f'case "$1" in --*) ;; *) echo run >> "{runs}";; esac; exec /usr/bin/tesseract "$@"')
    return runs


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_a_turned_page_is_turned_before_it_is_read_so_tesseract_runs_once(rotate, fake_tesseract, tmp_path):
    runs = counted_readings(fake_tesseract, tmp_path)
    result = read_page(page(render_page(LETTERS[0], rotate=rotate)), OPTIONS)
    assert result.rotation == (360 - rotate) % 360 and "silla de ruedas" in result.text
    assert runs.read_text().count("run") == 1, "no reading of the page the wrong way up, no orientation pass"


def test_a_page_read_surely_without_a_word_of_the_dictionary_is_not_searched_sideways(fake_tesseract, tmp_path):
    # One word no dictionary holds (a misread "ATENTAMENTE"), read at a confidence no page the wrong way gave: the
    # page is read flipped once, as every doubtful page, but its sideways layouts are not sampled.
    runs = counted_readings(fake_tesseract, tmp_path)
    result = read_page(page(render_page("MENTAMENTE")), OPTIONS)
    assert result.rotation == 0 and "MENTAMENTE" in result.text and result.confidence >= orientation.SURE
    assert runs.read_text().count("run") == 2, "the page and its flip, no sideways samples"


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_pages_that_fool_the_upside_down_cue_still_come_out_upright(rotate):
    # Upright or sideways-upright, the dots under the lines make the cue call the page upside down: the page is
    # read as it came as well. Upside down, the cue is unsure: Tesseract's orientation detector decides.
    scan = np.asarray(dotted_form(DESCENDERS, rotate=rotate))
    cue = survey.survey(scan)
    turn, skew = survey.text_lines(cue)
    assert survey.upside_down(cue, turn, skew) == (rotate in (0, 90))
    result = read_page(PageImage(1, scan, 300), OPTIONS)
    assert result.rotation == (360 - rotate) % 360
    assert "guerra" in result.text and "suegro" in result.text


def test_a_blank_page_is_detected_and_not_read():
    speckled = np.full((3508, 2480), 250, np.uint8)
    rng = np.random.default_rng(0)
    speckled[rng.integers(0, 3508, 300), rng.integers(0, 2480, 300)] = 60  # dust
    speckled[:, :40] = 30  # dark scanner edge
    result = read_page(PageImage(2, speckled, 300), OPTIONS)
    assert result.blank and result.text == "" and result.confidence is None and not result.needs_transcription


def test_a_page_with_one_line_is_not_blank():
    assert not survey.is_blank(survey.survey(np.asarray(render_page("Una sola línea.").convert("L"))))


def test_a_red_stamp_over_the_text_is_faded_and_the_text_read():
    text = render_page(LETTERS[0]).convert("RGB")
    stamp = Image.new("RGB", text.size, "white")
    draw = ImageDraw.Draw(stamp)
    for radius in range(300, 330):  # a thick red ring crossing several lines
        draw.ellipse((900 - radius, 600 - radius, 900 + radius, 600 + radius), outline=(200, 30, 40))
    draw.text((700, 560), "RECIBIDO SEDESSON", fill=(200, 30, 40))
    letter = ImageChops.multiply(text, stamp)  # stamp ink is translucent: the print under it stays dark
    gray = tone.to_gray(page(letter).pixels)
    assert gray[600 - 315, 900] > 200, "the ring should be as light as the paper"
    result = read_page(page(letter), OPTIONS)
    assert "silla de ruedas" in result.text and "Atentamente" in result.text


def test_blue_ink_is_kept_because_pens_write_in_blue():
    letter = Image.new("RGB", (2480, 3508), "white")
    ImageDraw.Draw(letter).rectangle((300, 300, 900, 330), fill=(30, 40, 170))
    gray = tone.to_gray(page(letter).pixels)
    assert gray[315, 600] < 90


def test_a_scan_with_dark_scanner_borders_is_read():
    scan = np.asarray(render_page(LETTERS[2]).convert("L")).copy()
    scan[:, :150] = 20  # the scanner lid beside the paper
    scan[-120:, :] = 35
    result = read_page(PageImage(1, scan, 300), OPTIONS)
    assert "Ciudad Obregón" in result.text and not result.blank


def test_a_png_damaged_inside_its_pixel_data_is_refused_before_any_page_is_read(tmp_path):
    # Inspection checks a PNG's chunk checksums instead of decoding it: a flipped byte must still be caught there.
    path = tmp_path / "dañada.png"
    render_page(LETTERS[0]).save(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptFile):
        rasterize.inspect(path, 10, 10**8)


def test_a_hanging_tesseract_becomes_a_recorded_page_failure(fake_tesseract):
    fake_tesseract("sleep 30")
    result = read_page(page(render_page(LETTERS[0])), OcrOptions("spa", 1.0, pdf=True))
    assert result.error_code == "ocr_timeout" and result.error
    assert result.needs_transcription and result.text == ""
    assert result.pdf.startswith(b"%PDF"), "the page image still goes into the document's PDF"


def test_a_failed_page_does_not_stop_the_rest_of_the_document(tmp_path, fake_tesseract):
    # Page 2 is a full A4 page, the others half pages: the fake tesseract hangs only on the widest writing (page
    # 2's lines are 1864 px long as read, the others' about 1050).
    pdf = save_pdf(tmp_path / "tres.pdf", [small_page(LETTERS[0]), render_page(LETTERS[1]), small_page(LETTERS[2])])
    info = rasterize.inspect(pdf, 10, 10**8)
    wide = f'"{sys.executable}" -c "import sys; from PIL import Image; sys.exit(Image.open(sys.argv[1]).width < 1500)"'
    fake_tesseract(wide + ' "$1" && sleep 30; exec /usr/bin/tesseract "$@"')
    pool = PagePool(2)
    try:
        pages = list(read_document(pdf, info, OcrOptions("spa", 5.0), pool, dpi=150, max_pixels=10**8))
    finally:
        pool.close()
    assert [p.number for p in pages] == [1, 2, 3]
    assert pages[1].error_code == "ocr_timeout" and pages[1].needs_transcription and pages[1].text == ""
    assert "silla de ruedas" in pages[0].text and "Ciudad Obregón" in pages[2].text
    assert pages[0].error_code is None and pages[2].error_code is None


def test_memory_stays_flat_across_a_long_pdf(tmp_path):
    """Peak Python-visible memory (numpy included) reading 40 pages is about that of reading 10 (a page kept would
    make it four times as much). Not 4 pages: the peak is when both workers' cleanups are at their largest at once,
    which 4 pages may never reach; on a loaded machine 40 pages then peaked 1.55 times as high."""

    def peak(pages: int) -> int:
        pdf = save_pdf(tmp_path / f"{pages}.pdf", [small_page(LETTERS[i % 3]) for i in range(pages)])
        info = rasterize.inspect(pdf, 500, 10**8)
        pool = PagePool(2)
        tracemalloc.start()
        try:
            count = sum(1 for _ in read_document(pdf, info, OcrOptions("spa", 60), pool, dpi=150, max_pixels=10**8))
            return tracemalloc.get_traced_memory()[1] if count == pages else -1
        finally:
            tracemalloc.stop()
            pool.close()

    short, long = peak(10), peak(40)
    assert short > 0 and long > 0
    assert long < 1.5 * short, (short, long)


def test_a_pdf_with_a_good_text_layer_is_not_ocrd(tmp_path):
    source = tmp_path / "texto.pdf"
    _text_pdf(source, LETTERS[0])
    info = rasterize.inspect(source, 10, 10**8)
    pool = PagePool(1)
    try:
        [result] = read_document(source, info, OcrOptions("spa", 60, pdf=True), pool, dpi=150, max_pixels=10**8)
    finally:
        pool.close()
    assert result.source == "text_layer" and "silla de ruedas" in result.text
    assert result.pdf.startswith(b"%PDF")


def test_a_cropped_page_s_text_layer_is_what_its_crop_box_shows(tmp_path):
    hidden, shown = "Texto oculto por el recorte de la pagina", "Solicito una silla de ruedas para mi madre"
    source = tmp_path / "recortado.pdf"
    _text_pdf(source, hidden, page_keys="/CropBox [0 0 595 400]", below=shown)  # PDF boxes count from the bottom
    [text] = pdf_pages.text_layers(source)
    assert shown in text and "oculto" not in text
    _text_pdf(source, hidden, page_keys="/CropBox [0 0 595 400] /Rotate 90", below=shown)
    assert pdf_pages.text_layers(source) == [""]  # turned and cropped: left to OCR, which reads the crop as shown
    _text_pdf(source, hidden, below=shown)
    [text] = pdf_pages.text_layers(source)
    assert shown in text and hidden in text  # nothing cropped: all of it


def _text_pdf(path, text: str, page_keys: str = "", below: str = "") -> None:
    """A born-digital PDF: real text drawn with a standard font, as a word processor would export it (and `below`
    near the page's foot)."""
    import textwrap

    lines = textwrap.wrap(text, 80)
    content = "BT /F1 11 Tf 60 780 Td 14 TL " + " ".join(
        f"({line.encode('latin-1', 'replace').decode('latin-1')}) Tj T*" for line in lines) + " ET"
    if below:
        content += f" BT /F1 11 Tf 60 100 Td ({below}) Tj ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] {page_keys} /Contents 4 0 R"
        " /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content.encode('latin-1'))} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    body += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(body)
