"""Owner of IMAP: the office's mailbox polled over TLS, each new message laid in entrada/correo/ as an .eml.

From there a message is taken like any .eml (watch_folders.mail): archived as the original, one petition. A message
is marked on the server (a keyword, or moved to a folder) only once its file is written and synced; a crash in
between leaves it unmarked, and the next poll finds it again: it is written under the same name (its mailbox's
UIDVALIDITY and UID), or, if it was already taken, recognised by its content and only marked. Nothing on the
server is ever deleted.
"""

from __future__ import annotations

import hashlib
import imaplib
import logging
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from storage.files import write_atomic

log = logging.getLogger(__name__)

TAKEN = "PeticionesTomado"  # the keyword on a message already laid in entrada/ ("flag")
LARGEST = 200 * 1024 * 1024  # a message past this stays on the server (logged): it would not fit a petition anyway


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    after: str = "flag"  # "flag": add the keyword TAKEN; "move": move the message to `move_to`
    move_to: str = "Peticiones"
    ca_file: Path | None = None  # a private CA; the system's CAs otherwise
    timeout: float = 30.0


@dataclass(frozen=True)
class Poll:
    found: int
    written: int
    known: int  # already taken (same content): only marked


def poll(box: Mailbox, folder: Path, already_taken: Callable[[str], bool]) -> Poll:
    """Lay every message of the mailbox not yet marked in `folder` as an .eml, then mark it. `already_taken(sha256)`
    says whether a file of that content was taken before (a crash between writing and marking)."""
    context = ssl.create_default_context(cafile=str(box.ca_file) if box.ca_file else None)
    with imaplib.IMAP4_SSL(box.host, box.port, ssl_context=context, timeout=box.timeout) as connection:
        connection.login(box.user, box.password)
        _ok(connection.select(_quoted(box.folder)), "SELECT")
        validity = _uidvalidity(connection)
        criteria = ("ALL",) if box.after == "move" else ("NOT", "KEYWORD", TAKEN)
        # The server compares the sizes: a message too large is never downloaded, and each other one is fetched
        # once, without asking for its size first.
        uids = _search(connection, *criteria, "SMALLER", str(LARGEST + 1))
        too_large = _search(connection, *criteria, "LARGER", str(LARGEST))
        for uid in too_large:
            log.error("el mensaje %s del buzón pesa más de %s bytes: se deja en el servidor sin marcar", uid.decode(),
                      LARGEST)
        if uids and box.after == "move":
            connection.create(_quoted(box.move_to))  # once a round; NO when it exists: fine
        written = known = 0
        for uid in uids:
            raw = _fetch(connection, uid)
            if raw is None:
                continue
            digest = hashlib.sha256(raw).hexdigest()
            if already_taken(digest):
                known += 1
            else:
                # the name is the message's own: fetched again after a crash, it replaces itself, not a second file
                write_atomic(folder / f"imap-{validity}-{uid.decode()}.eml", raw)
                written += 1
            _mark(connection, box, uid)
        return Poll(len(uids) + len(too_large), written, known)


def keep_polling(box: Mailbox, folder: Path, already_taken: Callable[[str], bool], every: float,
                 stop: threading.Event) -> None:
    """poll() every `every` seconds until `stop`; a failure is logged and tried again at the next round."""
    folder.mkdir(parents=True, exist_ok=True)
    while not stop.is_set():
        try:
            done = poll(box, folder, already_taken)
            if done.found:
                log.info("correo %s: %s mensajes nuevos, %s ya tomados", box.folder, done.written, done.known)
        except (OSError, imaplib.IMAP4.error, ssl.SSLError) as error:
            log.warning("no se pudo leer el buzón %s en %s (%s: %s); se reintenta en %g s", box.folder, box.host,
                        type(error).__name__, error, every)
        stop.wait(every)


def _search(connection: imaplib.IMAP4, *criteria: str) -> list[bytes]:
    return _ok(connection.uid("SEARCH", None, *criteria), "SEARCH")[0].split()


def _fetch(connection: imaplib.IMAP4, uid: bytes) -> bytes | None:
    """The whole message, left unread on the server (PEEK); None when it is gone meanwhile."""
    for part in _ok(connection.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH"):
        if isinstance(part, tuple) and len(part) == 2:
            return part[1]
    return None


def _mark(connection: imaplib.IMAP4, box: Mailbox, uid: bytes) -> None:
    if box.after == "move":
        _ok(connection.uid("MOVE", uid, _quoted(box.move_to)), "MOVE")
    else:
        _ok(connection.uid("STORE", uid, "+FLAGS.SILENT", f"({TAKEN})"), "STORE")


def _uidvalidity(connection: imaplib.IMAP4) -> str:
    _, data = connection.response("UIDVALIDITY")
    return (data[0].decode() if data and data[0] else "0")


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ok(answer: tuple[str, list], command: str) -> list:
    status, data = answer
    if status != "OK":
        raise imaplib.IMAP4.error(f"{command}: {status} {data!r}")
    return data
