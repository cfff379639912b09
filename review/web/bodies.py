"""Request bodies, bounded at the boundary: `BodyLimit` (ASGI middleware) caps every route's body, counting the
bytes as they arrive (the declared Content-Length is checked first, a chunked body is counted); forms are read with
limits on fields, parts and files; POST /api/v1/documents reads its larger body here too (files streamed to disk).
Refusals are typed (413 body_too_large, 400 malformed_body)."""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.responses import HTMLResponse, JSONResponse

from review.errors import BodyTooLarge, InvalidInput, MalformedBody, TooManyFiles, UnknownChannel, UnsupportedBody
from review.turnos.reception import DEFAULT_CHANNEL, Upload

CHUNK = 1 << 20
_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")
# A staff form: the decision form has a few dozen fields; a typed page or an answer is a few KB of text.
FORM_FIELDS = 200
FORM_PART_BYTES = 256 * 1024
FORM_MARGIN = 1 << 20  # room for the other fields and the multipart framing beside an uploaded file


def larger_routes(settings) -> list[tuple[str, re.Pattern, int]]:
    """The routes whose bodies may pass the general limit (method, path, limit): the API's intake, the photos of a
    jornada, and the answer form with its PDF."""
    from review.turnos.followup import MAX_ANSWER_BYTES

    return [("POST", re.compile(r"/api/v1/documents"), settings.api_max_body_bytes),
            ("POST", re.compile(r"/captura/fotos"), settings.api_max_body_bytes),
            ("POST", re.compile(r"/documentos/\d+/respuesta"), MAX_ANSWER_BYTES + FORM_MARGIN)]


class BodyLimit:
    """ASGI middleware bounding every request body: a declared Content-Length over the limit is refused before a byte
    is read; otherwise the bytes are counted as the app reads them and the read that passes the limit raises
    BodyTooLarge. Whatever the app then answers (its own error page, or a 400 from a parser that swallowed the
    error), the client gets the 413."""

    def __init__(self, app, limit: int, larger: list[tuple[str, re.Pattern, int]] = ()):
        self.app, self.limit, self.larger = app, limit, list(larger)

    def limit_for(self, method: str, path: str) -> int:
        for wanted, pattern, limit in self.larger:
            if method == wanted and pattern.fullmatch(path):
                return limit
        return self.limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        declared = dict(scope["headers"]).get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > limit:
            await _refusal(scope, _too_large(int(declared), limit))(scope, receive, send)
            return
        read, refused, started = 0, None, False

        async def counted():
            nonlocal read, refused
            if refused is not None:
                raise refused
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > limit:  # at most one chunk too many in memory
                    refused = _too_large(read, limit)
                    raise refused
            return message

        async def watched(message):
            nonlocal started
            if refused is not None and not started:
                return  # the app's own answer to the refusal is replaced by the 413 below
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started or refused is None:
                raise
        if refused is not None and not started:
            await _refusal(scope, refused)(scope, receive, send)


def _refusal(scope, error: BodyTooLarge):
    """The 413: JSON in the API's shape under /api/, a short Spanish page elsewhere."""
    if scope["path"].startswith("/api/"):
        return JSONResponse({"detail": {"code": error.code, "message": error.user_message}},
                            status_code=error.http_status)
    return HTMLResponse(f'<!doctype html><html lang="es"><meta charset="utf-8"><title>Envío demasiado grande</title>'
                        f"<p>{error.user_message}</p><p><a href=\"/\">Volver al inicio</a></p></html>",
                        status_code=error.http_status, headers={"Connection": "close"})


async def form(request: Request, *, max_files: int = 1) -> FormData:
    """A staff form read with limits: at most FORM_FIELDS fields of FORM_PART_BYTES each and `max_files` files (the
    body as a whole is bounded by BodyLimit)."""
    try:
        return await request.form(max_files=max_files, max_fields=FORM_FIELDS, max_part_size=FORM_PART_BYTES)
    except HTTPException as error:  # Starlette's answer to a form past these limits or badly framed
        raise MalformedBody(error.detail, user_message="El formulario no se pudo leer: trae demasiados campos, un "
                                                       "campo demasiado largo o está mal armado.") from error


def upload_bytes(upload: UploadFile, limit: int) -> bytes:
    """An uploaded file's bytes, read in chunks and never more than `limit` + 1 (the caller refuses a longer one)."""
    parts, size = [], 0
    while size <= limit and (chunk := upload.file.read(min(CHUNK, limit + 1 - size))):
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def kind(request: Request) -> str:
    """"json" or "files" by the request's Content-Type; anything else is 415."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json":
        return "json"
    if media_type == "multipart/form-data":
        return "files"
    raise UnsupportedBody(media_type or "sin Content-Type")


async def _limited(request: Request, limit: int) -> AsyncIterator[bytes]:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)  # before a byte is read
    read = 0
    async for chunk in request.stream():
        read += len(chunk)
        if read > limit:  # a chunked or understated body stops here, with at most one chunk too many in memory
            raise _too_large(read, limit)
        yield chunk


def _too_large(size: int, limit: int) -> BodyTooLarge:
    return BodyTooLarge(f"{size} > {limit} bytes", user_message=f"El envío pasa de {_megabytes(limit)} MB, el máximo "
                                                                "permitido. Envíe menos archivos o más pequeños.")


def _megabytes(size: int) -> str:
    return f"{size / 1048576:.0f}" if size >= 1048576 else f"{size / 1048576:.2f}".rstrip("0")


async def typed(request: Request, limit: int) -> tuple[str, str, dict[str, str]]:
    """A JSON typed petition: (channel, text, petitioner); bad JSON is 400, wrong types are 422."""
    body = b"".join([chunk async for chunk in _limited(request, limit)])
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedBody(str(error)) from error
    if not isinstance(value, dict):
        raise MalformedBody("not an object")
    text, channel = value.get("text"), value.get("channel", DEFAULT_CHANNEL)
    petitioner = value.get("petitioner") or {}
    if not isinstance(text, str):
        raise InvalidInput("text", user_message="Falta el texto de la petición («text»).")
    if not isinstance(channel, str):
        raise UnknownChannel(repr(channel))
    if not isinstance(petitioner, dict) or not all(isinstance(v, str | None) for v in petitioner.values()):
        raise InvalidInput("petitioner", user_message="Los datos del peticionario («petitioner») van como un objeto "
                                                      "{campo: texto}, p. ej. {\"name\": \"María Peña\"}.")
    return channel, text, {str(k): v for k, v in petitioner.items() if v}


async def files(request: Request, limit: int, max_files: int, folder: Path) -> tuple[str, list[Upload]]:
    """The `channel` field and the `file` parts of a multipart form, in order, each written to `folder`."""
    sent, uploads = await form_with_files(request, limit, max_files, folder)
    return sent.get("channel", DEFAULT_CHANNEL), uploads


async def form_with_files(request: Request, limit: int, max_files: int,
                          folder: Path) -> tuple[dict[str, str], list[Upload]]:
    """The text fields and the `file` parts of a multipart form, in order, each file written to `folder`."""
    # Starlette spools each part to a temporary file past 1 MB; the count is checked once the bounded body is read,
    # since its parser tells too many files from a broken form only by its message's text.
    parser = MultiPartParser(request.headers, _limited(request, limit), max_files=float("inf"), max_fields=20,
                             max_part_size=64 * 1024)
    try:
        form = await parser.parse()
    except MultiPartException as error:
        raise MalformedBody(str(error), user_message="El formulario (multipart/form-data) no se pudo leer: revise "
                                                     "cómo se arma el envío.") from error
    try:
        parts = [v for key, v in form.multi_items() if key == "file" and isinstance(v, UploadFile)]
        if len(parts) > max_files:
            raise TooManyFiles(f"{len(parts)} > {max_files}", user_message=f"El envío trae {len(parts)} archivos; "
                               f"un documento admite hasta {max_files}. Divídalo en varios envíos.")
        if not parts:
            raise InvalidInput("no file", user_message="Adjunte al menos un archivo en el campo «file».")
        sent = {key: str(value) for key, value in form.multi_items() if not isinstance(value, UploadFile)}
        uploads = []
        for index, part in enumerate(parts):
            name = _name(part.filename)
            suffix = Path(name).suffix.lower()
            path = folder / f"{index:03d}-{uuid.uuid4().hex[:8]}{suffix if _SUFFIX.fullmatch(suffix) else ''}"
            with open(path, "wb") as out:
                while chunk := await part.read(CHUNK):
                    out.write(chunk)
            uploads.append(Upload(name, path))
        return sent, uploads
    finally:
        await form.close()


def _name(sent: str | None) -> str:
    """The file's name as sent, safe to show and to put in a quarantine file's name: no folders, no control
    characters, at most 120 characters (its extension kept)."""
    name = "".join(c for c in Path(sent or "").name if unicodedata.category(c)[0] != "C").strip()
    if not name or name in (".", ".."):
        return "archivo"
    stem, suffix = Path(name).stem, Path(name).suffix
    return name if len(name) <= 120 else stem[:120 - len(suffix[:10])] + suffix[:10]
