"""Files the service writes (page PDFs, slips, page images, captures): whole or not at all, and durable."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path


def write_atomic(target: Path, data: bytes, *, private: bool = False) -> None:
    """Write beside `target`, sync, then rename: a crash never leaves half a file under the final name.
    `private`: readable by the owner only from the first byte (personal data outside the database).

    The partial file is hidden and ends in .part (the inbox watcher ignores such names) and is unique per thread,
    so two requests rendering the same file at once do not write into each other's copy: the last rename wins.
    """
    write_streamed(target, lambda handle: handle.write(data), private=private)


def copy_atomic(source: Path, target: Path) -> None:
    """Copy `source` to `target` the same way, streaming: a long document's PDF is never held in memory."""
    def copy(handle) -> None:
        with open(source, "rb") as reader:
            shutil.copyfileobj(reader, handle, 1 << 20)

    write_streamed(target, copy)


def write_streamed(target: Path, fill: Callable, *, private: bool = False) -> None:
    """write_atomic for content too big to hold in memory: `fill(handle)` writes it (a backup archive, a copy)."""
    mode = 0o600 if private else 0o666

    def write(partial: Path) -> None:
        with open(partial, "wb", opener=lambda path, flags: os.open(path, flags, mode)) as handle:
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())

    _aside(target, write)


def write_by_tool(target: Path, produce: Callable[[Path], None]) -> None:
    """write_atomic for a file an external program writes at a path it is given (pdfunite): `produce(path)`."""
    def write(partial: Path) -> None:
        produce(partial)
        with open(partial, "rb+") as handle:
            os.fsync(handle.fileno())

    _aside(target, write)


def _aside(target: Path, write: Callable[[Path], None]) -> None:
    """`write(partial)` beside `target`, then the rename and its folder's sync; the partial file never stays."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        write(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    fsync_folder(target.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename or unlink in `folder` durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
