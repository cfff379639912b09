"""One reading of a document's text, wherever it is read: by the classify stage (pipeline/stages.py) and again after
a person types a page or pages move (review/turnos/reclassify.py). The suggestions for program and directorate,
the petitioner's fields, and the text's fingerprint (posibles duplicados), stored together."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from classifiers.extraction import RULES_VERSION, extract_fields
from pipeline.context import Context
from pipeline.paths import archived_file
from storage import documents, fingerprints
from watch_folders import mail


@dataclass(frozen=True)
class Reading:
    text: str
    suggestions: list
    fields: dict


def read(ctx: Context, text: str, inactive, sender: str | None = None) -> Reading:
    """Suggest and extract from `text`, outside any transaction (the classifier takes a moment); a deactivated
    program or directorate (`inactive`, storage.catalogue.inactive_labels) is never suggested. An e-mail's `sender`
    (sender_of) is the petitioner's address, whatever other address the body names: it is the one to answer."""
    fields = extract_fields(text)
    if sender:
        fields["email"] = {"value": sender, "score": 0.99, "source": "sender"}
    return Reading(text, ctx.classifier.suggest(text, inactive=inactive), fields)


def sender_of(ctx: Context, document) -> str | None:
    """The address an e-mail petition came from (its archived .eml's From); None for any other document."""
    original = archived_file(ctx, document)
    return (mail.sender_of(original) or None) if mail.is_mail(original) else None


def store(session: Session, document_id: int, reading: Reading, actor: str) -> list:
    """The reading's suggestions, fields and fingerprint, in the caller's transaction (whose last write refreshes the
    full-text index: storage/fulltext.py); returns the documents whose text is like this one."""
    documents.save_suggestions(session, document_id, reading.suggestions, actor)
    documents.save_extraction(session, document_id, reading.fields, RULES_VERSION)
    return fingerprints.save(session, document_id, reading.text)
