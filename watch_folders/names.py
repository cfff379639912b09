"""File names as they arrive (any bytes but / and NUL) made safe to store, to log and to use in cuarentena/."""

from __future__ import annotations

import hashlib
import os

from pipeline import logs

NAME_MAX = 255  # bytes in one file name, on ext4, XFS, btrfs and tmpfs alike


def stored(name: str) -> str:
    """The name as the database keeps it: unchanged when it is UTF-8, else its undecodable bytes written as
    \\xNN (os.fsdecode made them lone surrogates, which no database driver accepts)."""
    if not is_utf8(name):
        return os.fsencode(name).decode("utf-8", "backslashreplace")
    return name


def is_utf8(name: str) -> bool:
    """False for a name whose bytes are not UTF-8 (an old system's Latin-1, say)."""
    return not any("\udc80" <= c <= "\udcff" for c in name)


def shown(name: object) -> str:
    """A name (or path) fit for one log line: undecodable bytes as \\xNN, and what a terminal acts on (newline, ESC,
    bidirectional overrides) escaped by the log's own rule (pipeline.logs.shown). Use it wherever a name is logged
    or shown: a name is chosen by whoever drops the file, and could forge log lines or drive a terminal."""
    return logs.shown(stored(str(name)))


def bounded(name: str, room: int) -> str:
    """`name` (already shown()) in at most `room` bytes of UTF-8: the stem cut on a character boundary, a short hash
    of the whole name so that two long names alike stay apart, and the extension kept so the file still opens."""
    if len(name.encode("utf-8")) <= room:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension.encode("utf-8")) > 16:
        stem, extension = name, ""
    tail = "~" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8] + (f".{extension}" if extension else "")
    cut = stem.encode("utf-8")[: room - len(tail.encode("utf-8"))].decode("utf-8", "ignore")
    return cut + tail
