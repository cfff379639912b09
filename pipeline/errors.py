"""The shared base of every typed error: a stable machine code (stored, used in tests and metrics) and a Spanish
message for staff; and the two kinds every part refuses with. Each error lives with the part that raises it:
intake rejections in watch_folders/errors.py, recognition in ocr/errors.py, the classifier in
classifiers/errors.py, review and mail in review/errors.py and review/notify/errors.py."""

from __future__ import annotations


class PeticionesError(Exception):
    """Base error. `code` is stored and used in tests and metrics; `user_message` is shown to staff."""

    code = "error"
    user_message = "Ocurrió un error inesperado; avise al administrador."
    http_status = 500  # what the web app and the API answer with

    def __init__(self, detail: str = "", *, user_message: str | None = None):
        super().__init__(detail or self.code)
        self.detail = detail
        if user_message:
            self.user_message = user_message


class RejectedInput(PeticionesError):
    """The file itself is unusable: it goes to quarantine, retrying cannot help."""

    http_status = 422  # what the API answers when a file sent to it is refused (POST /api/v1/documents)


class ReviewError(PeticionesError):
    """A reviewer's or client's request that cannot be carried out as asked; nothing was changed."""
