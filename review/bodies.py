"""Request bodies read at the API's boundary for POST /api/v1/documents: never more than a set size (counted as the
bytes arrive, not taken from what the client declares), files streamed to disk, refusals typed."""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from pipeline.errors import BodyTooLarge, InvalidInput, MalformedBody, TooManyFiles, UnsupportedBody, UnknownChannel
from review.reception import DEFAULT_CHANNEL, Upload

CHUNK = 1 << 20
_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")


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
    return BodyTooLarge(f"{size} > {limit} bytes", user_message=f"El envío pasa de {limit / 1048576:.0f} MB, el máximo "
                                                                "permitido. Envíe menos archivos o más pequeños.")


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
        channel = form.get("channel", DEFAULT_CHANNEL)
        uploads = []
        for index, part in enumerate(parts):
            name = _name(part.filename)
            suffix = Path(name).suffix.lower()
            path = folder / f"{index:03d}-{uuid.uuid4().hex[:8]}{suffix if _SUFFIX.fullmatch(suffix) else ''}"
            with open(path, "wb") as out:
                while chunk := await part.read(CHUNK):
                    out.write(chunk)
            uploads.append(Upload(name, path))
        return str(channel), uploads
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
