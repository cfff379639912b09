"""Posibles duplicados: documents that are probably the same petition received twice with different bytes.

Each document's current text leaves its LSH band keys in `text_bands`; when the text is stored or changes, the
documents sharing a key are compared on their texts and the near-identical ones are kept in `similar_texts`
(both ways). Whether a near-identical pair is shown as a posible duplicado is decided when it is read, from the
petitioners as they are now (`search_keys`, both the machine's reading and the reviewer's): the same template
signed by different people (a mass petition) is separate petitions, so a pair counts only when the petitioners
agree (the same CURP, phone or e-mail, or names that differ by no more than OCR slips) or when neither document
has any petitioner data. A pair where only one side has data is not shown: OCR found the signer in one copy
only, or it is a mass petition; we cannot tell, and a flag that is usually wrong teaches reviewers to ignore it.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from sqlalchemy import delete, insert, or_, select, text as sql
from sqlalchemy.orm import Session

from classifiers.fingerprint import THRESHOLD, Fingerprint, fingerprint, similarity
from storage.texts import current_texts
from storage.tables import Document, SearchKey, SimilarText, State, TextBand

NAME_LIKENESS = 0.9  # difflib ratio of two name keys: "maria pena avila" and "marla pena avila" agree
_LOCK = 0x70657469  # PostgreSQL advisory lock: two documents stored at once still see each other
_CHUNK = 500


def save(session: Session, document_id: int, text: str) -> list[int]:
    """Put the fingerprint of the document's text and its near-identical documents in place of the old ones (in
    the caller's transaction); returns the near-identical documents' ids."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
    session.execute(delete(TextBand).where(TextBand.document_id == document_id))
    session.execute(delete(SimilarText).where(or_(SimilarText.document_id == document_id,
                                                  SimilarText.other_id == document_id)))
    found = fingerprint(text)
    if found is None:
        return []
    session.execute(insert(TextBand), [{"document_id": document_id, "band": band, "key": key}
                                       for band, key in enumerate(found.keys)])
    matches = similar(session, found, exclude=document_id)
    if matches:
        session.execute(insert(SimilarText), [row for other, score in matches.items() for row in (
            {"document_id": document_id, "other_id": other, "similarity": score},
            {"document_id": other, "other_id": document_id, "similarity": score})])
    return sorted(matches)


def similar(session: Session, found: Fingerprint, exclude: int) -> dict[int, float]:
    """The documents whose current text is near-identical to this fingerprint's, with their similarity."""
    candidates = list(session.scalars(select(TextBand.document_id).distinct()
                                      .where(TextBand.key.in_(found.keys), TextBand.document_id != exclude)))
    result = {}
    for start in range(0, len(candidates), _CHUNK):
        for other, other_text in current_texts(session, candidates[start:start + _CHUNK]).items():
            theirs = fingerprint(other_text)
            if theirs is not None and (score := similarity(found, theirs)) >= THRESHOLD:
                result[other] = round(score, 4)
    return result


def possible_duplicates(session: Session, document_ids) -> dict[int, list[int]]:
    """For each of these documents, the documents it is probably the same petition as (oldest first); merged and
    byte-identical copies (state duplicate) are left out: they are already resolved."""
    ids = list(document_ids)
    pairs: dict[int, list[int]] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(select(SimilarText.document_id, SimilarText.other_id)
                               .join(Document, Document.id == SimilarText.other_id)
                               .where(SimilarText.document_id.in_(ids[start:start + _CHUNK]),
                                      Document.state != State.duplicate)
                               .order_by(SimilarText.document_id, Document.received_at, Document.id))
        for document_id, other in rows:
            pairs.setdefault(document_id, []).append(other)
    if not pairs:
        return {}
    people = _petitioners(session, set(pairs) | {o for others in pairs.values() for o in others})
    kept = {d: [o for o in others if same_petitioner(people.get(d, {}), people.get(o, {}))]
            for d, others in pairs.items()}
    return {d: others for d, others in kept.items() if others}


def flagged(session: Session, states=(State.review,)) -> list[int]:
    """The documents in these states that have a posible duplicado (for the queue's filter)."""
    ids = session.scalars(select(SimilarText.document_id).distinct()
                          .join(Document, Document.id == SimilarText.document_id).where(Document.state.in_(states)))
    return sorted(possible_duplicates(session, list(ids)))


def same_petitioner(a: dict[str, set[str]], b: dict[str, set[str]]) -> bool:
    """Whether two documents' petitioner keys (`_petitioners`) say the same person, or neither has any."""
    if not any(a.values()) and not any(b.values()):
        return True
    for kind in ("curp", "phone", "email"):
        if a.get(kind, set()) & b.get(kind, set()):
            return True
    return any(x == y or (min(len(x), len(y)) >= 8 and _alike(x, y))
               for x in a.get("name", ()) for y in b.get("name", ()))


def _alike(x: str, y: str) -> bool:
    # The cheap upper bounds first: a mass petition's different signers rarely pass them, and ratio() is the cost.
    names = SequenceMatcher(None, x, y)
    return (names.real_quick_ratio() >= NAME_LIKENESS and names.quick_ratio() >= NAME_LIKENESS
            and names.ratio() >= NAME_LIKENESS)


def _petitioners(session: Session, document_ids) -> dict[int, dict[str, set[str]]]:
    """Each document's petitioner keys from every source (the machine's reading and the reviewer's)."""
    ids = list(document_ids)
    found: dict[int, dict[str, set[str]]] = {}
    for start in range(0, len(ids), _CHUNK):
        for row in session.execute(select(SearchKey.document_id, SearchKey.name_key, SearchKey.curp, SearchKey.phone,
                                          SearchKey.email).where(SearchKey.document_id.in_(ids[start:start + _CHUNK]))):
            keys = found.setdefault(row.document_id, {"name": set(), "curp": set(), "phone": set(), "email": set()})
            for kind, value in (("name", row.name_key), ("curp", row.curp), ("phone", row.phone),
                                ("email", row.email)):
                if value:
                    keys[kind].add(value)
    return found
