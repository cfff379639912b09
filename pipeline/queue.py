"""The task queue (Huey): SQLite storage in HOME by default, Redis when a URL is given."""

from __future__ import annotations

import logging

from huey import Huey, RedisHuey, SqliteHuey
from sqlalchemy.exc import InterfaceError, OperationalError

from pipeline import paths, runner
from pipeline.context import Context, task_owner
from pipeline.settings import Settings

log = logging.getLogger(__name__)

OUTAGE_RETRY_MAX = 30.0  # seconds: the longest wait between tries of a task while the database is away


def make_huey(settings: Settings, timeout: float | None = None) -> Huey:
    """The queue's Huey; with `timeout`, a storage that does not answer within it raises (the health check)."""
    url = settings.queue_url
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        if timeout is None:
            return RedisHuey("peticiones", url=url, results=False)
        from redis import ConnectionPool  # huey takes a URL or a pool, not a URL and timeouts

        pool = ConnectionPool.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        return RedisHuey("peticiones", connection_pool=pool, results=False)
    # Settings refused any other scheme when they loaded: what is left is a SQLite file.
    filename = url.removeprefix("sqlite:///") if url else str(settings.home / paths.QUEUE)
    # fsync so that a task enqueued for a just-recorded document survives a power cut as well as the row does.
    return SqliteHuey("peticiones", filename=filename, results=False, fsync=True, timeout=timeout or 60)


class TaskQueue:
    """Enqueue documents; run them on this machine's workers."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.huey = make_huey(ctx.settings)
        self._process = self.huey.task(name="process_document")(self._run)

    def _run(self, document_id: int, owner: str | None = None, outage: int = 0) -> None:
        owner = owner or task_owner(self.ctx)
        try:
            outcome = runner.process(self.ctx, document_id, owner)
        except (OperationalError, InterfaceError) as error:
            # The database went away (or is locked past its timeout): the task is tried again by the same owner,
            # which still holds the document's lease, instead of waiting for the lease to run out and the stalled
            # check to notice (up to three minutes after the database is back).
            delay = min(OUTAGE_RETRY_MAX, 2.0 ** outage)
            log.warning("base de datos no disponible (%s); el documento %s se reintenta en %.0f s",
                        type(error).__name__, document_id, delay)
            self._process.schedule(args=(document_id, owner, outage + 1), delay=delay)
            return
        for document, delay in outcome.retries():  # a batch's part that failed is tried again on its own
            self._process.schedule(args=(document,), delay=delay)

    def enqueue(self, document_id: int) -> None:
        self._process(document_id)

    def waiting(self) -> set[int]:
        """The documents with a task in the queue or scheduled (a retry), not yet taken by a worker."""
        tasks = [*self.huey.pending(), *self.huey.scheduled()]
        return {task.args[0] for task in tasks if task.name == self._process.name and task.args}

    def consumer(self, workers: int):
        """A consumer whose idle workers look for new tasks at least twice a second."""
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=False,
                                         initial_delay=0.05, backoff=1.3, max_delay=0.5)
