"""The content-addressed archive of originals, and the quarantine folder. Nothing here ever deletes an original."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from storage.files import fsync_folder

CHUNK = 1 << 20


@dataclass(frozen=True)
class Archived:
    sha256: str
    size: int
    path: Path  # relative to the archive root


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def store(source: Path, archive: Path) -> Archived:
    """Copy `source` into archive/ab/cd/<sha256><ext>, fsynced and verified; the source is left untouched."""
    staging = archive / "tmp"
    staging.mkdir(parents=True, exist_ok=True)
    temporary = staging / f"{uuid.uuid4().hex}.part"
    digest, size = hashlib.sha256(), 0
    try:
        with open(source, "rb") as reader, open(temporary, "wb") as writer:
            while chunk := reader.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                writer.write(chunk)
            writer.flush()
            os.fsync(writer.fileno())
        sha = digest.hexdigest()
        if sha256_of(temporary) != sha:
            raise OSError(f"la copia de {source.name} en el archivo no coincide con el original")
        relative = Path(sha[:2]) / sha[2:4] / f"{sha}{source.suffix.lower()}"
        final = archive / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists() and sha256_of(final) == sha:
            temporary.unlink()
        else:
            os.replace(temporary, final)
            fsync_folder(final.parent)
        return Archived(sha, size, relative)
    finally:
        temporary.unlink(missing_ok=True)


def clean_staging(archive: Path) -> None:
    """Remove partial copies left by a crash; their originals are still in the inbox."""
    for leftover in (archive / "tmp").glob("*.part"):
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
    target = folder / f"{stamp[11:19].replace(':', '')}-{uuid.uuid4().hex[:6]}-{name}"
    (target.parent / (target.name + ".motivo.txt")).write_text(
        f"Archivo: {name}\nCódigo: {code}\nMotivo: {reason}\nFecha: {stamp}\n", encoding="utf-8"
    )
    return target


def place(source: Path, target: Path, *, move: bool) -> None:
    """Move (from the inbox) or copy (from the archive) a file to its quarantine place, durably."""
    if move:
        try:
            os.rename(source, target)  # also moves a symlink itself, never what it points to
        except OSError:  # another file system: copy, check, and only then remove
            shutil.copy2(source, target, follow_symlinks=False)
            if not source.is_symlink() and sha256_of(source) != sha256_of(target):
                raise
            source.unlink()
    else:
        shutil.copy2(source, target)
    fsync_folder(target.parent)
