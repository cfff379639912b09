"""The stages a stored document goes through (their order is the runner's). Each is idempotent and resumable."""

from __future__ import annotations

from pathlib import Path

from ocr import rasterize, searchable
from ocr.document import read_document
from ocr.page import SourceInfo
from ocr.reader import OcrOptions
from pipeline import classification
from pipeline.paths import archived_file, mail_pdf, page_pdf, processed_folder, searchable_pdf
from pipeline.context import Context
from storage import catalogue, documents, fulltext, texts
from storage.files import write_atomic, write_by_tool
from storage.tables import Document, Page
from watch_folders import mail


def readable_file(ctx: Context, document: Document) -> Path:
    """The file the pages are read from: the original, or for an e-mail the PDF made of it (its body typed as the
    first page, then its attachments' pages), made again if it is gone (it is derived, the .eml is the original)."""
    original = archived_file(ctx, document)
    if not mail.is_mail(original):
        return original
    target = mail_pdf(ctx, document.id)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        write_by_tool(target, lambda partial: _mail_pdf(ctx, mail.read(original), partial))
    return target


def _mail_pdf(ctx: Context, message: mail.Mail, target: Path) -> None:
    font = ctx.settings.slip_font
    body = target.with_name(f"{target.stem}-cuerpo.pdf")
    files = [body]
    try:
        body.write_bytes(searchable.typed_pages(mail.heading(message), message.body, font))
        parts: list[tuple[Path, int | None]] = [(body, None)]
        for index, attached in enumerate(message.attachments, 1):
            path = target.with_name(f"{target.stem}-adjunto-{index:02d}{mail.PAGES[attached.media_type]}")
            path.write_bytes(attached.data)
            files.append(path)
            pdf = attached.media_type == "application/pdf"
            if not pdf:
                rasterize.sniff(path)  # an "image" that is not one is refused here, with its reason
            parts.append((path, None if pdf else rasterize.image_dpi(path)))
        searchable.bundle(parts, target)
    finally:
        for path in files:
            path.unlink(missing_ok=True)


def inspect(ctx: Context, document: Document) -> None:
    """Check what the archived file really is and that it is within the limits."""
    info = rasterize.inspect(readable_file(ctx, document), ctx.settings.max_pages, ctx.settings.max_pixels)
    with ctx.sessions.begin() as session:
        row = session.get(Document, document.id)
        row.media_type, row.page_count = info.media_type, info.page_count
    document.media_type, document.page_count = info.media_type, info.page_count


def ocr(ctx: Context, document: Document) -> None:
    """Read each page not done yet (in parallel), storing every page and its PDF as soon as it is read.

    A page Tesseract cannot read is stored with its error and flagged for transcription; the others go on.
    """
    settings = ctx.settings
    with ctx.sessions() as session:
        done = documents.done_pages(session, document.id)
    info = SourceInfo(document.media_type, document.page_count)
    # a batch of several petitions has separator sheets between them (pipeline.batches splits it after reading)
    options = OcrOptions(settings.ocr_language, settings.page_timeout, pdf=True,
                         separators=(document.page_count or 0) > 1)
    processed_folder(ctx, document.id).mkdir(parents=True, exist_ok=True)
    for page in read_document(readable_file(ctx, document), info, options, ctx.pages, dpi=settings.dpi,
                              max_pixels=settings.max_pixels, skip=done, page_timeout=settings.page_timeout):
        if page.pdf is not None:
            write_atomic(page_pdf(ctx, document.id, page.number), page.pdf)
        with ctx.sessions.begin() as session:
            session.add(Page(document_id=document.id, number=page.number, text=page.text,
                             confidence=page.confidence, rotation=page.rotation, skew=page.skew, width=page.width,
                             height=page.height, blank=page.blank, needs_transcription=page.needs_transcription,
                             seconds=round(page.seconds, 3), source=page.source, error_code=page.error_code,
                             error=page.error, words=[[w.text, round(w.confidence, 1), *w.box] for w in page.words]))
            documents.renew(session, document.id, document.lease_owner, settings.lease_seconds)  # this task's lease


def pdf(ctx: Context, document: Document) -> None:
    """Join the page PDFs into the searchable document."""
    pages = [page_pdf(ctx, document.id, n) for n in range(1, (document.page_count or 0) + 1)]
    present = [p for p in pages if p.exists()]
    if present:
        # Written aside and renamed: a crash never leaves half a PDF under the final name.
        write_by_tool(searchable_pdf(ctx, document.id), lambda partial: searchable.join(present, partial))


def classify(ctx: Context, document: Document) -> None:
    """Suggest program and directorate, find the petitioner's data and fingerprint the text (posibles duplicados),
    from the text of all pages; store all three. The last stage: its write refreshes the full-text index once for
    what the run wrote (the pages read, a batch's separation, the fields found; the runner does on a failure)."""
    with ctx.sessions() as session:
        pages = texts.current_pages(session, document.id)
        inactive = catalogue.inactive_labels(session)
    reading = classification.read(ctx, pages, inactive, classification.sender_of(ctx, document))
    with ctx.sessions.begin() as session:
        classification.store(session, document.id, reading, ctx.worker)
        fulltext.refresh(session, [document.id])

