"""Why a reviewer's or client's request was refused (nothing was changed), and why a slip could not be made.
The web layer answers each with its status (review/web/statuses.py)."""

from __future__ import annotations

from pipeline.errors import PeticionesError, ReviewError


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


class InvalidInput(ReviewError):
    code = "invalid_input"
    http_status = 422
    user_message = "Revise los datos del formulario."


class InvalidCurp(InvalidInput):
    """A CURP that is not sound, routed without the reviewer's second confirmation."""

    code = "invalid_curp"
    user_message = ("La CURP no es válida. Corríjala, o marque «Turnar con esta CURP no válida» y confirme de "
                    "nuevo.")


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


class SlipFontMissing(PeticionesError):
    code = "slip_font_missing"
    user_message = "Falta la fuente DejaVu para el volante de turno (paquete fonts-dejavu-core). Avise al administrador."
