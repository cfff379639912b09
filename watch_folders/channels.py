"""Reception channels (medio de recepción), named by the inbox's first-level subfolder."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable
from pathlib import Path

# "sistema": the Secretaría's internal system, which sends documents through the API (POST /api/v1/documents).
CHANNELS = ("correspondencia", "jornadas", "correo", "redes", "telefono", "presencial", "sistema")
DEFAULT_CHANNEL = "correspondencia"

SUPPORTED_EXTENSIONS = {".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".png", ".eml"}  # .eml: watch_folders.mail


def _plain(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def channel_for(path: Path, inbox: Path) -> str:
    """The channel of a file: its first-level folder under the inbox (accents and case forgiven)."""
    parts = path.relative_to(inbox).parts
    if len(parts) < 2:
        return DEFAULT_CHANNEL
    folder = _plain(parts[0])
    return folder if folder in CHANNELS else DEFAULT_CHANNEL


def is_ignored(name: str) -> bool:
    """Hidden, temporary and partial files that scanners and file managers leave while writing."""
    lower = name.lower()
    return (
        lower.startswith((".", "~$", "~"))
        or lower.endswith((".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".filepart", "~", ".swp"))
        or lower in {"thumbs.db", "desktop.ini", ".ds_store"}
    )


def inbox_entries(folder: Path, on_error: Callable[[OSError], None] | None = None):
    """Every entry under `folder` the inbox would consider: files, and links to folders (refused as entries), not
    going into ignored folders; ignored file names are the caller's to skip."""
    for root, dirs, files in os.walk(folder, onerror=on_error):
        dirs[:] = [d for d in dirs if not is_ignored(d)]
        for name in files:
            yield Path(root) / name
        # Symlinks to folders are not followed by os.walk; they are reported (and refused) as entries.
        for name in list(dirs):
            if os.path.islink(os.path.join(root, name)):  # False, not an error, past PATH_MAX (walk reports it)
                yield Path(root) / name
