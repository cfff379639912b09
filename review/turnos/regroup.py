"""Documents scanned together, regrouped by a reviewer: split one at a page, or merge one into another.

Nothing is deleted and no original is touched. Page rows (with their typed transcriptions) move to the document
they now belong to and remember where they came from (`origin_document_id`, `origin_page`: the document whose
archived original holds the page, and its number there); their page PDFs are copied and each document's
searchable PDF is rebuilt from them. A split makes a new document in review (same channel and date received);
a merged document ends `duplicate` with reason `merged`, pointing at the survivor through `duplicate_of`. Both
documents are re-classified from their new text.
"""

from __future__ import annotations

import shutil

from sqlalchemy import select, update

from ocr import searchable
from pipeline.context import Context
from review.errors import DocumentNotFound, InvalidInput, NotReviewable
from pipeline.paths import page_pdf, processed_folder, searchable_pdf
from review.turnos.reclassify import reclassify
from review.roles import Actor, log_access, require
from review.turnos.routing import _locked_for_decision
from storage import documents, events, fulltext
from storage import routing as turnos
from storage.tables import Document, Page, State, Transcription
from storage.events import EventKind


def _move_pages(ctx: Context, session, source: Document, target_id: int, first: int, shift: int) -> list[int]:
    """Pages `first`.. of `source` become pages of `target_id`, renumbered by `shift`; returns the old numbers."""
    moved = []
    for page in documents.pages(session, source.id):
        if page.number < first:
            continue
        old = page_pdf(ctx, source.id, page.number)
        new_number = page.number + shift
        if old.is_file():
            processed_folder(ctx, target_id).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(old, page_pdf(ctx, target_id, new_number))  # a new mtime: cached images re-render
        if page.origin_document_id is None:
            page.origin_document_id, page.origin_page = source.id, page.number
        page.document_id, page.number = target_id, new_number
        moved.append(new_number - shift)
    session.flush()
    session.execute(update(Transcription)
                    .where(Transcription.document_id == source.id, Transcription.page_number >= first)
                    .values(document_id=target_id, page_number=Transcription.page_number + shift))
    fulltext.refresh(session, [source.id, target_id])  # each found by the text it holds now
    return moved


def _rebuild_pdf(ctx: Context, document_id: int, page_count: int) -> None:
    """The searchable PDF again from the page PDFs the document has now (the old one is overwritten: derived)."""
    pages = [page_pdf(ctx, document_id, n) for n in range(1, page_count + 1)]
    present = [p for p in pages if p.is_file()]
    if present:
        searchable.join(present, searchable_pdf(ctx, document_id))


def split(ctx: Context, actor: Actor, document_id: int, *, version: int, at_page: int) -> int:
    """Pages `at_page`.. of a document in review become a new document in review; returns its id."""
    require(actor, "regroup")
    with ctx.sessions.begin() as session:
        document = _locked_for_decision(session, document_id, version)
        count = document.page_count or 0
        if not 2 <= at_page <= count:
            raise InvalidInput(f"split {document_id} at {at_page} of {count}",
                               user_message=f"Elija una página entre 2 y {count} para separar." if count > 1 else
                               "Un documento de una sola página no se puede separar.")
        new = documents.add(session, actor.name, state=State.review, original_name=document.original_name,
                            source_path=document.source_path, channel=document.channel,
                            received_at=document.received_at, media_type=document.media_type,
                            archive_path=document.archive_path, page_count=count - at_page + 1,
                            reason_code="split", reason=f"Separado del documento {document_id} "
                                                        f"(páginas {at_page}-{count})")
        moved = _move_pages(ctx, session, document, new.id, at_page, -(at_page - 1))
        document.page_count = at_page - 1
        document.version += 1
        events.record(session, EventKind.split, actor.name, document_id, new_document=new.id, pages=moved)
        events.record(session, EventKind.split_from, actor.name, new.id, document=document_id, pages=moved)
        for subject, other in ((document_id, new.id), (new.id, document_id)):
            log_access(session, actor, "split", subject, target=f"documento {other}")
        new_id, new_count = new.id, new.page_count
    _rebuild_pdf(ctx, document_id, at_page - 1)
    _rebuild_pdf(ctx, new_id, new_count)
    reclassify(ctx, document_id, actor.name, "split", new_document=new_id)
    reclassify(ctx, new_id, actor.name, "split", document=document_id)
    return new_id


def merge(ctx: Context, actor: Actor, document_id: int, *, version: int, into: int) -> None:
    """Append the pages of a document in review to another in review; the first ends `duplicate` (merged)."""
    require(actor, "regroup")
    if into == document_id:
        raise InvalidInput("merge into itself", user_message="Elija otro documento: no se puede unir consigo mismo.")
    with ctx.sessions.begin() as session:
        document = _locked_for_decision(session, document_id, version)
        survivor = turnos.lock_document(session, into)
        if survivor is None:
            raise DocumentNotFound(str(into), user_message=f"No existe el documento {into}.")
        if survivor.state != State.review:
            raise NotReviewable(f"document {into} is {survivor.state.value}",
                                user_message=f"El documento {into} no está en revisión: sólo se unen documentos "
                                             "que esperan revisión.")
        offset = survivor.page_count or 0
        moved = _move_pages(ctx, session, document, into, 1, offset)
        survivor.page_count = offset + len(moved)
        survivor.version += 1
        documents.set_state(session, document, State.duplicate, actor.name, duplicate_of=into, reason_code="merged",
                            reason=f"Unido al documento {into} (sus páginas {offset + 1}-{offset + len(moved)})",
                            page_count=0)
        events.record(session, EventKind.merged, actor.name, document_id, into=into, pages=moved)
        events.record(session, EventKind.merged_in, actor.name, into, document=document_id,
                      pages=[n + offset for n in moved])
        for subject, other in ((document_id, into), (into, document_id)):
            log_access(session, actor, "merge", subject, target=f"documento {other}")
        total = survivor.page_count
    _rebuild_pdf(ctx, into, total)
    reclassify(ctx, into, actor.name, "merge", document=document_id)


def origins(session, document_id: int) -> dict[int, tuple[int, int]]:
    """Pages of this document that came from another one: {number: (document, page there)}."""
    rows = session.execute(select(Page.number, Page.origin_document_id, Page.origin_page)
                           .where(Page.document_id == document_id, Page.origin_document_id.is_not(None)))
    return {number: (origin, page) for number, origin, page in rows if origin != document_id or page != number}
