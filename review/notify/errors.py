"""Why an e-mail was not sent: the stable code of an SMTP failure. The message stays pending and is retried."""

from __future__ import annotations

from pipeline.errors import PeticionesError


class MailFailed(PeticionesError):
    """A turno's e-mail to one directorate was not accepted by the SMTP server; it stays pending and is retried."""

    code = "mail_failed"
    user_message = "El turno quedó registrado y en salida/, pero el correo a la dirección no se envió. Se reintentará; si persiste, avise al administrador."


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
