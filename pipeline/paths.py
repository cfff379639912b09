"""Every path under PETICIONES_HOME, named here once: the folders (Settings' inbox, archive... read these names),
the files beside them, and what each document has under archivo/, procesado/ and salida/. A path recorded in the
database (a slip's, an answer's) is relative to HOME and read back through `stored`.

    entrada/<medio>/...                  scans dropped by the scanner or a clerk
    archivo/ab/cd/<sha256><ext>          the originals, by content (watch_folders/archive.py writes them)
    cuarentena/                          refused files, each with its .motivo.txt
    procesado/<id>/                      page PDFs and images, the searchable document, slips and answers
    salida/<dirección>/<folio>[-volante].pdf   each turno for its directorates
    modelos/                             the classifier's versions (pipeline/retrain.py)
    peticiones.db, cola.db, entrada-en-espera.json, errores.log, .arco-*/ (an expediente being sent)
"""

from __future__ import annotations

import os
from pathlib import Path

INBOX = "entrada"
ARCHIVE = "archivo"
QUARANTINE = "cuarentena"
OUTBOX = "salida"
PROCESSED = "procesado"
MODELS = "modelos"
DATABASE = "peticiones.db"
QUEUE = "cola.db"
HELD_REPORT = "entrada-en-espera.json"
CRASH_LOG = "errores.log"
ARCO_SCRATCH = ".arco-"  # prefix of a private scratch folder for an expediente ARCO while it is sent


def archived(sha: str, suffix: str) -> Path:
    """Where an original lands inside archivo/: by its sha256, two levels of folders."""
    return Path(sha[:2]) / sha[2:4] / f"{sha}{suffix.lower()}"


def archived_file(ctx, document) -> Path:
    return ctx.settings.archive / document.archive_path


def processed_folder(ctx, document_id: int) -> Path:
    return ctx.settings.processed / str(document_id)


def page_pdf(ctx, document_id: int, number: int) -> Path:
    return processed_folder(ctx, document_id) / f"pagina-{number:04d}.pdf"


def page_image(ctx, document_id: int, number: int, dpi: int | None = None) -> Path:
    """The page as reviewers see it, at the settings' page_image_dpi (or `dpi`, when they zoom in)."""
    return processed_folder(ctx, document_id) / f"pagina-{number:04d}-{dpi or ctx.settings.page_image_dpi}dpi.png"


def mail_pdf(ctx, document_id: int) -> Path:
    """An e-mail petition's pages as one PDF (its body typed, then its attachments): derived from the .eml."""
    return processed_folder(ctx, document_id) / "correo.pdf"


def searchable_pdf(ctx, document_id: int) -> Path:
    """The document as one PDF, each page with its text layer: what reviewers read and what is routed."""
    return processed_folder(ctx, document_id) / f"documento-{document_id}.pdf"


def slip_file(ctx, routing) -> Path:
    """Where a turno's slip is kept: beside the document's processed files."""
    return processed_folder(ctx, routing.document_id) / f"volante-{safe_name(routing.folio)}.pdf"


def answer_file(ctx, document_id: int, folio: str, number: int) -> Path:
    """The `number`th answer file (its PDF or the answer letter) of a turno."""
    return processed_folder(ctx, document_id) / f"respuesta-{safe_name(folio)}-{number}.pdf"


def outbox_files(ctx, routing, directorate: str) -> tuple[Path, Path]:
    """Where the searchable PDF and the slip land for one directorate: salida/<directorate>/<folio>[-volante].pdf."""
    folder = ctx.settings.outbox / safe_name(directorate)
    return folder / f"{safe_name(routing.folio)}.pdf", folder / f"{safe_name(routing.folio)}-volante.pdf"


def stored(ctx, relative: str) -> Path:
    """A path the database recorded relative to HOME."""
    return ctx.settings.home / relative


def safe_name(name: str) -> str:
    """A folio or a directorate's code as one file name: no folder separators, no leading dot."""
    return name.replace(os.sep, "-").replace("\0", "").lstrip(".") or "_"
