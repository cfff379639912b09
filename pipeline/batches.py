"""A batch scan split at its separator sheets: one document per petition, the sheets themselves dropped.

The batch's original is archived once. Its first petition stays in the batch's own document; each later one
becomes a new document whose pages remember where they came from (`origin_document_id`, `origin_page`: the batch and
the page's number in it), as a reviewer's split leaves them. The new documents already have their pages read, so
they go through the remaining stages only (their PDF, their classification), each on its own.
"""

from __future__ import annotations

import shutil

from sqlalchemy import select

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
    new documents, the batch's petitions after its first."""
    blank_splits = ctx.settings.split_at_blank_pages
    with ctx.sessions.begin() as session:
        pages = documents.pages(session, document.id)
        if blank_splits and len(pages) > 1:  # the office separates petitions with a blank sheet: a separator
            for page in pages:
                if page.blank:
                    page.source = SEPARATOR
        if not any(page.source == SEPARATOR for page in pages):
            return []
        groups = _groups(pages)
        if not groups:
            raise OnlySeparators(f"{len(pages)} hojas separadoras")
        batch = session.get(Document, document.id)
        for page in pages:
            if page.source == SEPARATOR:
                session.delete(page)  # the sheet is no page of a petition; the batch's original still holds it
        session.flush()
        parts = []
        for group in groups[1:]:  # before the batch's own group: renumbering it replaces the batch's page PDFs
            part = documents.add(session, ACTOR, state=State.received, original_name=batch.original_name,
                                 source_path=batch.source_path, channel=batch.channel, received_at=batch.received_at,
                                 media_type=batch.media_type, archive_path=batch.archive_path,
                                 page_count=len(group), reason_code=PART,
                                 reason=f"Petición separada del lote {batch.id} (páginas {_span(group)} del escaneo)")
            _renumber(ctx, session, batch, part.id, group)
            parts.append(part.id)
            for stage in READ_STAGES:
                run = documents.start_stage(session, part.id, stage, ACTOR)
                documents.finish_stage(session, run.id, "succeeded")
            events.record(session, "batch_part", ACTOR, part.id, batch=batch.id, pages=[p.origin_page for p in group])
        _renumber(ctx, session, batch, batch.id, groups[0])
        batch.page_count = len(groups[0])
        events.record(session, "batch_split", ACTOR, batch.id, documents=len(groups),
                      sheets=sum(page.source == SEPARATOR for page in pages))
        document.page_count = batch.page_count
    return parts


def parts_waiting(ctx: Context, batch_id: int) -> list[int]:
    """The documents split from a batch that have not been processed yet."""
    with ctx.sessions() as session:
        return list(session.scalars(
            select(Document.id).where(Document.state == State.received, Document.reason_code == PART,
                                      Document.id.in_(select(Page.document_id)
                                                      .where(Page.origin_document_id == batch_id)))
            .order_by(Document.id)))


def _groups(pages: list[Page]) -> list[list[Page]]:
    """The runs of pages between separator sheets, in order, empty runs left out."""
    groups: list[list[Page]] = [[]]
    for page in sorted(pages, key=lambda p: p.number):
        if page.source == SEPARATOR:
            groups.append([])
        else:
            groups[-1].append(page)
    return [group for group in groups if group]


def _renumber(ctx: Context, session, batch: Document, target_id: int, group: list[Page]) -> None:
    """The group's pages become pages 1.. of `target_id`, their PDFs copied under their new numbers."""
    moves = []
    for new_number, page in enumerate(group, 1):
        source = page_pdf(ctx, batch.id, page.number)
        staged = processed_folder(ctx, target_id) / f".pagina-{new_number:04d}.pdf.lote"
        if source.is_file():
            staged.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, staged)  # staged first: in the batch, page 3 may become page 1 over page 1's PDF
            moves.append((staged, page_pdf(ctx, target_id, new_number)))
        if page.origin_document_id is None:
            page.origin_document_id, page.origin_page = batch.id, page.number
        page.number = -new_number  # out of the way of the numbers still taken, within one flush
    session.flush()
    for new_number, page in enumerate(group, 1):
        page.document_id, page.number = target_id, new_number
    session.flush()
    for staged, final in moves:
        staged.replace(final)
    if target_id == batch.id:  # PDFs of pages beyond the petition's last are the sheets' or moved pages': stale
        for stale in processed_folder(ctx, batch.id).glob("pagina-*.pdf"):
            if int(stale.stem.split("-")[1]) > len(group):
                stale.unlink()


def _span(group: list[Page]) -> str:
    first, last = (page.origin_page or page.number for page in (group[0], group[-1]))
    return f"{first}" if first == last else f"{first}-{last}"
