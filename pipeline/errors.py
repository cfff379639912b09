"""Typed errors: a stable machine code, a Spanish message for staff, and whether retrying can help."""

from __future__ import annotations


class PeticionesError(Exception):
    """Base error. `code` is stored and used in tests and metrics; `user_message` is shown to staff."""

    code = "error"
    user_message = "Ocurrió un error inesperado; avise al administrador."
    retryable = False

    def __init__(self, detail: str = "", *, user_message: str | None = None):
        super().__init__(detail or self.code)
        self.detail = detail
        if user_message:
            self.user_message = user_message


class RejectedInput(PeticionesError):
    """The file itself is unusable: it goes to quarantine, retrying cannot help."""


class EmptyFile(RejectedInput):
    code = "empty_file"
    user_message = "El archivo está vacío (0 bytes). Vuelva a escanear el documento."


class UnsupportedType(RejectedInput):
    code = "unsupported_type"
    user_message = "Tipo de archivo no admitido. Se aceptan PDF, TIFF, JPEG y PNG."


class ContentMismatch(RejectedInput):
    code = "content_mismatch"
    user_message = "El contenido del archivo no corresponde a su extensión (por ejemplo, un texto llamado .pdf). Revise el archivo y vuelva a escanearlo."


class EncryptedPdf(RejectedInput):
    code = "encrypted_pdf"
    user_message = "El PDF está protegido con contraseña. Pida una copia sin contraseña o imprímalo y escanéelo."


class CorruptFile(RejectedInput):
    code = "corrupt_file"
    user_message = "El archivo está dañado o incompleto y no se puede leer. Vuelva a escanear o a copiar el documento."


class TooManyPages(RejectedInput):
    code = "too_many_pages"
    user_message = "El documento tiene más páginas de las permitidas. Divídalo en archivos más pequeños."


class ImageTooLarge(RejectedInput):
    code = "image_too_large"
    user_message = "La imagen es demasiado grande. Escanee a 300 dpi o menos."


class LinkRefused(RejectedInput):
    code = "link_refused"
    user_message = "Se recibió un enlace (acceso directo o enlace duro) en lugar de un archivo. Copie el archivo real a la carpeta."


class OcrTimeout(PeticionesError):
    code = "ocr_timeout"
    user_message = "El reconocimiento de texto de una página tardó demasiado. Lea la página en la imagen y transcríbala."
    retryable = True


class OcrFailed(PeticionesError):
    code = "ocr_failed"
    user_message = "Falló el reconocimiento de texto de una página. Lea la página en la imagen y transcríbala."
    retryable = True


class ModelMissing(PeticionesError):
    code = "model_missing"
    user_message = "No se encontró el modelo de clasificación. Avise al administrador."
    retryable = True
