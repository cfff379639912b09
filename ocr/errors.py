"""Why a page could not be read, or the searchable PDF not made: the page is kept with its code and flagged for
transcription, or the stage is tried again."""

from __future__ import annotations

from pipeline.errors import PeticionesError


class OcrTimeout(PeticionesError):
    code = "ocr_timeout"
    user_message = "El reconocimiento de texto de una página tardó demasiado. Lea la página en la imagen y transcríbala."


class OcrFailed(PeticionesError):
    code = "ocr_failed"
    user_message = "Falló el reconocimiento de texto de una página. Lea la página en la imagen y transcríbala."


class OcrUnavailable(PeticionesError):
    """Tesseract or its language data is missing on this machine: no page is at fault, so none is marked."""

    code = "ocr_unavailable"
    user_message = ("Este equipo no tiene el reconocimiento de texto (Tesseract) o su idioma instalado. Avise al "
                    "administrador; la petición se leerá de nuevo cuando esté instalado.")


class PdfJoinFailed(PeticionesError):
    code = "pdf_join_failed"
    user_message = "No se pudo armar el PDF completo del documento a partir de sus páginas. Se reintentará; si persiste, avise al administrador."


class FontMissing(PeticionesError):
    """The office's TrueType font (PETICIONES_SLIP_FONT) that typed pages are written in is not on this machine."""

    code = "font_missing"
    user_message = ("Falta en el equipo la tipografía con la que se escriben las páginas de texto (por ejemplo, el "
                    "cuerpo de un correo). Avise al administrador: el paquete fonts-dejavu-core la instala; el "
                    "documento se reintentará.")
