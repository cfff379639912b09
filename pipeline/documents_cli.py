"""`peticiones process`, `ocr`, `status` and `separador`: documents taken in and read now, pages read without storing
them, where every document stands, and the separator sheet for batch scans (registered in pipeline/cli.py)."""

from __future__ import annotations

import heapq
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from pipeline.settings import Settings
from pipeline.terminal import SOME_FAILED, console, context, say


def process(
    files: Annotated[list[Path], typer.Argument(help="Archivos PDF, TIFF, JPEG o PNG.", exists=True, dir_okay=False)],
    channel: Annotated[str, typer.Option(help="Medio de recepción.")] = "correspondencia",
) -> None:
    """Procesa ahora los archivos indicados (sin borrarlos) y muestra un resumen."""
    from pipeline import runner
    from storage.tables import Document, State, utcnow
    from watch_folders.intake import IncomingFile, take_in

    ctx = context()
    settings = ctx.settings
    intakes = []
    for path in files:
        stat = path.stat()
        incoming = IncomingFile(path.resolve(), channel, stat.st_size, stat.st_mtime_ns, utcnow())
        intakes.append((path, take_in(incoming, settings.archive, settings.quarantine, ctx.sessions,
                                      remove_source=False, actor="cli")))

    def run_one(document_id: int) -> None:
        """The document, and any petition split from it, until none is to be tried again."""
        due = [(0.0, document_id)]
        while due:
            at, document = heapq.heappop(due)
            time.sleep(max(0.0, at - time.monotonic()))
            for again, delay in runner.process(ctx, document).retries():
                heapq.heappush(due, (time.monotonic() + delay, again))

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
        say(f"{failed} de {len(intakes)} archivo(s) no se pudieron procesar; vea el motivo en la tabla.")
        raise typer.Exit(SOME_FAILED)


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
        # A reader thread per core, and one more: while a file's pages are read, the next file is being opened and
        # decoded, so a core does not wait for it (the page pool was busy 87% of the time on one-page files with
        # a reader per core, 93% with one more). Each file holds only a few pages in memory.
        with ThreadPoolExecutor(max_workers=pool.workers + 1) as readers:
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
        say(f"{failed} de {len(files)} archivo(s) no se leyeron completos; vea el motivo en la tabla.")
        raise typer.Exit(SOME_FAILED)


def _page_json(page) -> dict:
    entry = {"page": page.number, "text": page.text, "confidence": page.confidence, "rotation": page.rotation,
             "skew": page.skew, "blank": page.blank, "needs_transcription": page.needs_transcription,
             "seconds": round(page.seconds, 2), "source": page.source}
    if page.error_code:
        entry.update(error_code=page.error_code, error=page.error)
    return entry


def status(as_json: Annotated[bool, typer.Option("--json", help="Un objeto JSON en la salida estándar.")] = False) -> None:
    """Documentos por estado, los archivos en cuarentena o con fallas y su motivo, y los que esperan en la carpeta
    de entrada y por qué."""
    from storage import documents
    from watch_folders import held

    ctx = context()
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


def separador(
    out: Annotated[Path, typer.Option(help="Archivo PDF a escribir con la hoja separadora, para imprimir.")],
) -> None:
    """La hoja separadora: póngala entre cada petición y la siguiente al escanear varias juntas; el escaneo se separa
    en un documento por petición y la hoja queda fuera."""
    from ocr.cleanup import separator
    from ocr.errors import FontMissing
    from pipeline.terminal import refuse

    try:
        content = separator.sheet_pdf(Settings().slip_font)
    except FontMissing as error:
        refuse(error)
    out.write_bytes(content)
    say(f"Hoja separadora en {out}: imprímala y póngala entre cada petición y la siguiente al escanear.")
