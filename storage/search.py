"""Finding a petition by its petitioner or its folio: the normalised keys that each document's extraction and
decision leave in `search_keys` (with the petitioner's municipality, which the informe de atención counts by),
and what staff type turned into conditions on them.

A document keeps one row per source ("extraction": the machine's reading; "decision": the data the reviewer
confirmed), so it is found by either name: a citizen who phones gives the name they wrote, not the OCR's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from classifiers import gazetteer
from classifiers.features import normalise
from storage.tables import Document, Routing, SearchKey

SOURCES = ("extraction", "decision")
MIN_LENGTH = 3  # shorter queries match too much to be useful
_CURP = re.compile(r"[A-Z]{4}\d{6}[HMX][A-Z]{5}[0-9A-Z]\d")
# A folio as typed: "SDS-DAGC-2026-000123", "2026-123" or "123" (the year is optional).
_FOLIO = re.compile(r"(?:.*?(\d{4})[^\d]+)?0*(\d{1,6})")
# A reception folio (storage.documents.reception_folio), "REC-2026-000123" or "rec 2026 123": read before _FOLIO,
# which would take it for turno folio 123 of 2026, another petition.
_RECEPTION = re.compile(r"REC[\s-]*\d{4}[\s-]+0*(\d{1,12})", re.IGNORECASE)


def _text(value) -> str:
    if isinstance(value, dict):
        value = value.get("value")
    return "" if value is None else str(value).strip()


def name_key(text: str) -> str:
    """Lower case, accents and punctuation gone, words split by one space: "José  PÉREZ-Ruiz" → "jose perez ruiz"."""
    return " ".join(_words(text))


def phone_key(text: str) -> str | None:
    """The national digits of a phone (the last 10), so "+52 (662) 213-9087" and "6622139087" agree."""
    digits = re.sub(r"\D", "", text)
    return digits[-10:] if len(digits) >= 7 else None


def keys(fields: dict) -> dict:
    """The search keys of a document's fields (extraction values or confirmed text)."""
    curp = re.sub(r"\s", "", _text(fields.get("curp"))).upper()
    email = _text(fields.get("email")).lower()
    name = " ".join(_text(fields.get("name")).split())[:300]
    place = " ".join(_text(fields.get("municipality")).split())
    return {"name": name, "name_key": name_key(name)[:300], "curp": curp[:18] or None,
            "phone": phone_key(_text(fields.get("phone"))), "email": email[:300] or None,
            "municipality": (gazetteer.canonical(place) or place)[:100] or None}


def index(session: Session, document_id: int, source: str, fields: dict) -> None:
    """Put this source's keys of the document in place of the ones it had (in the caller's transaction)."""
    if source not in SOURCES:
        raise ValueError(source)
    values = keys(fields or {})
    row = session.scalar(select(SearchKey).where(SearchKey.document_id == document_id, SearchKey.source == source))
    if row is None:
        session.add(SearchKey(document_id=document_id, source=source, **values))
    else:
        for column, value in values.items():
            setattr(row, column, value)


@dataclass(frozen=True)
class Query:
    """What a search box's text can mean; a document matches when any reading of it does."""

    text: str
    words: tuple[str, ...] = ()  # name words, every one must appear
    digits: str = ""  # a phone, or part of one
    curp: str | None = None
    email: str | None = None
    folio: tuple[int | None, int] | None = None  # (year or None, number)
    reception: int | None = None  # the document a reception folio names

    @property
    def usable(self) -> bool:
        return len(self.text) >= MIN_LENGTH or self.folio is not None or self.reception is not None


def parse(text: str) -> Query:
    # Control characters say nothing, and PostgreSQL refuses a NUL in the access log's copy of the query.
    text = " ".join("".join(c for c in (text or "") if c.isprintable() or c.isspace()).split())[:200]
    reception = _RECEPTION.fullmatch(text)
    if reception:
        return Query(text=text, reception=int(reception.group(1)))
    compact = re.sub(r"\s", "", text).upper()
    folio = _FOLIO.fullmatch(text)
    return Query(text=text, words=tuple(_words(text, letters_only=True)), digits=re.sub(r"\D", "", text),
                 curp=compact if _CURP.fullmatch(compact) else None,
                 email=text.lower() if "@" in text and " " not in text else None,
                 folio=(int(folio.group(1)) if folio.group(1) else None, int(folio.group(2))) if folio else None)


def matching(query: Query):
    """A select of the ids of the documents the query finds (by any source's keys or any round's folio)."""
    by_keys = []
    if query.curp:
        by_keys.append(SearchKey.curp == query.curp)
    if query.email:
        by_keys.append(SearchKey.email == query.email)
    if len(query.digits) >= 7:
        by_keys.append(SearchKey.phone.like(f"%{query.digits[-10:]}%"))
    if query.words and not query.curp and not query.email:
        # Every word starts a word of the name: "ana lop" finds "Ana María López", not "Mariana Lopera".
        by_keys.append(and_(*(or_(SearchKey.name_key.like(f"{w}%"), SearchKey.name_key.like(f"% {w}%"))
                              for w in query.words)))
    selects = []
    if by_keys:
        selects.append(select(SearchKey.document_id).where(or_(*by_keys)))
    if query.reception is not None:
        selects.append(select(Document.id).where(Document.id == query.reception))
    if query.folio is not None:
        year, number = query.folio
        on_folio = [Routing.number == number] + ([Routing.year == year] if year else [])
        selects.append(select(Routing.document_id).where(*on_folio))
    if not selects:
        return None
    return selects[0] if len(selects) == 1 else selects[0].union(*selects[1:])


def names(session: Session, document_ids) -> dict[int, str]:
    """Each document's petitioner name as written, the reviewer's where there is one (for a result list)."""
    found: dict[int, str] = {}
    rows = session.execute(select(SearchKey.document_id, SearchKey.source, SearchKey.name)
                           .where(SearchKey.document_id.in_(list(document_ids)), SearchKey.name != ""))
    for document_id, source, name in rows:
        if source == "decision" or document_id not in found:
            found[document_id] = name
    return found


def _words(text: str, letters_only: bool = False) -> list[str]:
    pattern = r"[^\W\d_]+" if letters_only else r"[^\W_]+"
    return re.findall(pattern, normalise(text or ""))
