"""The stages a stored document goes through, in order. Each is idempotent and resumable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ocr import rasterize
from ocr.page import SourceInfo
from ocr.reader import read_page
from pipeline.context import Context
from storage import documents
from storage.tables import Document, Page


def archived_file(ctx: Context, document: Document) -> Path:
    return ctx.settings.archive / document.archive_path


def inspect(ctx: Context, document: Document) -> None:
    """Check what the archived file really is and that it is within the limits."""
    info = rasterize.inspect(archived_file(ctx, document), ctx.settings.max_pages, ctx.settings.max_pixels)
    with ctx.sessions.begin() as session:
        row = session.get(Document, document.id)
        row.media_type, row.page_count = info.media_type, info.page_count
    document.media_type, document.page_count = info.media_type, info.page_count


def ocr(ctx: Context, document: Document) -> None:
    """Rasterize, clean and recognise each page not done yet, storing every page as soon as it is read."""
    settings = ctx.settings
    with ctx.sessions() as session:
        done = documents.done_pages(session, document.id)
    info = SourceInfo(document.media_type, document.page_count)
    for image in rasterize.iter_pages(archived_file(ctx, document), info, settings.dpi, settings.max_pixels, done,
                                      timeout=settings.page_timeout):
        page = read_page(image, settings.ocr_language, settings.page_timeout)
        with ctx.sessions.begin() as session:
            session.add(Page(document_id=document.id, number=page.number, text=page.text,
                             confidence=page.confidence, rotation=page.rotation, skew=page.skew, width=page.width,
                             height=page.height, blank=page.blank, needs_transcription=page.needs_transcription,
                             seconds=round(page.seconds, 3)))
            documents.renew(session, document.id, ctx.worker, settings.lease_seconds)


def classify(ctx: Context, document: Document) -> None:
    """Suggest program and directorate from the text of all pages, and store the suggestions."""
    with ctx.sessions() as session:
        text = "\n\n".join(p.text for p in documents.pages(session, document.id) if p.text)
    suggestions = ctx.classifier.suggest(text)
    with ctx.sessions.begin() as session:
        documents.save_suggestions(session, document.id, suggestions, ctx.worker)


STAGES: tuple[tuple[str, Callable[[Context, Document], None]], ...] = (
    ("inspect", inspect),
    ("ocr", ocr),
    ("classify", classify),
)
