"""One reading of a document's text, wherever it is read: by the classify stage (pipeline/stages.py) and again after
a person types a page or pages move (review/turnos/reclassify.py). The suggestions for program and directorate,
the petitioner's fields, and the text's fingerprint (posibles duplicados), stored together."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from classifiers.extraction import RULES_VERSION, extract_fields
from pipeline.context import Context
from storage import documents, fingerprints


@dataclass(frozen=True)
class Reading:
    text: str
    suggestions: list
    fields: dict


def read(ctx: Context, text: str, inactive) -> Reading:
    """Suggest and extract from `text`, outside any transaction (the classifier takes a moment); a deactivated
    program or directorate (`inactive`, storage.catalogue.inactive_labels) is never suggested."""
    return Reading(text, ctx.classifier.suggest(text, inactive=inactive), extract_fields(text))


def store(session: Session, document_id: int, reading: Reading, actor: str) -> list:
    """The reading's suggestions, fields and fingerprint, in the caller's transaction; returns the documents whose
    text is like this one."""
    documents.save_suggestions(session, document_id, reading.suggestions, actor)
    documents.save_extraction(session, document_id, reading.fields, RULES_VERSION)
    return fingerprints.save(session, document_id, reading.text)
