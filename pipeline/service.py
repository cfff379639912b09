"""The running service: the inbox watcher feeding the queue, this machine's queue workers and the classifier's
retraining when it is due; beside them, what it is handed (the web app, the daily reminders: review/service.py)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.context import Context
from pipeline.queue import TaskQueue
from storage import documents
from storage.tables import utcnow
from watch_folders.channels import channel_for
from watch_folders import held, imap
from watch_folders.intake import IncomingFile, take_in
from watch_folders.names import shown
from watch_folders.watcher import InboxWatcher

log = logging.getLogger(__name__)
RETRAIN_CHECK_SECONDS = 300.0  # how often the service asks whether a retraining is due


@dataclass(frozen=True)
class Task:
    """Work handed to the service by the parts above it (the review app's daily reminders): run in a thread of its
    own, `run(stop)` returns once `stop` is set."""

    name: str
    run: Callable[[threading.Event], None]


def take_from_inbox(ctx: Context, queue: TaskQueue, path: Path) -> None:
    """Intake of one stable inbox file, then its processing task."""
    settings = ctx.settings
    stat = path.lstat()
    incoming = IncomingFile(path, channel_for(path, settings.inbox), stat.st_size, stat.st_mtime_ns, utcnow())
    intake = take_in(incoming, settings.archive, settings.quarantine, ctx.sessions, remove_source=True,
                     actor="watcher")
    if intake is not None:
        log.info("recibido %s → documento %s (%s)", shown(path.name), intake.document_id, intake.state.value)
        if intake.needs_processing:
            queue.enqueue(intake.document_id)


def mailbox(settings) -> imap.Mailbox:
    """The office's petitions mailbox, as the settings name it."""
    return imap.Mailbox(settings.imap_host, settings.imap_port, settings.imap_user or "",
                        settings.imap_password.get_secret_value() if settings.imap_password else "",
                        settings.imap_folder, settings.imap_after, settings.imap_move_to, settings.imap_ca_file)


def taken(ctx: Context, sha256: str) -> bool:
    """Whether a file of this content was already taken in (a message laid in entrada/ before a crash)."""
    with ctx.sessions() as session:
        return documents.find_original(session, sha256) is not None


def resume(ctx: Context, queue: TaskQueue) -> int:
    """Enqueue every document the pipeline has not finished; a claim makes any duplicate task a no-op."""
    with ctx.sessions() as session:
        pending = documents.resumable(session)
    for document_id in pending:
        queue.enqueue(document_id)
    return len(pending)


def requeue_stalled(ctx: Context, queue: TaskQueue) -> list[int]:
    """Documents nobody works on and no task waits for go back in the queue: a worker died on another machine, a
    retry task was lost, or a received document's task was never queued (its inbox file would not go). Returns
    their ids."""
    with ctx.sessions() as session:
        stalled = documents.stalled(session, utcnow())
    if not stalled:
        return []
    waiting = queue.waiting()
    requeued = [document_id for document_id in stalled if document_id not in waiting]
    for document_id in requeued:
        queue.enqueue(document_id)
    return requeued


def _requeue_stalled(ctx: Context, queue: TaskQueue, stop: threading.Event) -> None:
    period = max(5.0, ctx.settings.lease_seconds / 2)
    while not stop.wait(period):
        try:
            requeue_stalled(ctx, queue)
        except Exception:
            log.exception("revisión de documentos abandonados falló")


def retrain_when_due(ctx: Context, stop: threading.Event, every: float = RETRAIN_CHECK_SECONDS) -> None:
    """Retrain the classifier on reviewers' decisions when the schedule or the count of new decisions says so
    (pipeline.retrain.due); the database lock keeps the service's other machines from training at the same time."""
    from pipeline import retrain

    while not stop.wait(every):
        try:
            if retrain.due(ctx):
                outcome = retrain.retrain(ctx, "servicio")
                log.info("reentrenamiento: %s (%s); modelo activo %s", outcome.reason,
                         "promovido" if outcome.promoted else "sin cambio", outcome.active)
        except retrain.RetrainBusy:
            log.info("otro proceso está reentrenando el modelo")
        except Exception:
            log.exception("reentrenamiento del modelo falló; el modelo activo sigue")


def run(ctx: Context, *, watch: bool = True, work: bool = True, web: Callable[[threading.Event], Any] | None = None,
        tasks: Sequence[Task] = ()) -> None:
    """Start the web app (`web(stop)` starts it and returns its server), the tasks handed in (the daily reminders),
    the watcher and/or workers, and block until SIGINT/SIGTERM."""
    settings = ctx.settings
    queue = TaskQueue(ctx)
    stop = threading.Event()
    watcher = None
    server = web(stop) if web else None
    for task in tasks:
        threading.Thread(target=task.run, args=(stop,), name=task.name, daemon=True).start()
    if watch:
        resumed = resume(ctx, queue)
        log.info("%s documentos pendientes reanudados", resumed)
        watcher = InboxWatcher(settings.inbox, lambda path: take_from_inbox(ctx, queue, path),
                               stability_seconds=settings.stability_seconds, polling=settings.polling,
                               rescan_seconds=settings.rescan_seconds,
                               on_held=lambda files: held.write(settings.held_report, files))
        watcher.start()
        threading.Thread(target=_requeue_stalled, args=(ctx, queue, stop), daemon=True).start()
        if settings.imap_host:
            threading.Thread(target=imap.keep_polling, args=(mailbox(settings), settings.inbox / "correo",
                                                             lambda sha: taken(ctx, sha), settings.imap_poll_seconds,
                                                             stop), name="buzon", daemon=True).start()
            log.info("leyendo el buzón %s de %s cada %g s", settings.imap_folder, settings.imap_host,
                     settings.imap_poll_seconds)
        log.info("vigilando %s (%s)", settings.inbox.resolve(),
                 f"sondeo cada {settings.polling:g} s" if settings.polling > 0 else "eventos del sistema")
    if work:
        threading.Thread(target=retrain_when_due, args=(ctx, stop), name="reentrenamiento", daemon=True).start()
    try:
        if work:
            queue.consumer(settings.workers).run()  # blocks; handles SIGINT and SIGTERM itself
        else:
            threading.Event().wait()
    finally:
        stop.set()
        if watcher is not None:
            watcher.stop()
        if server is not None:
            server.should_exit = True
