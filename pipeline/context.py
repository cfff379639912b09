"""What every stage and task needs, built once per process from the settings."""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from classifiers.catalogue import load_default
from classifiers.model import Classifier
from ocr.document import PagePool
from pipeline.settings import Settings
from storage import catalogue, database
from watch_folders import archive

HOST = socket.gethostname()


@dataclass
class Context:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    worker: str = field(default_factory=lambda: f"{HOST}:{os.getpid()}")
    _classifier: Classifier | None = None
    _pages: PagePool | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

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
        settings.ensure_folders()
        archive.clean_staging(settings.archive)
        return cls(settings, engine, sessions)

    @property
    def classifier(self) -> Classifier:
        """The model named in the settings, loaded on first use (spaCy takes a while to import)."""
        return self._once("_classifier", lambda: Classifier(self.settings.model))

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


def owner_is_gone(owner: str) -> bool:
    """True when a lease owner is a process on this machine that no longer runs (killed, crashed)."""
    host, _, pid = owner.rpartition(":")
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
