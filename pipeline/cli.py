"""The `peticiones` command. Every command reads the settings once and builds the same Context."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from pipeline.errors import PeticionesError
from pipeline.settings import Settings

# Exit codes of every command (README, «Códigos de salida»): scripts and cron tell these apart.
OK = 0  # everything given was done
SOME_FAILED = 1  # the command ran, but some input failed (a file quarantined or failed, a mail not sent)
REFUSED = 2  # nothing done: bad arguments or configuration, or a typed error the person can fix
INTERNAL = 3  # an unexpected error (a bug or a broken machine): the traceback is in HOME/errores.log
INTERRUPTED = 130  # Ctrl+C, as shells report a SIGINT


class _Cli(typer.Typer):
    """The typer app run so that every command ends with one of the codes above and never shows a traceback to
    staff: a typed error prints its Spanish message and code, anything else one line naming where the details are."""

    def __call__(self, *args, **kwargs):
        from pydantic import ValidationError

        try:
            # Not standalone: click would end Ctrl+C with code 1, which here means "some input failed".
            result = super().__call__(*args, **{**kwargs, "standalone_mode": False})
        except typer.TyperException as error:  # usage errors (typer's click): its own message, code 2
            error.show()
            sys.exit(error.exit_code)
        except typer.Abort:
            _say("Interrumpido.")
            sys.exit(INTERRUPTED)
        except PeticionesError as error:
            _say(f"{error.user_message} ({error.code})")
            sys.exit(REFUSED)
        except ValidationError as error:  # a PETICIONES_ variable that does not parse
            _say("Configuración no válida: " + "; ".join(
                f"PETICIONES_{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors()))
            sys.exit(REFUSED)
        except Exception:
            where = _record_crash()
            _say("Error inesperado; no se terminó el comando. "
                 + (f"Los detalles quedaron en {where}; avise al administrador." if where else
                    "Avise al administrador."))
            sys.exit(INTERNAL)
        sys.exit(result if isinstance(result, int) else OK)  # typer.Exit(n) comes back as n


def _record_crash() -> Path | None:
    """Append the current exception's traceback to HOME/errores.log (readable by its owner only: a traceback may
    name files and petitioners' text); None, and the traceback on stderr, when that file cannot be written."""
    import datetime as dt
    import os
    import traceback

    text = traceback.format_exc()
    try:
        log = Settings().home / "errores.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            handle.write(f"--- {dt.datetime.now(dt.timezone.utc).isoformat()} pid {os.getpid()} "
                         f"peticiones {' '.join(sys.argv[1:2])}\n{text}")
        return log.resolve()
    except Exception:
        print(text, file=sys.stderr)
        return None


app = _Cli(help="Peticiones ciudadanas: recepción, OCR, clasificación y turno.", no_args_is_help=True,
           add_completion=False)
db_app = typer.Typer(help="Base de datos.", no_args_is_help=True)
app.add_typer(db_app, name="db")
arco_app = typer.Typer(help="Derechos ARCO de los peticionarios (acceso; rectificación y demás después).",
                       no_args_is_help=True)
app.add_typer(arco_app, name="arco")

from pipeline.catalogue_cli import catalogue_app  # noqa: E402 - light as users_app
from pipeline.models_cli import models_app, retrain_command  # noqa: E402 - light as users_app
from review.cli import users_app  # noqa: E402 - light: typer only; the web app loads when a command runs

app.add_typer(users_app, name="users")
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(models_app, name="models")
app.command("retrain")(retrain_command)
console = Console(stderr=True)


def _log_export(ctx, action: str, out: Path) -> None:
    """Personal data left the database through the terminal: the access log says who (the OS user) and where to."""
    import getpass

    from storage import access

    with ctx.sessions.begin() as session:
        access.record(session, None, f"cli:{getpass.getuser()}", action, target=str(out), via="cli")


def _context():
    from pipeline import logs
    from pipeline.context import Context

    settings = Settings()
    logs.configure(settings.log_format)  # text or JSON lines on stderr, control characters escaped
    # Personal data: what the service creates under HOME (database and WAL, archivo/, procesado/...) is owner-only.
    os.umask(settings.umask)
    return Context.open(settings)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Dirección donde escucha la aplicación web.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Puerto de la aplicación web.")] = 8000,
) -> None:
    """Servicio completo: aplicación web (cola de revisión y API), vigilancia de data/entrada/ y trabajadores."""
    from pipeline import service

    service.run(_context(), watch=True, work=True, web=(host, port))


@app.command()
def watch() -> None:
    """Vigilancia de la carpeta de entrada y trabajadores, sin aplicación web."""
    from pipeline import service

    service.run(_context(), watch=True, work=True)


@app.command()
def worker() -> None:
    """Sólo un trabajador de la cola (para repartir el trabajo entre varias máquinas con Redis)."""
    from pipeline import service

    service.run(_context(), watch=False, work=True)


@app.command()
def process(
    files: Annotated[list[Path], typer.Argument(help="Archivos PDF, TIFF, JPEG o PNG.", exists=True, dir_okay=False)],
    channel: Annotated[str, typer.Option(help="Medio de recepción.")] = "correspondencia",
) -> None:
    """Procesa ahora los archivos indicados (sin borrarlos) y muestra un resumen."""
    from pipeline import runner
    from storage.tables import Document, State, utcnow
    from watch_folders.intake import IncomingFile, take_in

    ctx = _context()
    settings = ctx.settings
    intakes = []
    for path in files:
        stat = path.stat()
        incoming = IncomingFile(path.resolve(), channel, stat.st_size, stat.st_mtime_ns, utcnow())
        intakes.append((path, take_in(incoming, settings.archive, settings.quarantine, ctx.sessions,
                                      remove_source=False, actor="cli")))

    def run_one(document_id: int):
        while True:
            outcome = runner.process(ctx, document_id)
            if outcome.retry_in is None:
                return outcome
            time.sleep(outcome.retry_in)

    todo = [i.document_id for _, i in intakes if i and i.needs_processing]
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        bar = progress.add_task("Procesando", total=len(todo))
        with ThreadPoolExecutor(max_workers=max(1, settings.workers)) as pool:
            for future in as_completed([pool.submit(run_one, d) for d in todo]):
                future.result()
                progress.advance(bar)
    table = Table("Archivo", "Documento", "Estado", "Páginas", "Motivo")
    failed = 0
    with ctx.sessions() as session:
        for path, intake in intakes:
            if intake is None:
                table.add_row(str(path), "-", "no encontrado", "", "")
                failed += 1
                continue
            row = session.get(Document, intake.document_id)
            table.add_row(str(path), str(row.id), row.state.value, str(row.page_count or ""), row.reason or "")
            failed += row.state in (State.failed, State.quarantined)
    Console().print(table)
    if failed:
        _say(f"{failed} de {len(intakes)} archivo(s) no se pudieron procesar; vea el motivo en la tabla.")
        raise typer.Exit(SOME_FAILED)


@app.command()
def ocr(
    files: Annotated[list[Path], typer.Argument(help="Archivos PDF, TIFF, JPEG o PNG.", exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Una línea JSON por archivo, en el orden dado.")] = False,
) -> None:
    """Lee el texto de los archivos (páginas de todos en paralelo), sin guardarlos ni clasificarlos."""
    from ocr import rasterize
    from ocr.document import PagePool, read_document
    from ocr.reader import OcrOptions
    from pipeline.errors import RejectedInput

    settings = Settings()
    options = OcrOptions(settings.ocr_language, settings.page_timeout)
    results = {path: {"file": str(path), "pages": [], "seconds": 0.0} for path in files}
    pool = PagePool(settings.workers)
    counted = threading.Lock()

    def read(path: Path, progress: Progress, bar) -> None:
        # Each file is checked in its reader thread, not all of them before the first page: checking decodes
        # images, and done up front it kept the other cores idle (~1 s on 24 letters).
        started = time.monotonic()
        try:
            info = rasterize.inspect(path, settings.max_pages, settings.max_pixels)
        except RejectedInput as error:
            results[path].update(error_code=error.code, error=error.user_message)
            return
        with counted:
            progress.update(bar, total=(progress.tasks[bar].total or 0) + info.page_count)
        for page in read_document(path, info, options, pool, dpi=settings.dpi,
                                  max_pixels=settings.max_pixels, page_timeout=settings.page_timeout):
            results[path]["pages"].append(_page_json(page))
            progress.advance(bar)
        results[path]["seconds"] = round(time.monotonic() - started, 2)

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=as_json) as progress:
        bar = progress.add_task("Leyendo páginas", total=0)
        # One thread per file at a time keeps every core busy while each file holds only a few pages in memory.
        with ThreadPoolExecutor(max_workers=pool.workers) as readers:
            for future in [readers.submit(read, path, progress, bar) for path in files]:
                future.result()
    pool.close()
    # A file refused, or with a page Tesseract could not read, counts as failed (exit code 1).
    failed = sum(1 for r in results.values() if "error_code" in r or any("error_code" in p for p in r["pages"]))
    if as_json:
        for path in files:
            print(json.dumps(results[path], ensure_ascii=False), flush=True)
        if failed:
            raise typer.Exit(SOME_FAILED)
        return
    table = Table("Archivo", "Páginas", "Confianza", "Por transcribir", "Segundos", "Motivo")
    for path in files:
        result = results[path]
        pages = result["pages"]
        scores = [p["confidence"] for p in pages if p["confidence"] is not None]
        table.add_row(str(path), str(len(pages)), f"{sum(scores) / len(scores):.1f}" if scores else "-",
                      str(sum(p["needs_transcription"] for p in pages)), f"{result['seconds']:.1f}",
                      result.get("error", ""))
    Console().print(table)
    if failed:
        _say(f"{failed} de {len(files)} archivo(s) no se leyeron completos; vea el motivo en la tabla.")
        raise typer.Exit(SOME_FAILED)


def _page_json(page) -> dict:
    entry = {"page": page.number, "text": page.text, "confidence": page.confidence, "rotation": page.rotation,
             "skew": page.skew, "blank": page.blank, "needs_transcription": page.needs_transcription,
             "seconds": round(page.seconds, 2), "source": page.source}
    if page.error_code:
        entry.update(error_code=page.error_code, error=page.error)
    return entry


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="Un objeto JSON en la salida estándar.")] = False) -> None:
    """Documentos por estado, los archivos en cuarentena o con fallas y su motivo, y los que esperan en la carpeta
    de entrada y por qué."""
    from storage import documents
    from watch_folders import held

    ctx = _context()
    with ctx.sessions() as session:
        summary = documents.status(session)
    summary["waiting"] = held.waiting(ctx.settings.inbox, ctx.settings.held_report)
    if as_json:
        print(json.dumps(summary, ensure_ascii=False))
        return
    table = Table("Estado", "Documentos")
    for state, count in sorted(summary["documents"]["by_state"].items()):
        table.add_row(state, str(count))
    table.add_row("total", str(summary["documents"]["total"]))
    Console().print(table)
    for title, rows in (("En cuarentena", summary["quarantined"]), ("Con falla", summary["failed"])):
        if rows:
            problems = Table("Archivo", "Código", "Motivo", title=title)
            for row in rows:
                # Text: a file name is shown as it is, never read as rich markup ("[bold]...")
                problems.add_row(Text(row["file"]), row["reason_code"] or "", row["reason"] or "")
            Console().print(problems)
    if summary["waiting"]:
        waiting = Table("Archivo", "Código", "Motivo", "Desde", "Intentos", title="Esperando en la carpeta de entrada")
        for row in summary["waiting"]:
            waiting.add_row(Text(row["file"]), row["code"], row["reason"], row["since"] or "", str(row["attempts"]))
        Console().print(waiting)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Aplica las migraciones pendientes (también se aplican al arrancar)."""
    _context()
    console.print("Base de datos al día.")


@db_app.command("respaldo")
def db_backup(
    out: Annotated[Path, typer.Option(help="Archivo .tar a escribir (nuevo). Contiene datos personales: guárdelo "
                                           "fuera del servidor, en un lugar con acceso restringido.")],
) -> None:
    """Respalda en un solo archivo la base de datos y las carpetas archivo/, procesado/, salida/ y cuarentena/,
    aunque el servicio esté corriendo. El archivo queda legible sólo para su dueño."""
    from storage import backup

    ctx = _context()
    try:
        summary = backup.create(out, ctx.settings.home, ctx.settings.db_url)
    except backup.BackupError as error:
        _refuse(error)
    _log_export(ctx, "backup", out)
    _say(f"Respaldo en {out} (sólo lectura para su dueño): base {summary.database} en la revisión "
         f"{summary.revision} y {summary.files - 1} archivos; {summary.bytes / 1e6:.1f} MB en total.")
    print(json.dumps(summary.as_json(), ensure_ascii=False))


@db_app.command("restaurar")
def db_restore(
    archive: Annotated[Path, typer.Argument(help="Respaldo .tar hecho con `peticiones db respaldo`.", exists=True,
                                            dir_okay=False)],
    home: Annotated[Path, typer.Option("--home", help="Carpeta nueva o vacía donde restaurar (será PETICIONES_HOME).")],
    database_url: Annotated[Optional[str], typer.Option(help="Sólo para un respaldo de PostgreSQL: URL de una base "
                                                             "vacía donde restaurarlo.")] = None,
) -> None:
    """Restaura un respaldo en una carpeta vacía, revisando cada archivo contra la huella de su manifiesto antes de
    dejarlo en su lugar. Nunca reemplaza nada."""
    from storage import backup

    os.umask(0o077)  # the restored database and files are owner-only (backup.restore sets their modes too)
    try:
        summary = backup.restore(archive, home, database_url)
    except backup.BackupError as error:
        _refuse(error)
    check = f"PETICIONES_HOME={home}" + (" PETICIONES_DATABASE_URL=..." if database_url else "")
    _say(f"Restaurados la base {summary.database} (revisión {summary.revision}) y {summary.files - 1} archivos de "
         f"{archive} en {home}, cada uno igual a su huella sha256. Revise con: {check} peticiones status")
    print(json.dumps(summary.as_json(), ensure_ascii=False))


@arco_app.command("acceso")
def arco_access(
    document: Annotated[list[int], typer.Option("--documento", help="Número de documento del peticionario; "
                                                                   "repetible.")],
    out: Annotated[Path, typer.Option(help="Archivo .zip a escribir (nuevo). Contiene datos personales: entréguelo "
                                           "sólo al titular o a su representante.")],
    user: Annotated[str, typer.Option("--usuario", help="Usuario administrador que atiende la solicitud.")],
) -> None:
    """Expediente del derecho de acceso: un ZIP con todo lo que se conserva de los documentos indicados (resumen
    para imprimir, datos en JSON y copia de los archivos), legible sólo para su dueño y anotado en la bitácora."""
    from pipeline.errors import ReviewError
    from review.reports import arco
    from review import auth

    ctx = _context()
    try:
        who = auth.terminal_actor(ctx, user, "arco_access",
                                  f"{user} no es administrador(a): el derecho de acceso lo atiende sólo la "
                                  "administración. Indique en --usuario un administrador activo.")
        summary = arco.dossier(ctx, who, document, out)
    except ReviewError as error:
        _refuse(error)
    finally:
        ctx.close()
    _say(f"Expediente ARCO en {out} (sólo lectura para su dueño): {summary.documents} documento(s) y "
         f"{summary.files} archivo(s) copiados; {summary.bytes / 1e6:.1f} MB. Queda en la bitácora de accesos a "
         f"nombre de {user}.")
    print(json.dumps(summary.as_json(), ensure_ascii=False))


@app.command("recordatorios")
def reminders_command(
    fecha: Annotated[Optional[str], typer.Option("--fecha", help="Día hábil AAAA-MM-DD; por omisión hoy en la zona "
                                                              "horaria de la oficina.")] = None,
    simular: Annotated[bool, typer.Option("--simular", help="Muestra qué se enviaría y a quién, sin enviar ni "
                                                            "registrar nada.")] = False,
) -> None:
    """Recordatorio de vencimientos: a cada dirección con correo, un correo con sus turnos vencidos y por vencer
    (sin datos personales). Una sola vez por día hábil y dirección, aunque se ejecute de nuevo o el servicio ya lo
    haya enviado."""
    import datetime as dt

    from review.turnos import calendar
    from review import dates
    from review.notify import mail, reminders
    from storage.tables import utcnow

    ctx = _context()
    try:
        try:
            day = dt.date.fromisoformat(fecha) if fecha else calendar.local_date(utcnow(), ctx.settings.timezone)
        except ValueError:
            _say(f"Fecha no válida: {fecha}. Escríbala como AAAA-MM-DD, por ejemplo 2026-03-02.")
            raise typer.Exit(REFUSED)
        shown = dates.day(day)
        if simular or not mail.enabled(ctx.settings):
            with ctx.sessions() as session:
                office_day = reminders.is_office_day(session, day)
                digests = reminders.due(session, day) if office_day else []
                sent = reminders.sent_on(session, day)
            outcome = None
        else:  # send_daily finds what is due itself: not twice
            outcome = reminders.send_daily(ctx, day)
            office_day = outcome.office_day
            digests = outcome.sent + [d for d, _ in outcome.failed] + outcome.already + outcome.without_address
        if not office_day:
            _say(f"El {shown} no es día hábil (fin de semana, día festivo o cierre de la oficina): no se envían "
                 "recordatorios.")
            return
        if not digests:
            _say(f"Al {shown} ninguna dirección tiene turnos vencidos ni por vencer: no hay recordatorios que enviar.")
            return
        if simular:
            _preview(ctx, digests, sent)
            return
        if outcome is None:
            _say("El correo no está configurado (PETICIONES_SMTP_HOST): no se envió nada. Con --simular verá qué se "
                 "enviaría.")
            raise typer.Exit(REFUSED)
    finally:
        ctx.close()
    for digest in outcome.sent:
        _say(f"Enviado a {digest.name} ({digest.address}): vencidos {len(digest.overdue)}, "
             f"por vencer {len(digest.due_soon)}.")
    for digest in outcome.already:
        _say(f"{digest.name}: el recordatorio del {shown} ya se había enviado (o se está enviando); no se repite.")
    for digest in outcome.without_address:
        _say(f"{digest.name}: sin correo en el catálogo; no se envió (vencidos {len(digest.overdue)}, "
             f"por vencer {len(digest.due_soon)}).")
    for digest, error in outcome.failed:
        _say(f"No se envió a {digest.name} ({digest.address}): {error.code}. {error.user_message} Queda pendiente: "
             "el servicio lo reintenta hoy mismo, o ejecute de nuevo este comando.")
    if outcome.failed:
        raise typer.Exit(SOME_FAILED)


def _preview(ctx, digests, sent) -> None:
    """--simular: each reminder as it would go (recipient, subject, text) on stdout; nothing sent or recorded."""
    from review.turnos import calendar
    from review.notify import reminders

    would = 0
    for digest in digests:
        if digest.address is None:
            _say(f"{digest.name}: sin correo en el catálogo; no se enviaría (vencidos {len(digest.overdue)}, "
                 f"por vencer {len(digest.due_soon)}).")
            continue
        if digest.directorate in sent:
            when = calendar.local_time(sent[digest.directorate], ctx.settings.timezone)
            _say(f"{digest.name}: ya se envió el {when}; no se enviaría de nuevo.")
            continue
        would += 1
        print(f"Para: {digest.name} <{digest.address}>")
        print(f"Asunto: {reminders.subject(digest)}")
        print()
        print(reminders.body(digest, ctx.settings.public_url, ctx.settings.office_name))
    _say(f"Simulación: se enviarían {would} correo(s). No se envió ni se registró nada.")


def _refuse(error) -> NoReturn:
    """A typed error the person at the terminal can fix: its Spanish message and code, exit code 2."""
    _say(f"{error.user_message} ({error.code})")
    raise typer.Exit(REFUSED)


def _say(message: str) -> None:
    """A message naming paths, printed as is: not wrapped inside a path, no brackets taken for markup."""
    console.print(message, soft_wrap=True, markup=False, highlight=False)


@app.command()
def train(
    data: Annotated[Path, typer.Option(help="JSONL: un objeto por línea con 'text' y un campo por objetivo.", exists=True)],
    out: Annotated[Path, typer.Option(help="Carpeta donde guardar el modelo.")],
    target: Annotated[Optional[list[str]], typer.Option(help="Campo a predecir; repetible.")] = None,
    name: Annotated[str, typer.Option(help="Nombre del modelo.")] = "peticiones",
) -> None:
    """Entrena un clasificador por objetivo (por omisión program y directorate) y muestra sus métricas
    por validación cruzada dentro de los datos."""
    import hashlib

    from classifiers.model import DEFAULT_TARGETS, read_jsonl
    from classifiers.model import train as train_model

    rows = read_jsonl(data)
    targets = target or list(DEFAULT_TARGETS)
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        bars = {t: progress.add_task(f"{t}", total=None) for t in targets}

        def report(t: str, done: int, total: int) -> None:
            progress.update(bars[t], completed=done, total=total)

        meta = train_model(rows, targets, out, name=name, data_sha256=digest, progress=report)
    console.print(f"Modelo {meta.version} en {out}")
    _print_metrics([{"target": t, **meta.metrics[t]["cv"], "abstain_below": meta.thresholds.get(t)} for t in targets],
                   "Métricas por validación cruzada (5 partes, fuera de la parte entrenada)")
    print(json.dumps({t: meta.metrics[t]["cv"] for t in targets}, ensure_ascii=False))


@app.command()
def corpus(
    out: Annotated[Path, typer.Option(help="JSONL a escribir. Contiene textos de peticiones con datos personales: "
                                           "guárdelo bajo data/, nunca en el repositorio.")],
    seed: Annotated[Optional[Path], typer.Option(help="Corpus semilla (por omisión models/seed/peticiones.jsonl).",
                                                 exists=True, dir_okay=False)] = None,
    no_seed: Annotated[bool, typer.Option("--sin-semilla", help="Sólo lo decidido por los revisores.")] = False,
) -> None:
    """Reúne los datos para reentrenar: el corpus semilla más cada documento turnado, con el programa y la
    dirección que un revisor confirmó o corrigió. Siga con: peticiones train --data ARCHIVO --out CARPETA."""
    from classifiers import corpus as training
    from classifiers.model import read_jsonl
    from storage import catalogue, decisions
    from storage.files import write_atomic

    ctx = _context()
    with ctx.sessions() as session:
        reviewed = decisions.reviewed_rows(session)
        inactive = catalogue.inactive_labels(session)
    rows, _ = training.merge([] if no_seed else read_jsonl(seed or training.SEED), reviewed)
    rows, retired = training.without_inactive(rows, inactive)  # a deactivated label is never trained on
    counts = training.sources(rows)
    write_atomic(out, training.to_jsonl(rows), private=True)
    _log_export(ctx, "training_corpus", out)
    _say(f"{len(rows)} textos en {out} (sólo lectura para su dueño): {counts['semilla']} del corpus semilla y "
         f"{counts['revision']} de decisiones de revisores."
         + (f" {retired} quedaron fuera por llevar un programa o una dirección desactivados en el catálogo."
            if retired else ""))
    print(json.dumps({"out": str(out), "rows": len(rows), **counts}, ensure_ascii=False))


@app.command()
def evaluate(
    model: Annotated[Path, typer.Option(help="Carpeta del modelo entrenado.", exists=True, file_okay=False)],
    data: Annotated[Path, typer.Option(help="JSONL con 'text' y el campo de cada objetivo.", exists=True)],
    target: Annotated[Optional[list[str]], typer.Option(help="Objetivo a evaluar; repetible (por omisión todos).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Un objeto JSON por objetivo, uno por línea.")] = False,
) -> None:
    """Mide el modelo sobre datos etiquetados: F1 macro, exactitud, top 3, exactitud al 50% de cobertura,
    error de calibración, cuántos textos reciben sugerencia y cuántas de ellas aciertan, y por etiqueta."""
    from classifiers.evaluation import evaluate as measure
    from classifiers.model import Classifier, read_jsonl

    classifier = Classifier(model)
    rows = read_jsonl(data)
    targets = target or list(classifier.meta.targets)
    unknown = [t for t in targets if t not in classifier.meta.targets]
    if unknown:
        console.print(f"El modelo no predice {', '.join(unknown)}; predice {', '.join(classifier.meta.targets)}.")
        raise typer.Exit(REFUSED)
    results = []
    texted = [r for r in rows if r.get("text")]
    probabilities, suggestions = classifier.assess([r["text"] for r in texted])  # every target in one pass
    for t in targets:
        labelled = [i for i, r in enumerate(texted) if r.get(t)]
        column = classifier.meta.targets.index(t)
        results.append(measure([str(texted[i][t]) for i in labelled], [probabilities[t][i] for i in labelled], t,
                               [suggestions[i][column].label for i in labelled]))
    if as_json:
        for result in results:
            print(json.dumps(result, ensure_ascii=False), flush=True)
        return
    _print_metrics(results, f"Modelo {classifier.version} sobre {data}")
    for result in results:
        table = Table("Etiqueta", "Precisión", "Exhaustividad", "F1", "Casos", title=f"{result['target']}: por etiqueta")
        for label, m in sorted(result["per_label"].items(), key=lambda item: -item[1]["support"]):
            table.add_row(label, f"{m['precision']:.2f}", f"{m['recall']:.2f}", f"{m['f1']:.2f}", str(m["support"]))
        Console().print(table)


@app.command()
def classify(
    text: Annotated[Optional[str], typer.Argument(help="Texto de la petición (o use --file).")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", help="Archivo de texto UTF-8 con la petición.", exists=True,
                                                 dir_okay=False)] = None,
    model: Annotated[Optional[Path], typer.Option(
        help="Carpeta del modelo (por omisión la versión activa de la oficina, o la de la configuración).",
        exists=True, file_okay=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Un objeto JSON en la salida estándar.")] = False,
) -> None:
    """Sugiere programa y dirección para un texto, con puntajes y alternativas, y los datos del peticionario."""
    from classifiers.extraction import extract_fields
    from classifiers.model import Classifier
    from pipeline.context import active_model_folder

    if (text is None) == (file is None):
        console.print("Dé el texto o --file, uno de los dos.")
        raise typer.Exit(REFUSED)
    body = text if text is not None else file.read_text(encoding="utf-8")
    classifier = Classifier(model or active_model_folder(Settings()))
    suggestions = {s.target: {"label": s.label, "score": s.score, "alternatives": [list(a) for a in s.alternatives]}
                   for s in classifier.suggest(body)}
    result = {"model_version": classifier.version, "suggestions": suggestions, "fields": extract_fields(body)}
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    table = Table("Objetivo", "Sugerencia", "Puntaje", "Alternativas", title=f"Modelo {classifier.version}")
    for target, s in suggestions.items():
        others = ", ".join(f"{label} {score:.2f}" for label, score in s["alternatives"])
        table.add_row(target, s["label"] or "sin sugerencia confiable", f"{s['score']:.2f}", others)
    Console().print(table)
    fields = Table("Dato", "Valor", "Puntaje", title="Datos del peticionario")
    for name, field in result["fields"].items():
        fields.add_row(name, str(field["value"]), f"{field['score']:.2f}")
    Console().print(fields)


def _print_metrics(results: list[dict], title: str) -> None:
    shown = any("suggested_share" in r for r in results)  # evaluate knows what was suggested; train's folds do not
    extra = ("Con sugerencia", "Aciertos de la sugerencia") if shown else ()
    table = Table("Objetivo", "Casos", "F1 macro", "Exactitud", "Top 3", "Exactitud al 50%", "Error de calibración",
                  *extra, title=title)
    for r in results:
        cells = [f"{r['suggested_share']:.3f}", f"{r['suggested_accuracy']:.3f}"] if shown else []
        table.add_row(r["target"], str(r["n"]), f"{r['macro_f1']:.3f}", f"{r['accuracy']:.3f}",
                      f"{r['top3_accuracy']:.3f}", f"{r['accuracy_at_50pct_coverage']:.3f}",
                      f"{r['expected_calibration_error']:.3f}", *cells)
    Console().print(table)
