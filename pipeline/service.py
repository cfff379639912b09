"""The running service: the inbox watcher feeding the queue, this machine's queue workers, the daily
reminders of turnos about to fall due, and the classifier's retraining when it is due."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from pipeline.context import Context
from pipeline.queue import TaskQueue
from storage import documents, users
from storage.tables import utcnow
from watch_folders.channels import channel_for
from watch_folders import held
from watch_folders.intake import IncomingFile, take_in
from watch_folders.names import shown
from watch_folders.watcher import InboxWatcher

log = logging.getLogger(__name__)
RETRAIN_CHECK_SECONDS = 300.0  # how often the service asks whether a retraining is due


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


def _retry_deliveries(ctx: Context, server, stop: threading.Event) -> None:
    """Files that did not reach salida/ and e-mails the mail server did not take are tried again now and then,
    for as long as the web app runs (until `stop` is set or the server is told to exit)."""
    from review.turnos.routing import deliver_pending

    while not stop.wait(ctx.settings.delivery_retry_seconds) and not server.should_exit:
        try:
            deliver_pending(ctx)
        except Exception:
            log.exception("reintento de entregas de turnos falló")


def send_reminders(ctx: Context, stop: threading.Event, clock=utcnow) -> None:
    """The daily reminders of turnos por vencer and vencidos, sent once the office clock passes reminder_hour on a
    business day; checked at start and every delivery_retry_seconds until `stop`, so a failure is retried that day.
    The per-day claim (review.reminders) keeps other processes and restarts from sending them again."""
    from review.notify import reminders

    while True:
        try:
            day = reminders.day_to_send(ctx, clock())
            if day is not None:
                reminders.send_daily(ctx, day)
        except Exception:
            log.exception("envío de recordatorios de vencimiento falló")
        if stop.wait(ctx.settings.delivery_retry_seconds):
            return


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


def start_web(ctx: Context, host: str, port: int, stop: threading.Event | None = None):
    """The review web app (uvicorn) in a thread; returns the server, whose `should_exit` stops it (`stop`, when
    given, also ends its delivery retries at once).

    Routings whose files never reached salida/ (the process stopped right after a confirmation) are delivered first.
    """
    import uvicorn

    from review.web.app import create_app
    from review.turnos.routing import deliver_pending

    delivered = deliver_pending(ctx)
    if delivered:
        log.info("%s turnos entregados a salida/ al arrancar", delivered)
    with ctx.sessions() as session:
        if not users.any_admin(session):
            log.warning("no hay administrador: cree uno con «peticiones users add NOMBRE --role admin»")
    config = uvicorn.Config(create_app(ctx), host=host, port=port, log_level="warning", proxy_headers=False,
                            log_config=None)  # uvicorn's records go through ours (PETICIONES_LOG_FORMAT)
    socket = config.bind_socket()  # here, in the main thread: a port in use stops the service with a message
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [socket]}, name="web", daemon=True)
    thread.start()
    threading.Thread(target=_retry_deliveries, args=(ctx, server, stop or threading.Event()), name="entregas",
                     daemon=True).start()
    log.info("aplicación web en http://%s:%s", host, port)
    return server


def run(ctx: Context, *, watch: bool = True, work: bool = True, web: tuple[str, int] | None = None) -> None:
    """Start the web app, the watcher and/or workers (and the daily reminders, with e-mail on) and block until
    SIGINT/SIGTERM."""
    from review.notify import mail

    settings = ctx.settings
    queue = TaskQueue(ctx)
    stop = threading.Event()
    watcher = None
    server = start_web(ctx, *web, stop) if web else None
    if mail.enabled(settings):
        threading.Thread(target=send_reminders, args=(ctx, stop), name="recordatorios", daemon=True).start()
    if watch:
        resumed = resume(ctx, queue)
        log.info("%s documentos pendientes reanudados", resumed)
        watcher = InboxWatcher(settings.inbox, lambda path: take_from_inbox(ctx, queue, path),
                               stability_seconds=settings.stability_seconds, polling=settings.polling,
                               rescan_seconds=settings.rescan_seconds,
                               on_held=lambda files: held.write(settings.held_report, files))
        watcher.start()
        threading.Thread(target=_requeue_stalled, args=(ctx, queue, stop), daemon=True).start()
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
