"""Owner of watchdog: notices files in the inbox and hands each over once its size and time stay still."""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from pipeline.errors import PeticionesError
from watch_folders import held
from watch_folders.channels import inbox_entries, is_ignored
from watch_folders.names import shown

log = logging.getLogger(__name__)
RETRY_AT_MOST = 60.0  # seconds between attempts at a file that could not be taken (a full disk, the database away)


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float  # monotonic time the file was first seen with this size and mtime
    retry_at: float = 0.0
    failures: int = 0
    failure: held.Held | None = None  # why the last attempt failed, and since when


class InboxWatcher:
    """Startup scan, file events (native or polled), and a periodic full rescan as a safety net.

    A file is handed over once its size and time have stayed still for `stability_seconds`, or at once when the
    system says its writer is done with it: closed after writing (inotify's close-write), renamed within the inbox,
    or moved in whole from elsewhere (it appears with its content and no process has it open for writing). Polling
    (network shares) sees no such events and always waits.
    """

    def __init__(self, inbox: Path, on_stable: Callable[[Path], None], *, stability_seconds: float,
                 polling: float = 0.0, rescan_seconds: float = 60.0,
                 on_held: Callable[[list[held.Held]], None] | None = None):
        self.inbox = inbox
        self.on_stable = on_stable
        self.on_held = on_held  # told the files that could not be taken, each time that list changes
        self._reported: list[held.Held] | None = None
        self.stability_seconds = stability_seconds
        self.polling = polling
        self.rescan_seconds = rescan_seconds
        self._pending: dict[Path, _Seen | None] = {}
        self._unseen: set[Path] = set()  # entries already reported as impossible to look at (logged once)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()  # a file was finished: look now rather than at the next tick
        self._observer = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.inbox.mkdir(parents=True, exist_ok=True)
        self.rescan()
        self._observer = PollingObserver(timeout=self.polling) if self.polling > 0 else Observer()
        self._observer.schedule(_Handler(self), str(self.inbox), recursive=True)
        self._observer.start()
        self._thread = threading.Thread(target=self._loop, name="inbox-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        if self._thread is not None:
            self._thread.join(timeout=30)

    def notice(self, path: Path, finished: bool = False) -> None:
        """Consider `path` (a file, or a folder whose files are all considered); `finished`: its writer is done with
        it, so it need not stay still for the stability time first."""
        try:
            folder = path.is_dir() and not path.is_symlink()
        except OSError as error:  # e.g. a path past PATH_MAX: it raised here and stopped intake for good
            self._cannot_look_at(path, error)
            return
        if folder:
            def unreadable(error: OSError) -> None:  # a folder inside that cannot be listed
                self._cannot_look_at(Path(os.fsdecode(error.filename)) if error.filename else path, error)

            for child in inbox_entries(path, unreadable):
                self.notice(child, finished)
            return
        if is_ignored(path.name) or any(is_ignored(p) for p in path.relative_to(self.inbox).parts[:-1]):
            return
        if finished:
            self._finished(path)
            return
        with self._lock:
            self._pending.setdefault(path, None)

    def _finished(self, path: Path) -> None:
        """Count `path` as still since the stability time, as it is now: if it changes again before it is taken,
        the usual wait starts over (and intake itself refuses a file that changes while it is copied)."""
        try:
            info = os.lstat(path)
        except OSError:
            return
        with self._lock:
            seen = self._pending.get(path)
            if seen is not None and seen.failures:  # a file that failed keeps its retry delay
                return
            self._pending[path] = _Seen(info.st_size, info.st_mtime_ns, time.monotonic() - self.stability_seconds)
        self._wake.set()

    def rescan(self) -> None:
        self.notice(self.inbox)

    def _cannot_look_at(self, path: Path, error: OSError) -> None:
        """An inbox entry that cannot even be looked at (a folder the service may not enter, a path longer than
        the system takes): nothing can be taken or quarantined by that path, so it stays; say so once, as its
        files would otherwise wait there unexplained."""
        with self._lock:
            if path in self._unseen:
                return
            self._unseen.add(path)
        log.warning("no se puede revisar %s en la carpeta de entrada (%s); lo que contenga no se recibirá hasta "
                    "que se corrija", shown(path), error.strerror or type(error).__name__)

    def _loop(self) -> None:
        tick = max(0.1, min(0.5, self.stability_seconds / 4))
        next_rescan = time.monotonic() + self.rescan_seconds
        while not self._stop.is_set():
            self._wake.wait(tick)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                if time.monotonic() >= next_rescan:
                    next_rescan = time.monotonic() + self.rescan_seconds  # first: a failing rescan is not redone
                    self.rescan()                                          # at every tick instead of the hand-over
                for path in self._stable_files():
                    if self._stop.is_set():
                        return
                    self._hand_over(path)
                self._report_held()
            except Exception:  # this thread is all of intake: if it ended, entrada/ would wait for good
                log.exception("revisión de la carpeta de entrada falló; se reintenta")

    def _stable_files(self) -> list[Path]:
        now, stable = time.monotonic(), []
        with self._lock:
            for path, seen in list(self._pending.items()):
                try:
                    info = os.lstat(path)
                except OSError:  # gone (or no longer reachable): a rescan notices it again if it comes back
                    del self._pending[path]
                    continue
                if seen is None or (seen.size, seen.mtime_ns) != (info.st_size, info.st_mtime_ns):
                    self._pending[path] = _Seen(info.st_size, info.st_mtime_ns, now)
                    continue
                still_for = now - seen.since
                age = time.time() - info.st_mtime_ns / 1e9
                if still_for >= self.stability_seconds or (still_for > 0 and age >= self.stability_seconds * 2):
                    if now >= seen.retry_at:
                        stable.append(path)
        return sorted(stable)

    def held_files(self) -> list[held.Held]:
        """The files whose last attempt failed, and why."""
        with self._lock:
            return sorted((seen.failure for seen in self._pending.values() if seen is not None and seen.failure),
                          key=lambda h: h.file)

    def _hand_over(self, path: Path) -> None:
        try:
            self.on_stable(path)
        except Exception as error:  # the watcher must outlive any one bad file; it retries with a growing delay
            code, reason = held.reason_of(error)
            with self._lock:
                seen = self._pending.get(path)
                if seen is not None:
                    seen.failures += 1
                    seen.retry_at = time.monotonic() + min(RETRY_AT_MOST, 2.0 ** seen.failures)
                    since = seen.failure.since if seen.failure else dt.datetime.now(dt.timezone.utc).isoformat()
                    seen.failure = held.Held(shown(path.relative_to(self.inbox)), code, reason, since, seen.failures)
            if isinstance(error, PeticionesError):  # a known condition: its code and reason say it all
                log.warning("no se pudo tomar %s (%s: %s); se reintentará", shown(path), code, error.detail)
            else:
                log.exception("no se pudo tomar %s (%s); se reintentará", shown(path), code)
            return
        with self._lock:
            self._pending.pop(path, None)

    def _report_held(self) -> None:
        if self.on_held is None:
            return
        now = self.held_files()
        if now != self._reported:
            self.on_held(now)
            self._reported = now


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: InboxWatcher):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("created", "modified", "moved", "closed"):
            target = getattr(event, "dest_path", "") or event.src_path
            # lexists: False rather than raising for a path it cannot stat (past PATH_MAX), which ended watchdog's
            # thread and with it every later file event; the rescan still looks at such a path (notice reports it).
            if os.path.lexists(target):
                path = Path(os.fsdecode(target))
                # closed: only after writing (a read's close is "closed_no_write"); moved: renamed within the inbox;
                # created: also what a move from outside the inbox looks like (inotify's MOVED_TO without its FROM)
                # Polling (for network shares, whose writers are on other machines) cannot tell: it always waits.
                finished = self.watcher.polling <= 0 and (event.event_type in ("closed", "moved") or (
                    event.event_type == "created" and not event.is_directory and _moved_in(path)))
                self.watcher.notice(path, finished=finished)


def _moved_in(path: Path) -> bool:
    """Whether a file that just appeared came whole (moved in) rather than being written: it has content and no
    process has it open for writing. Linux tells the latter by refusing a read lease (fcntl F_SETLEASE) while a
    writer is open; where it cannot tell (not the file's owner, a file system without leases) the answer is False
    and the file waits the stability time like any other."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size == 0:  # never open a FIFO or a device to ask
            return False
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.fcntl(descriptor, fcntl.F_SETLEASE, fcntl.F_RDLCK)
        fcntl.fcntl(descriptor, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return True
    except OSError:  # EAGAIN: someone is writing it; EACCES, EINVAL: cannot tell
        return False
    finally:
        os.close(descriptor)
