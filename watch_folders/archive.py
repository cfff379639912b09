"""The content-addressed archive of originals, and the quarantine folder. Nothing here ever deletes an original."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import socket
import stat
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline import paths
from watch_folders.errors import ArchiveFull, NotARegularFile, UnreadableFile
from storage.files import fsync_folder
from watch_folders.names import NAME_MAX, bounded, shown

CHUNK = 1 << 20
MOTIVO = ".motivo.txt"
LEGACY_STAGING_DAYS = 1  # copies staged before their names said whose they were: surely dead after a day
API_PREFIX = "api-"  # archivo/tmp/api-<owner>/: the files of one API request while it is checked


@dataclass(frozen=True)
class Archived:
    sha256: str
    size: int
    path: Path  # relative to the archive root


def open_regular(path: Path):
    """`path` opened for reading, refused unless it is a regular file (NotARegularFile) the service may read
    (UnreadableFile). O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, for ever; the type
    is checked on the opened descriptor, so an entry swapped after an earlier lstat is caught too."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_NOCTTY", 0))
    except PermissionError as error:
        raise UnreadableFile(f"{shown(path.name)}: {error.strerror}") from error
    except OSError as error:
        if os.path.islink(path):
            raise NotARegularFile(f"{shown(path.name)}: enlace") from error
        raise
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise NotARegularFile(f"{shown(path.name)}: {kind(mode)}")
    return os.fdopen(descriptor, "rb")


def kind(mode: int) -> str:
    """What a non-regular entry is, in the words of the quarantine record."""
    for test, name in ((stat.S_ISFIFO, "tubería (FIFO)"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "dispositivo"),
                       (stat.S_ISBLK, "dispositivo de bloques"), (stat.S_ISDIR, "carpeta"), (stat.S_ISLNK, "enlace")):
        if test(mode):
            return name
    return "entrada especial"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def staging_file(archive: Path) -> Path:
    """A new name in archivo/tmp/ for a copy in progress, saying whose it is (host:pid:token.part): only a copy
    whose process is gone may be cleaned up by another process (clean_staging)."""
    staging = archive / "tmp"
    staging.mkdir(parents=True, exist_ok=True)
    return staging / f"{_owner()}.part"


def staging_folder(archive: Path) -> Path:
    """A new folder in archivo/tmp/ for the files of one API request (api-host:pid:token), created; its process
    removes it when the request ends, and clean_staging once that process is gone (killed mid-request)."""
    folder = archive / "tmp" / f"{API_PREFIX}{_owner()}"
    folder.mkdir(parents=True)
    return folder


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"


def store(source: Path, archive: Path) -> Archived:
    """Copy `source` into archive/ab/cd/<sha256><ext>, fsynced and verified; the source is left untouched.

    ArchiveFull when the disk has no room for it, before any byte is copied when that can be known (a copy that
    fills the disk half-way would only be thrown away, and other writers would find it full)."""
    temporary = staging_file(archive)
    digest, size = hashlib.sha256(), 0
    try:
        with open_regular(source) as reader:
            needed = os.fstat(reader.fileno()).st_size
            free = shutil.disk_usage(temporary.parent).free
            if needed > free:
                raise ArchiveFull(f"{shown(source.name)}: {needed} bytes, {free} libres")
            with open(temporary, "wb") as writer:
                _copy(reader, writer, digest)
                size = writer.tell()
        sha = digest.hexdigest()
        if sha256_of(temporary) != sha:
            raise OSError(f"la copia de {source.name} en el archivo no coincide con el original")
        relative = paths.archived(sha, source.suffix)
        final = archive / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists() and sha256_of(final) == sha:
            temporary.unlink()
        else:
            os.replace(temporary, final)
            fsync_folder(final.parent)
        return Archived(sha, size, relative)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise ArchiveFull(f"{shown(source.name)}: {error.strerror}") from error
        raise
    finally:
        temporary.unlink(missing_ok=True)


def _copy(reader, writer, digest) -> None:
    while chunk := reader.read(CHUNK):
        digest.update(chunk)
        writer.write(chunk)
    writer.flush()
    os.fsync(writer.fileno())


def clean_staging(archive: Path, owner_is_gone: Callable[[str], bool]) -> None:
    """Remove partial copies left by a crashed process (their originals are still in the inbox); a copy whose
    process still runs, here or on another machine sharing the folder, is left alone (its intake is under way)."""
    staged = [(p, p.name.removesuffix(".part")) for p in (archive / "tmp").glob("*.part")]
    staged += [(p, p.name.removeprefix(API_PREFIX)) for p in (archive / "tmp").glob(f"{API_PREFIX}*") if p.is_dir()]
    for leftover, owner in staged:
        try:
            legacy = ":" not in owner and time.time() - leftover.stat().st_mtime > LEGACY_STAGING_DAYS * 86400
        except FileNotFoundError:
            continue
        if legacy or owner_is_gone(owner):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


def quarantine(source: Path, quarantine_root: Path, stamp: str, code: str, reason: str,
               name: str | None = None) -> Path:
    """Copy an archived original to cuarentena/<date>/ with a .motivo.txt beside it (the archive keeps its copy).

    Inbox files are recorded first and then moved with quarantine_slot and place (see intake._reject)."""
    target = quarantine_slot(name or source.name, quarantine_root, stamp, code, reason)
    place(source, target, move=False)
    return target


def quarantine_slot(name: str, quarantine_root: Path, stamp: str, code: str, reason: str) -> Path:
    """Choose the file's place in cuarentena/<date>/ and write its .motivo.txt; the file itself is not placed yet."""
    folder = quarantine_root / stamp[:10]
    folder.mkdir(parents=True, exist_ok=True)
    display = shown(name)  # the name whole (escaped where it is not printable), in the .motivo.txt
    prefix = f"{stamp[11:19].replace(':', '')}-{uuid.uuid4().hex[:6]}-"
    # The file and its .motivo.txt must both fit the file system's 255 bytes: a long name is shortened here.
    target = folder / (prefix + bounded(display, NAME_MAX - len(prefix) - len(MOTIVO)))
    (target.parent / (target.name + MOTIVO)).write_text(
        f"Archivo: {display}\nCódigo: {code}\nMotivo: {reason}\nFecha: {stamp}\n", encoding="utf-8"
    )
    return target


def place(source: Path, target: Path, *, move: bool) -> None:
    """Move (from the inbox) or copy (from the archive) a file to its quarantine place, durably."""
    if move:
        try:
            os.rename(source, target)  # also moves a symlink, FIFO or device node itself, never opening it
        except OSError:  # another file system: copy, check, and only then remove
            info = os.lstat(source)
            if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
                # No bytes to copy (and reading a FIFO or a device must never happen): the same node is made.
                os.mknod(target, info.st_mode, info.st_rdev)
                source.unlink()
                fsync_folder(target.parent)
                return
            shutil.copy2(source, target, follow_symlinks=False)
            if not source.is_symlink() and sha256_of(source) != sha256_of(target):
                raise
            source.unlink()
    else:
        shutil.copy2(source, target)
    fsync_folder(target.parent)
