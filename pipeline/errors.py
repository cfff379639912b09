"""Typed errors: a stable machine code, a Spanish message for staff, and whether retrying can help."""

from __future__ import annotations


class PeticionesError(Exception):
    """Base error. `code` is stored and used in tests and metrics; `user_message` is shown to staff."""

    code = "error"
    user_message = "Ocurrió un error inesperado; avise al administrador."
    retryable = False
    http_status = 500  # what the web app and the API answer with

    def __init__(self, detail: str = "", *, user_message: str | None = None):
        super().__init__(detail or self.code)
        self.detail = detail
        if user_message:
            self.user_message = user_message


class RejectedInput(PeticionesError):
    """The file itself is unusable: it goes to quarantine, retrying cannot help."""

    http_status = 422  # what the API answers when a file sent to it is refused (POST /api/v1/documents)


class EmptyFile(RejectedInput):
    code = "empty_file"
    user_message = "El archivo está vacío (0 bytes). Vuelva a escanear el documento."


class UnsupportedType(RejectedInput):
    code = "unsupported_type"
    http_status = 415
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


class PageSizeAbsurd(RejectedInput):
    """A page no sheet of paper has: a side of a few pixels, a strip, a box far beyond what a PDF may declare."""

    code = "absurd_page_size"
    advice = ("Abra el archivo original para ver qué contiene y, si es una petición, vuelva a escanearla a tamaño "
              "carta u oficio, a 300 dpi.")
    user_message = ("Una página tiene un tamaño o unas proporciones imposibles para una hoja (por ejemplo, una tira "
                    "de un píxel de ancho o una página de varios metros). " + advice)

    def __init__(self, number: int, size: str):
        super().__init__(f"página {number}: {size}",
                         user_message=f"La página {number} mide {size}: no es el tamaño de una hoja. {self.advice}")
        self.number, self.size = number, size

    def __reduce__(self):  # pickling would call __init__ with the detail alone
        return type(self), (self.number, self.size)


class LinkRefused(RejectedInput):
    code = "link_refused"
    user_message = "Se recibió un enlace (acceso directo o enlace duro) en lugar de un archivo. Copie el archivo real a la carpeta."


class NotARegularFile(RejectedInput):
    """A FIFO, socket or device node: it has no bytes of its own, and opening one can wait for ever."""

    code = "not_a_regular_file"
    user_message = ("Lo que se dejó en la carpeta de entrada no es un archivo (es una tubería, un socket o un "
                    "dispositivo) y no tiene contenido que guardar. Copie a la carpeta el documento escaneado.")


class UnreadableFile(RejectedInput):
    code = "unreadable_file"
    user_message = ("El servicio no tiene permiso para leer el archivo. Dé permiso de lectura al archivo (o pida "
                    "ayuda al administrador) y vuelva a copiarlo a la carpeta de entrada.")


class BadFileName(RejectedInput):
    code = "bad_file_name"
    user_message = ("El nombre del archivo no es texto legible (viene de un equipo con otra codificación de "
                    "caracteres). Cámbiele el nombre al archivo guardado en cuarentena y cópielo de nuevo a la "
                    "carpeta de entrada.")


class ArchiveFull(PeticionesError):
    """The disk under archivo/ has no room for the original: it waits whole in the inbox, nothing is blamed on it."""

    code = "low_disk_space"
    user_message = ("No hay espacio en el disco de archivo/ para guardar el original. El archivo espera intacto en "
                    "la carpeta de entrada y se tomará solo en cuanto haya espacio; avise al administrador.")
    retryable = True
    http_status = 503  # the API's sender may try again later


class OcrTimeout(PeticionesError):
    code = "ocr_timeout"
    user_message = "El reconocimiento de texto de una página tardó demasiado. Lea la página en la imagen y transcríbala."
    retryable = True


class OcrFailed(PeticionesError):
    code = "ocr_failed"
    user_message = "Falló el reconocimiento de texto de una página. Lea la página en la imagen y transcríbala."
    retryable = True


class OcrUnavailable(PeticionesError):
    """Tesseract or its language data is missing on this machine: no page is at fault, so none is marked."""

    code = "ocr_unavailable"
    user_message = ("Este equipo no tiene el reconocimiento de texto (Tesseract) o su idioma instalado. Avise al "
                    "administrador; la petición se leerá de nuevo cuando esté instalado.")
    retryable = True


class PdfJoinFailed(PeticionesError):
    code = "pdf_join_failed"
    user_message = "No se pudo armar el PDF completo del documento a partir de sus páginas. Se reintentará; si persiste, avise al administrador."
    retryable = True


class ModelMissing(PeticionesError):
    code = "model_missing"
    user_message = "No se encontró el modelo de clasificación. Avise al administrador."
    retryable = True


# Review, routing and the web app (issue 5). The web layer maps each class to an HTTP status (review/web/app.py).


class ReviewError(PeticionesError):
    """A reviewer's or client's request that cannot be carried out as asked; nothing was changed."""


class NotAuthenticated(ReviewError):
    code = "not_authenticated"
    http_status = 401
    user_message = "Inicie sesión para continuar."


class Forbidden(ReviewError):
    code = "forbidden"
    http_status = 403
    user_message = "Su perfil no permite esta acción. Si la necesita, pídala al administrador."


class TooManyAttempts(ReviewError):
    code = "too_many_attempts"
    http_status = 429
    user_message = "Demasiados intentos fallidos. Espere unos minutos antes de volver a intentar."


class CsrfRefused(ReviewError):
    code = "csrf_refused"
    http_status = 403
    user_message = "El formulario caducó o no vino de esta aplicación. Recargue la página y vuelva a intentarlo."


class DocumentNotFound(ReviewError):
    code = "document_not_found"
    http_status = 404
    user_message = "No existe ese documento, o no está a su alcance."


class StaleVersion(ReviewError):
    code = "stale_version"
    http_status = 409
    user_message = "Otra persona cambió este documento mientras usted lo revisaba. Recárguelo y revise de nuevo."


class NotReviewable(ReviewError):
    code = "not_reviewable"
    http_status = 409
    user_message = "Este documento ya no está en la cola de revisión (ya se turnó o se descartó)."


class UnknownProgram(ReviewError):
    code = "unknown_program"
    http_status = 422
    user_message = "El programa no está en el catálogo. Elija uno de la lista."


class UnknownDirectorate(ReviewError):
    code = "unknown_directorate"
    http_status = 422
    user_message = "La dirección no está en el catálogo. Elija una de la lista."


class UserExists(ReviewError):
    code = "user_exists"
    http_status = 409
    user_message = "Ya existe un usuario con ese nombre."


class UnknownUser(ReviewError):
    code = "unknown_user"
    http_status = 422
    user_message = "No existe ese usuario o está dado de baja."


class InvalidInput(ReviewError):
    code = "invalid_input"
    http_status = 422
    user_message = "Revise los datos del formulario."


class MalformedBody(ReviewError):
    """A request body that cannot be read as what it says it is (JSON, multipart form)."""

    code = "malformed_body"
    http_status = 400
    user_message = "El cuerpo de la solicitud no es JSON válido (un objeto con «text»)."


class UnsupportedBody(ReviewError):
    code = "unsupported_body"
    http_status = 415
    user_message = ("Envíe la petición como JSON (application/json) o los archivos como formulario "
                    "(multipart/form-data, campo «file»).")


class BodyTooLarge(ReviewError):
    code = "body_too_large"
    http_status = 413
    user_message = "El envío pasa del tamaño máximo permitido. Envíe menos archivos o archivos más pequeños."


class TooManyFiles(ReviewError):
    code = "too_many_files"
    http_status = 413
    user_message = "El envío trae más archivos de los permitidos para un documento. Divídalo en varios envíos."


class TextTooLong(ReviewError):
    code = "text_too_long"
    http_status = 413
    user_message = "El texto de la petición pasa del largo máximo permitido. Envíelo como archivo PDF."


class UnknownChannel(ReviewError):
    code = "unknown_channel"
    http_status = 422
    user_message = "Ese medio de recepción no existe. Use uno de los medios de recepción de la oficina."


class DeliveryFailed(PeticionesError):
    code = "delivery_failed"
    user_message = "El turno quedó registrado pero no se pudo copiar a salida/. Se reintentará; si persiste, avise al administrador."
    retryable = True


class SlipFontMissing(PeticionesError):
    code = "slip_font_missing"
    user_message = "Falta la fuente DejaVu para el volante de turno (paquete fonts-dejavu-core). Avise al administrador."


class MailFailed(PeticionesError):
    """A turno's e-mail to one directorate was not accepted by the SMTP server; it stays pending and is retried."""

    code = "mail_failed"
    user_message = "El turno quedó registrado y en salida/, pero el correo a la dirección no se envió. Se reintentará; si persiste, avise al administrador."
    retryable = True


class MailUnreachable(MailFailed):
    code = "mail_unreachable"
    user_message = "No se pudo conectar con el servidor de correo. El correo del turno queda pendiente y se reintentará."


class MailTimeout(MailFailed):
    code = "mail_timeout"
    user_message = "El servidor de correo no respondió a tiempo. El correo del turno queda pendiente y se reintentará."


class MailRefused(MailFailed):
    code = "mail_refused"
    user_message = "El servidor de correo rechazó el mensaje (revise el correo de la dirección en el catálogo). Queda pendiente y se reintentará."


class MailAuthFailed(MailFailed):
    code = "mail_auth_failed"
    user_message = "El servidor de correo no aceptó el usuario o la contraseña (PETICIONES_SMTP_USER, PETICIONES_SMTP_PASSWORD). Avise al administrador."


class MailTlsFailed(MailFailed):
    code = "mail_tls_failed"
    user_message = "No se pudo cifrar la conexión con el servidor de correo (STARTTLS). Avise al administrador."
