"""A batch scan split at its separator sheets: one document per petition, the sheets themselves dropped.

The batch's original is archived once. Its first petition stays in the batch's own document; each later one
becomes a new document whose pages remember where they came from (`origin_document_id`, `origin_page`: the batch and
the page's number in it), as a reviewer's split leaves them. The new documents already have their pages read, so
they go through the remaining stages only (their PDF, their classification), each on its own.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import delete, select, update

from pipeline.context import Context
from pipeline.errors import RejectedInput
from pipeline.paths import page_pdf, processed_folder
from storage import documents, events
from storage.tables import Document, Page, State

ACTOR = "separadores"
PART = "batch"  # Document.reason_code of a petition split from a batch
SEPARATOR = "separator"  # Page.source of a separator sheet (ocr.cleanup.separator)
READ_STAGES = ("inspect", "ocr", "separate")  # what a new document of a batch has already been through


class OnlySeparators(RejectedInput):
    code = "only_separators"
    user_message = ("El escaneo trae sólo hojas separadoras, sin ninguna petición entre ellas. Revise que se "
                    "escanearon las peticiones.")


def separate(ctx: Context, document: Document) -> list[int]:
    """Split the document at its separator sheets (a stage: a document without any is left as it is); returns the
    new documents, the batch's petitions after its first.

    What to do is worked out from the pages read in a short transaction and their PDFs are copied aside before the
    write: on SQLite the write transaction holds the database's one write lock, so it only writes."""
    with ctx.sessions() as session:
        pages = documents.page_outline(session, document.id)
    sheets = _sheets(pages, ctx.settings.split_at_blank_pages)
    if not sheets:
        return []
    groups = _groups(pages, sheets)
    if not groups:
        raise OnlySeparators(f"{len(pages)} hojas separadoras")
    staged = _stage_pdfs(ctx, document.id, groups)
    try:
        with ctx.sessions.begin() as session:
            batch = session.get(Document, document.id)
            session.execute(delete(Page).where(Page.id.in_(sheets)))  # the batch's original still holds the sheets
            parts = [_new_part(session, batch, group) for group in groups[1:]]
            moves = list(zip([batch.id, *parts], groups))  # the batch's own group first: the lowest page numbers
            session.execute(update(Page), [_moved(batch.id, target, number, page) for target, group in moves
                                           for number, page in enumerate(group, 1)])
            _place_pdfs(ctx, batch.id, moves, staged)
            batch.page_count = len(groups[0])
            events.record(session, "batch_split", ACTOR, batch.id, documents=len(groups), sheets=len(sheets))
    finally:
        for copy in staged.values():  # none left once placed; a failed write's copies are made again on its retry
            copy.unlink(missing_ok=True)
    document.page_count = len(groups[0])
    return parts


def parts_waiting(ctx: Context, batch_id: int) -> list[int]:
    """The documents split from a batch that have not been processed yet."""
    with ctx.sessions() as session:
        return list(session.scalars(
            select(Document.id).where(Document.state == State.received, Document.reason_code == PART,
                                      Document.id.in_(select(Page.document_id)
                                                      .where(Page.origin_document_id == batch_id)))
            .order_by(Document.id)))


def _sheets(pages: list, blank_splits: bool) -> set[int]:
    """The ids of the pages that separate petitions: the project's sheet, and a blank page when the office
    separates petitions with a blank sheet (never the only page)."""
    blank_too = blank_splits and len(pages) > 1
    return {page.id for page in pages if page.source == SEPARATOR or (blank_too and page.blank)}


def _groups(pages: list, sheets: set[int]) -> list[list]:
    """The runs of pages between separator sheets, in order, empty runs left out."""
    groups: list[list] = [[]]
    for page in pages:  # in number order
        if page.id in sheets:
            groups.append([])
        else:
            groups[-1].append(page)
    return [group for group in groups if group]


def _new_part(session, batch: Document, group: list) -> int:
    """A document for a petition of the batch after its first, already through the reading stages."""
    part = documents.add(session, ACTOR, state=State.received, original_name=batch.original_name,
                         source_path=batch.source_path, channel=batch.channel, received_at=batch.received_at,
                         media_type=batch.media_type, archive_path=batch.archive_path, page_count=len(group),
                         reason_code=PART, reason=f"Petición separada del lote {batch.id} (páginas {_span(group)} "
                                                  "del escaneo)")
    documents.record_done(session, part.id, READ_STAGES, ACTOR)
    events.record(session, "batch_part", ACTOR, part.id, batch=batch.id,
                  pages=[page.origin_page or page.number for page in group])
    return part.id


def _moved(batch_id: int, target_id: int, number: int, page) -> dict:
    """The page as page `number` of `target_id`, remembering where it came from. Applied in order, the batch's own
    pages first, no two pages of a document ever hold one number: a page only moves down over sheets gone."""
    origin = (page.origin_document_id, page.origin_page) if page.origin_document_id else (batch_id, page.number)
    return {"id": page.id, "document_id": target_id, "number": number, "origin_document_id": origin[0],
            "origin_page": origin[1]}


def _stage_pdfs(ctx: Context, batch_id: int, groups: list[list]) -> dict[int, Path]:
    """Each petition page's PDF copied aside in the batch's folder, by its number there (before the write: in the
    batch, page 3 may become page 1 over page 1's PDF). The first petition's pages that keep their number (all
    of them when the batch starts with a letter) stay where they are."""
    staged = {}
    staying = {page.number for number, page in enumerate(groups[0], 1) if page.number == number}
    for page in (page for group in groups for page in group if page.number not in staying):
        source = page_pdf(ctx, batch_id, page.number)
        if source.is_file():
            staged[page.number] = source.with_name(f".lote-{source.name}")
            shutil.copyfile(source, staged[page.number])
    return staged


def _place_pdfs(ctx: Context, batch_id: int, moves: list[tuple[int, list]], staged: dict[int, Path]) -> None:
    """The staged copies renamed to their petition's page numbers; the batch's PDFs beyond its last page (the
    sheets', the moved pages') removed as stale."""
    for target_id, group in moves:
        for number, page in enumerate(group, 1):
            if page.number in staged:
                target = page_pdf(ctx, target_id, number)
                target.parent.mkdir(parents=True, exist_ok=True)
                staged[page.number].replace(target)
    for stale in processed_folder(ctx, batch_id).glob("pagina-*.pdf"):
        if int(stale.stem.split("-")[1]) > len(moves[0][1]):
            stale.unlink()


def _span(group: list) -> str:
    first, last = (page.origin_page or page.number for page in (group[0], group[-1]))
    return f"{first}" if first == last else f"{first}-{last}"
