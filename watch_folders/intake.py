"""Taking one file in: archive it safely, record it, and only then remove it from the inbox."""

from __future__ import annotations

import datetime as dt
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from pipeline.errors import RejectedInput
from watch_folders.errors import BadFileName, EmptyFile, LinkRefused, NotARegularFile, UnsupportedType
from storage import documents
from storage.files import fsync_folder
from storage.tables import State
from watch_folders import archive, names
from watch_folders.channels import SUPPORTED_EXTENSIONS
from watch_folders.names import is_utf8, shown

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IncomingFile:
    """A file found in the inbox (or named on the command line), before it is stored."""

    path: Path
    channel: str
    size: int
    mtime_ns: int
    received_at: dt.datetime
    # A file sent through the API waits under a made-up name: the name it was sent with, and where it came from.
    name: str | None = None
    source: str | None = None

    @property
    def columns(self) -> dict:
        """The document columns that say where the file came from (names that are not UTF-8 escaped, \\xNN)."""
        return dict(original_name=names.stored(self.name or self.path.name),
                    source_path=names.stored(self.source or str(self.path)),
                    source_mtime_ns=self.mtime_ns, size=self.size, channel=self.channel,
                    received_at=self.received_at)


@dataclass(frozen=True)
class Intake:
    document_id: int
    state: State
    needs_processing: bool


class FileStillChanging(Exception):
    """The file changed while it was being copied; the watcher tries again once it is stable."""


def take_in(incoming: IncomingFile, archive_root: Path, quarantine_root: Path, sessions: sessionmaker[Session],
            *, remove_source: bool, actor: str = "intake", detail: dict | None = None) -> Intake | None:
    """Store and record one file; returns None if it vanished before it could be taken. `detail` goes into the
    arrival event."""
    path = incoming.path
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    columns = {**incoming.columns, "source_mtime_ns": info.st_mtime_ns, "size": info.st_size}
    try:
        check(path, info)
        if not is_utf8(incoming.name or path.name):
            raise BadFileName(shown(path.name))
        stored = archive.store(path, archive_root)  # refuses what cannot be read, without waiting on it
    except RejectedInput as error:
        return refuse(incoming, error, quarantine_root, sessions, actor, move=remove_source, detail=detail)
    after = os.stat(path)
    if (after.st_size, after.st_mtime_ns) != (info.st_size, info.st_mtime_ns):
        raise FileStillChanging(str(path))
    with sessions.begin() as session:
        original = documents.find_original(session, stored.sha256)
        if original is not None and original.source_path == columns["source_path"] \
                and original.source_mtime_ns == info.st_mtime_ns \
                and original.size == info.st_size:
            # The same drop, seen again because the service stopped (or the inbox file would not go) between
            # recording it and clearing the inbox: if it was never processed, its task may never have been queued.
            result = Intake(original.id, original.state, original.state == State.received)
        elif original is not None:
            row = documents.add(session, actor, state=State.duplicate, duplicate_of=original.id, sha256=stored.sha256,
                                archive_path=str(stored.path), detail=detail, **columns)
            result = Intake(row.id, row.state, False)
        else:
            row = documents.add(session, actor, state=State.received, sha256=stored.sha256,
                                archive_path=str(stored.path), detail=detail, **columns)
            result = Intake(row.id, row.state, True)
    if remove_source:
        path.unlink()
        fsync_folder(path.parent)
    return result


def check(path: Path, info: os.stat_result) -> None:
    """The checks a file passes before it is stored (not a link, a regular file, not empty, a supported
    extension)."""
    if stat.S_ISLNK(info.st_mode):
        raise LinkRefused("enlace simbólico")
    if not stat.S_ISREG(info.st_mode):
        raise NotARegularFile(archive.kind(info.st_mode))
    if info.st_nlink > 1:
        # Another name points at the same bytes: they could change under us after intake.
        raise LinkRefused(f"enlace duro ({info.st_nlink} nombres)")
    if info.st_size == 0:
        raise EmptyFile("0 bytes")
    if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
        raise UnsupportedType(f"extensión {path.suffix or '(ninguna)'}")


def refuse(incoming: IncomingFile, error: RejectedInput, quarantine_root: Path, sessions: sessionmaker[Session],
           actor: str, *, move: bool, detail: dict | None = None) -> Intake:
    """Record the refusal first, then move the file to quarantine: a crash in between leaves it where it was
    (the inbox), never unrecorded."""
    path = incoming.path
    info = os.lstat(path)
    sha = _sha256_if_readable(path, info)
    columns = {**incoming.columns, "source_mtime_ns": info.st_mtime_ns, "size": info.st_size}
    with sessions.begin() as session:
        row = documents.pending_quarantine(session, columns["source_path"], info.st_mtime_ns, info.st_size)
        if row is None:
            target = archive.quarantine_slot(columns["original_name"], quarantine_root,
                                             incoming.received_at.isoformat(), error.code, error.user_message)
            row = documents.add(session, actor, state=State.quarantined, sha256=sha, reason_code=error.code,
                                reason=error.user_message, quarantine_path=str(target), detail=detail, **columns)
        result = Intake(row.id, row.state, False)
        target = Path(row.quarantine_path)
    if move or sha is not None:
        archive.place(path, target, move=move)
    # else: a copy was asked for (a file named on the command line) of something whose bytes cannot be read; it
    # stays where it is, recorded, and the .motivo.txt says why.
    log.warning("cuarentena: %s (%s)", shown(columns["original_name"]), error.code)
    return result


def _sha256_if_readable(path: Path, info: os.stat_result) -> str | None:
    """The content hash of a refused file, or None for a link, a FIFO or device (never opened) or a file the
    service may not read."""
    if not stat.S_ISREG(info.st_mode):
        return None
    try:
        return archive.sha256_of(path)
    except RejectedInput:
        return None
