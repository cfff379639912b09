"""Documents sent through the API (POST /api/v1/documents), e.g. by the Secretaría's internal system: a typed
petition or one or more files become ONE document. Each file passes the inbox's checks (watch_folders.intake) and
the pipeline's inspection of what it really is (ocr.rasterize.inspect) before anything is stored; a refused file
goes to quarantine with its reason, as from the inbox. The document is then archived and recorded by the inbox's
own take_in (duplicates included) and processed by the same queue task."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from ocr import rasterize, searchable
from ocr.page import SourceInfo
from pipeline.context import Context
from pipeline.errors import RejectedInput
from review.errors import TextTooLong, UnknownChannel
from pipeline.queue import TaskQueue
from review.turnos import capture
from review import labels
from review.roles import Actor, log_access, require
from storage.events import EventKind
from storage.tables import Document, Event, utcnow
from watch_folders import archive
from watch_folders.channels import CHANNELS
from watch_folders.intake import IncomingFile, Intake, check, refuse, take_in

DEFAULT_CHANNEL = "sistema"
VIA = {"via": "api"}  # in the arrival event: the history says the document came through the API
MAX_NOTE = 2000  # characters of a jornada photo's note: a line or two about who handed it in, where


@dataclass(frozen=True)
class Upload:
    """One file of a request: the name it was sent with, and where its bytes wait (with that name's extension)."""

    name: str
    path: Path


@contextmanager
def staging(ctx: Context) -> Iterator[Path]:
    """A folder for one request's files, beside the archive (one file system: quarantine and archive moves are
    renames). What is still in it at the end was not received (its request was refused) and goes."""
    folder = archive.staging_folder(ctx.settings.archive)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def check_channel(channel: str) -> str:
    """The channel if the office has it; else UnknownChannel (422) naming the ones it has."""
    if channel not in CHANNELS:
        known = ", ".join(f"{code} ({labels.channel(code)})" for code in CHANNELS)
        raise UnknownChannel(channel, user_message=f"El medio de recepción «{channel}» no existe. Use uno de: {known}.")
    return channel


def receive_text(ctx: Context, queue: TaskQueue, actor: Actor, channel: str, text: str, petitioner: dict[str, str],
                 folder: Path, extra: dict | None = None) -> Intake:
    """A typed petition: the same PDF the capture page makes, received as a file."""
    require(actor, "receive")
    check_channel(channel)
    if len(text) > ctx.settings.api_max_text_chars:
        raise TextTooLong(f"{len(text)} > {ctx.settings.api_max_text_chars} caracteres",
                          user_message=f"El texto pasa de {ctx.settings.api_max_text_chars:,} caracteres. Envíelo "
                                       "como archivo PDF.")
    now = utcnow()
    name = capture.file_name(now)
    path = folder / name
    path.write_bytes(capture.typed_pdf(ctx, actor, channel, text, petitioner, now))
    return receive_files(ctx, queue, actor, channel, [Upload(name, path)], extra)


def receive_photos(ctx: Context, queue: TaskQueue, actor: Actor, uploads: Sequence[Upload], note: str,
                   sending: str) -> Intake:
    """Photos taken at a jornada as one petition of the channel jornadas, with the clerk's note. `sending` names this
    one sending (the form's own token): sent again after a connection failed, it answers with the document the first
    sending made instead of making a second."""
    require(actor, "receive")
    extra = {"nota": note.strip()[:MAX_NOTE]} if note.strip() else {}
    return sent_once(ctx, actor, sending) or receive_files(ctx, queue, actor, "jornadas", uploads,
                                                           {"envio": sending, **extra})


def sent_once(ctx: Context, actor: Actor, sending: str) -> Intake | None:
    """The document an earlier request of this person with the same sending token made (None: there is none, or
    no token): a client that lost the answer and sends again gets it back instead of a second document."""
    if not sending:
        return None
    with ctx.sessions() as session:
        earlier = session.scalar(select(Event.document_id).where(
            Event.kind == EventKind.document_received, Event.actor == actor.name,
            Event.detail["envio"].as_string() == sending).order_by(Event.id).limit(1))
        return Intake(earlier, session.get(Document, earlier).state, False) if earlier is not None else None


def receive_files(ctx: Context, queue: TaskQueue, actor: Actor, channel: str, uploads: Sequence[Upload],
                  extra: dict | None = None) -> Intake:
    """Check every file, quarantine the refused ones (the first refusal is raised), join the rest into one PDF when
    there are several, and take the document in; it is queued for processing unless it is a duplicate. `extra` goes
    into the arrival event."""
    require(actor, "receive")
    check_channel(channel)
    settings = ctx.settings
    now = utcnow()
    incoming = [_incoming(upload.path, upload.name, channel, now, actor) for upload in uploads]
    accepted: list[tuple[IncomingFile, SourceInfo]] = []
    refusals: list[RejectedInput] = []
    for item in incoming:
        try:
            accepted.append((item, _inspect(ctx, item.path)))
        except RejectedInput as error:
            _refuse(ctx, actor, item, error, VIA)
            refusals.append(error)
    if refusals:
        raise refusals[0]
    if len(accepted) == 1:
        whole, detail = accepted[0][0], VIA
    else:
        whole, detail = _joined(ctx, actor, accepted, now)
        try:
            _inspect(ctx, whole.path)  # the limits hold for the document as a whole (its page count)
        except RejectedInput as error:
            _refuse(ctx, actor, whole, error, detail)
            raise
    intake = take_in(whole, settings.archive, settings.quarantine, ctx.sessions, remove_source=True,
                     actor=actor.name, detail={**detail, **(extra or {})})
    _log(ctx, actor, intake.document_id, whole)
    if intake.needs_processing:
        queue.enqueue(intake.document_id)
    return intake


def _incoming(path: Path, name: str, channel: str, now, actor: Actor) -> IncomingFile:
    info = os.lstat(path)
    return IncomingFile(path, channel, info.st_size, info.st_mtime_ns, now, name=name, source=f"api:{actor.name}")


def _inspect(ctx: Context, path: Path) -> SourceInfo:
    """The inbox's checks, then the pipeline's first stage (what the file is, encryption, pages, pixels)."""
    check(path, os.lstat(path))
    return rasterize.inspect(path, ctx.settings.max_pages, ctx.settings.max_pixels)


def _joined(ctx: Context, actor: Actor, accepted, now) -> tuple[IncomingFile, dict]:
    """Several files as one PDF. Each file is archived as it was sent (verified, by content) and listed in the
    arrival event, so the joined PDF, which becomes the document's original, never stands alone for them."""
    first = accepted[0][0].path
    target = first.with_name(f"envio-{uuid.uuid4().hex[:8]}.pdf")
    searchable.bundle([(item.path, None if info.media_type == "application/pdf" else rasterize.image_dpi(item.path))
                       for item, info in accepted], target)
    parts = []
    for item, _ in accepted:
        stored = archive.store(item.path, ctx.settings.archive)
        parts.append({"name": item.name, "sha256": stored.sha256, "archive_path": str(stored.path),
                      "size": stored.size})
    name = "+".join(Path(item.name).stem for item, _ in accepted)[:150] + ".pdf"
    return _incoming(target, name, accepted[0][0].channel, now, actor), {**VIA, "parts": parts}


def _refuse(ctx: Context, actor: Actor, item: IncomingFile, error: RejectedInput, detail: dict) -> None:
    refused = refuse(item, error, ctx.settings.quarantine, ctx.sessions, actor.name, move=True, detail=detail)
    _log(ctx, actor, refused.document_id, item)


def _log(ctx: Context, actor: Actor, document_id: int, item: IncomingFile) -> None:
    """The access log: who sent which file, from where; a refused file's entry points at its quarantine record."""
    with ctx.sessions.begin() as session:
        log_access(session, actor, "receive", document_id, target=f"{item.channel}/{item.name or item.path.name}")
