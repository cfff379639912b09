"""What the review app hands the running service (pipeline/service.py): the web app under uvicorn with its
delivery retries, and the daily reminders of turnos about to fall due when e-mail is on."""

from __future__ import annotations

import logging
import threading

import uvicorn

from pipeline.context import Context
from pipeline.service import Task
from review.notify import mail, receipts, reminders
from review.turnos.routing import deliver_pending
from review.web.app import create_app
from storage import users
from storage.tables import utcnow

log = logging.getLogger(__name__)


def tasks(ctx: Context) -> list[Task]:
    """The periodic work the service runs for the review app, with e-mail configured: the daily reminders, and the
    acuse by reply to e-mail petitions when asked (PETICIONES_IMAP_REPLY)."""
    if not mail.enabled(ctx.settings):
        return []
    found = [Task("recordatorios", lambda stop: send_reminders(ctx, stop))]
    if ctx.settings.imap_reply:
        found.append(Task("acuses", lambda stop: reply_receipts(ctx, stop)))
    return found


def reply_receipts(ctx: Context, stop: threading.Event) -> None:
    """E-mail petitions answered with their reception folio once read; checked every imap_poll_seconds."""
    while True:
        try:
            receipts.reply_all(ctx)
        except Exception:
            log.exception("envío de acuses por correo falló")
        if stop.wait(ctx.settings.imap_poll_seconds):
            return


def web(ctx: Context, host: str, port: int):
    """How the service starts the web app: `web(ctx, host, port)(stop)` starts it and returns its server."""
    return lambda stop: start_web(ctx, host, port, stop)


def start_web(ctx: Context, host: str, port: int, stop: threading.Event | None = None):
    """The review web app (uvicorn) in a thread; returns the server, whose `should_exit` stops it (`stop`, when
    given, also ends its delivery retries at once).

    Routings whose files never reached salida/ (the process stopped right after a confirmation) are delivered first.
    """
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


def _retry_deliveries(ctx: Context, server, stop: threading.Event) -> None:
    """Files that did not reach salida/ and e-mails the mail server did not take are tried again now and then,
    for as long as the web app runs (until `stop` is set or the server is told to exit)."""
    while not stop.wait(ctx.settings.delivery_retry_seconds) and not server.should_exit:
        try:
            deliver_pending(ctx)
        except Exception:
            log.exception("reintento de entregas de turnos falló")


def send_reminders(ctx: Context, stop: threading.Event, clock=utcnow) -> None:
    """The daily reminders of turnos por vencer and vencidos, sent once the office clock passes reminder_hour on a
    business day; checked at start and every delivery_retry_seconds until `stop`, so a failure is retried that day.
    The per-day claim (review.notify.reminders) keeps other processes and restarts from sending them again."""
    while True:
        try:
            day = reminders.day_to_send(ctx, clock())
            if day is not None:
                reminders.send_daily(ctx, day)
        except Exception:
            log.exception("envío de recordatorios de vencimiento falló")
        if stop.wait(ctx.settings.delivery_retry_seconds):
            return
