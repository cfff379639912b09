"""One reading of a document's text, wherever it is read: by the classify stage (pipeline/stages.py) and again after
a person types a page or pages move (review/turnos/reclassify.py). The suggestions for program and directorate,
the petitioner's fields, and the text's fingerprint (posibles duplicados), stored together."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from classifiers import legibility
from classifiers.extraction import RULES_VERSION, extract_fields
from pipeline.context import Context
from pipeline.paths import archived_file
from storage import documents, fingerprints, texts
from watch_folders import mail


log = logging.getLogger(__name__)

SENDER = "sender"  # the source of an extracted e-mail address that is the message's From


@dataclass(frozen=True)
class Reading:
    text: str
    suggestions: list
    fields: dict


def read(ctx: Context, pages: list, inactive, sender: str | None = None) -> Reading:
    """Suggest and extract from the document's `pages` (storage.texts.current_pages: each page's current text with
    the words recognition read it from), outside any transaction (the classifier takes a moment); a deactivated
    program or directorate (`inactive`, storage.catalogue.inactive_labels) is never suggested. An e-mail's `sender`
    (sender_of) is the petitioner's address, whatever other address the body names: it is the one to answer. The
    recognised words give the fields written in words their recognition's confidence (classifiers/legibility.py)."""
    text = texts.PAGE_BREAK.join(page_text for page_text, _ in pages)
    fields = extract_fields(text)
    try:
        fields = legibility.mark(fields, text, pages)
    except (TypeError, ValueError, IndexError) as error:  # a page's stored words in a shape not foreseen
        log.warning("confianza de lectura no calculada: %s", error)
    if sender:
        fields["email"] = {"value": sender, "score": 0.99, "source": SENDER}
    return Reading(text, ctx.classifier.suggest(text, inactive=inactive), fields)


def sender_of(ctx: Context, document, fields: dict | None = None) -> str | None:
    """The address an e-mail petition came from (its archived .eml's From); None for any other document. `fields`,
    the document's latest extraction, holds it from its first classification on: the file is then not read again."""
    original = archived_file(ctx, document)
    if not mail.is_mail(original):
        return None
    stored = (fields or {}).get("email")
    if isinstance(stored, dict) and stored.get("source") == SENDER:
        return stored.get("value") or None
    return mail.sender_of(original) or None


def store(session: Session, document_id: int, reading: Reading, actor: str) -> list:
    """The reading's suggestions, fields and fingerprint, in the caller's transaction (whose last write refreshes the
    full-text index: storage/fulltext.py); returns the documents whose text is like this one."""
    documents.save_suggestions(session, document_id, reading.suggestions, actor)
    documents.save_extraction(session, document_id, reading.fields, RULES_VERSION)
    return fingerprints.save(session, document_id, reading.text)
