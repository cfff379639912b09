"""Files waiting in the inbox, and why: the watcher reports those it tried to take and could not (a full disk, the
database away); `peticiones status` lists every file still in the inbox with that reason, so none waits unexplained.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.exc import InterfaceError, OperationalError

from pipeline.errors import PeticionesError
from storage.files import write_atomic
from watch_folders.channels import inbox_entries, is_ignored
from watch_folders.names import shown

log = logging.getLogger(__name__)

WAITING = ("waiting", "Espera a que el servicio lo tome (si el servicio no está corriendo, arránquelo).")
DATABASE_AWAY = ("database_unavailable", "La base de datos no responde. El archivo espera intacto en la carpeta de "
                                         "entrada y se tomará en cuanto responda.")
FAILED = ("intake_failed", "No se pudo tomar el archivo; espera intacto en la carpeta de entrada y se reintentará. "
                           "Si persiste, el registro del servicio dice por qué.")


@dataclass(frozen=True)
class Held:
    """A file the watcher tried to take and could not yet."""

    file: str  # relative to the inbox, fit to show
    code: str
    reason: str  # Spanish, for staff
    since: str  # ISO time of the first failed attempt
    attempts: int


def reason_of(error: Exception) -> tuple[str, str]:
    """(stable code, Spanish reason) of why a file could not be taken."""
    if isinstance(error, PeticionesError):
        return error.code, error.user_message
    if isinstance(error, (OperationalError, InterfaceError)):
        return DATABASE_AWAY
    return FAILED


def write(report: Path, held: list[Held]) -> None:
    """The watcher's held files, for `peticiones status` (another process). Best effort: the disk that holds it may
    be the full one, and intake must go on regardless."""
    try:
        write_atomic(report, json.dumps([asdict(h) for h in held], ensure_ascii=False).encode("utf-8"),
                     private=True)
    except OSError as error:
        log.warning("no se pudo escribir %s (%s)", shown(report), error.strerror or type(error).__name__)


def waiting(inbox: Path, report: Path) -> list[dict]:
    """Every file still in the inbox (what the watcher would consider), with the watcher's reason when it has one."""
    try:
        known = {entry["file"]: entry for entry in json.loads(report.read_text(encoding="utf-8"))}
    except (OSError, ValueError, TypeError, KeyError):
        known = {}
    found = []
    for path in sorted(inbox_entries(inbox)):
        if is_ignored(path.name):
            continue
        relative = shown(path.relative_to(inbox))
        entry = known.get(relative)
        code, reason = (entry["code"], entry["reason"]) if entry else WAITING
        try:
            size = path.lstat().st_size
        except OSError:
            size = None
        found.append({"file": relative, "size": size, "code": code, "reason": reason,
                      "since": entry["since"] if entry else None,
                      "attempts": entry["attempts"] if entry else 0})
    return found
