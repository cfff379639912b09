"""The orders the review queue can be read in (`/cola?orden=`): a fixed list, anything else refused.

Each is applied in the query, before the page's offset and limit, so a page of the queue is a page of that order.
"""

from __future__ import annotations

from sqlalchemy import and_, func
from sqlalchemy.orm import aliased

from review.errors import InvalidInput
from storage.tables import Document, SearchKey

DEFAULT = "espera"
ORDERS = {"espera": "más días en espera primero", "recientes": "más recientes primero",
          "peticionario": "por peticionario (A-Z)", "confianza": "menor confianza primero"}


def check(value: str) -> str:
    """The order asked for (the default when none); InvalidInput, in Spanish, for any other value."""
    if not value:
        return DEFAULT
    if value not in ORDERS:
        raise InvalidInput(f"orden {value[:40]!r}",
                           user_message=f"La cola no se puede ordenar por «{value[:40]}». Use uno de: "
                                        + ", ".join(ORDERS) + ".")
    return value


def apply(query, order: str, program):
    """`query` (documents in review) in `order`; the document number breaks ties, so pages never overlap.
    `program`: the latest program suggestion, which the caller joins to `query` for the order by confianza
    (review/reports/views.py, where the queue's filters use the same join)."""
    if order == "recientes":
        return query.order_by(Document.received_at.desc(), Document.id.desc())
    if order == "peticionario":
        # The name the machine read (storage/search.py keeps it folded); letters without one go last.
        key = aliased(SearchKey)
        query = query.outerjoin(key, and_(key.document_id == Document.id, key.source == "extraction"))
        name = func.coalesce(key.name_key, "")
        return query.order_by((name == "").asc(), name.asc(), Document.received_at, Document.id)
    if order == "confianza":
        return query.order_by(func.coalesce(program.score, -1.0).asc(), Document.received_at, Document.id)
    return query.order_by(Document.received_at, Document.id)
