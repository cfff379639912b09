"""What every stage and task needs, built once per process from the settings."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from classifiers.catalogue import load_default
from classifiers.model import Classifier, read_meta
from ocr.document import PagePool
from classifiers.errors import ModelMissing
from pipeline.settings import Settings
from storage import catalogue, database, model_versions
from watch_folders import archive

HOST = socket.gethostname()
log = logging.getLogger(__name__)


@dataclass
class Context:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    worker: str = field(default_factory=lambda: f"{HOST}:{os.getpid()}")
    _classifier: Classifier | None = None
    _checked: float = float("-inf")  # when the active model version was last asked for (monotonic seconds)
    _pages: PagePool | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _model_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, settings: Settings) -> "Context":
        """Migrate the database, seed the catalogue and create the folders: everything a fresh HOME needs.

        The folders come last, so a clerk (or a test) who sees `entrada/` knows the database is ready.
        """
        settings.home.mkdir(parents=True, exist_ok=True)
        engine = database.make_engine(settings.db_url)
        database.upgrade(engine)
        sessions = database.make_sessions(engine)
        with sessions.begin() as session:
            catalogue.seed(session, load_default())
            _register_shipped_model(session, settings.model)
        settings.ensure_folders()
        archive.clean_staging(settings.archive, owner_is_gone)  # only copies whose process is gone
        return cls(settings, engine, sessions)

    @property
    def classifier(self) -> Classifier:
        """The active model version (the database says which; the settings' model before any is recorded), loaded
        on first use and swapped for a newly active one at most `model_check_seconds` after it is activated."""
        with self._model_lock:
            if self._classifier is None or time.monotonic() - self._checked >= self.settings.model_check_seconds:
                self._checked = time.monotonic()
                self._classifier = self._active_classifier(self._classifier)
            return self._classifier

    def _active_classifier(self, loaded: Classifier | None) -> Classifier:
        """The loaded model if it is still the active one, else the active one loaded; a version that fails to
        load leaves the loaded one serving (activation checks a folder first, so this is a disk gone bad)."""
        with self.sessions() as session:
            version, folder = _active_model(session, self.settings)
        if loaded is not None and (version is None or loaded.version == version):
            return loaded
        try:
            return Classifier(folder)
        except Exception:
            if loaded is None:
                raise
            log.exception("no se pudo cargar el modelo %s; sigue el %s", version, loaded.version)
            return loaded

    @property
    def pages(self) -> PagePool:
        """Threads shared by every document in this process, so pages of all documents use every core."""
        return self._once("_pages", lambda: PagePool(self.settings.workers))

    def _once(self, attribute: str, build):
        """The value in `attribute`, built on first use; worker threads may ask at the same moment."""
        with self._lock:
            if getattr(self, attribute) is None:
                setattr(self, attribute, build())
            return getattr(self, attribute)

    def close(self) -> None:
        if self._pages is not None:
            self._pages.close()
        self.engine.dispose()


def active_model_folder(settings: Settings) -> Path:
    """The folder of the model the office's workers classify with, read without creating or migrating anything:
    the active version's when the database exists and records one, else the settings' model (a new machine)."""
    url = settings.db_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return settings.model
    engine = database.make_engine(url, read_only=True)
    try:
        with database.make_sessions(engine)() as session:
            return _active_model(session, settings)[1]
    except SQLAlchemyError:
        return settings.model                # a database from before model versions: the settings' model
    finally:
        engine.dispose()


def _active_model(session: Session, settings: Settings) -> tuple[str | None, Path]:
    """(version, folder) of the active model; (None, the settings' model) before any version is recorded."""
    row = model_versions.active(session)
    return (row.version, Path(row.folder)) if row else (None, settings.model)


def _register_shipped_model(session: Session, folder: Path) -> None:
    """The model named in the settings is the first version, active, when no version is recorded yet (a folder
    without meta.json is left for Context.classifier to report as missing)."""
    if model_versions.any_recorded(session):
        return
    try:
        meta = read_meta(folder)
    except (ModelMissing, OSError, ValueError):
        return
    rows = max((m.get("rows", 0) for m in meta.get("metrics", {}).values()), default=0)
    model_versions.register(session, version=meta["version"], folder=str(folder.resolve()),
                            trained_at=meta.get("trained_at", ""), data_sha256=meta.get("data_sha256", ""), n=rows,
                            counts={}, first=True)


def task_owner(ctx: Context) -> str:
    """A lease owner for one task: this process (host:pid, so a dead process's leases are known as such) and a
    token of the task's own, so that two threads of one process never both hold a document."""
    return f"{ctx.worker}:{uuid.uuid4().hex[:12]}"


def owner_is_gone(owner: str) -> bool:
    """True when an owner (host:pid, or host:pid:token for one task or one staged copy) is a process on this
    machine that no longer runs (killed, crashed)."""
    host, _, pid = owner.partition(":")
    pid = pid.partition(":")[0]
    if host != HOST or not pid.isdigit():
        return False  # another machine's worker: only its lease expiry frees the document
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
