"""Why a file is refused on intake (it goes to quarantine with its code and Spanish reason), raised where the
file is looked at: watch_folders/ as it arrives, ocr/rasterize.py as it is opened; and why one waits in the inbox."""

from __future__ import annotations

from pipeline.errors import PeticionesError, RejectedInput


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


# An e-mail (.eml) that cannot be a petition (watch_folders/mail.py): the whole message goes to quarantine.


class MalformedMail(RejectedInput):
    code = "malformed_mail"
    user_message = ("El correo está mal formado (su estructura MIME no se puede leer). Ábralo en cuarentena con un "
                    "programa de correo y capture la petición a mano si corresponde.")


class UnknownCharset(RejectedInput):
    code = "unknown_charset"
    user_message = ("El correo usa una codificación de caracteres que no se reconoce. Ábralo en cuarentena con un "
                    "programa de correo y capture la petición a mano si corresponde.")


class EmptyMail(RejectedInput):
    code = "empty_mail"
    user_message = "El correo no trae texto ni archivos adjuntos: no hay petición que leer."


class AttachmentRefused(RejectedInput):
    code = "attachment_refused"
    user_message = ("El correo trae un archivo adjunto que no se abre por seguridad o que no es una página (un "
                    "archivo comprimido, un programa u otro formato). Revise el correo en cuarentena y, si trae "
                    "una petición, pida al ciudadano que la envíe en PDF o como foto.")


class MailTooLarge(RejectedInput):
    code = "mail_too_large"
    user_message = ("El correo o alguno de sus adjuntos pasa del tamaño permitido. Revíselo en cuarentena y pida al "
                    "ciudadano que lo envíe en partes.")
