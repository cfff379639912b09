"""Documents waiting in the review queue and users, made directly through storage (no OCR needed)."""

from __future__ import annotations

import datetime as dt

from review import auth
from storage import documents, fingerprints, fulltext
from storage.tables import Document, Role, State, utcnow
from classifiers.catalogue import load_default
from classifiers.suggestion import Suggestion

PASSWORD = "contraseña-segura-1"


def document_in_review(ctx, *, text: str = "Solicito una silla de ruedas para mi hijo.", channel: str = "correspondencia",
                       program: str | None = "ayudas_sociales_diversas", score: float = 0.91,
                       received_at: dt.datetime | None = None, needs_transcription: bool = False,
                       fields: dict | None = None, pdf: bytes | None = None) -> int:
    """A document as the pipeline leaves it: one page of text, suggestions, extracted fields, the text's
    fingerprint, state review."""
    from storage.tables import Page

    with ctx.sessions.begin() as session:
        doc = documents.add(session, "test", state=State.received, original_name="carta.pdf", source_path="/x/carta.pdf",
                            channel=channel, received_at=received_at or utcnow(), sha256=None, page_count=1,
                            archive_path="00/00/x.pdf")
        session.add(Page(document_id=doc.id, number=1, text=text, confidence=72.0, needs_transcription=needs_transcription,
                         width=1000, height=1400, words=[["Solicito", 95.0, 100, 100, 200, 40], ["sila", 31.0, 320, 100, 90, 40]]))
        directorate = load_default().directorate_of(program) if program else None
        documents.save_suggestions(session, doc.id, [
            Suggestion("program", program, score if program else 0.2, (("mano_con_mano", 0.05),), "test-1"),
            Suggestion("directorate", directorate, score if program else 0.2, (("infraestructura_social", 0.04),), "test-1"),
        ], "test")
        documents.save_extraction(session, doc.id, fields if fields is not None else {
            "name": {"value": "María Peña Ávila", "score": 0.9}, "municipality": {"value": "Hermosillo", "score": 0.95}},
            "test-1")
        fingerprints.save(session, doc.id, text)  # as pipeline.stages.classify does
        fulltext.refresh(session, [doc.id])
        documents.set_state(session, doc, State.review, "test")
        document_id = doc.id
    if pdf is not None:
        folder = ctx.settings.processed / str(document_id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"documento-{document_id}.pdf").write_bytes(pdf)
    return document_id


def version_of(ctx, document_id: int) -> int:
    with ctx.sessions() as session:
        return session.get(Document, document_id).version


def make_user(ctx, name: str, role: Role, directorate: str | None = None) -> str:
    auth.add_user(ctx, name, role, PASSWORD, directorate)
    return name


def actor(ctx, name: str):
    from storage import users

    with ctx.sessions() as session:
        return auth.actor_of(users.by_name(session, name), "127.0.0.1", "web")


def refreshes_counted(monkeypatch) -> list[int]:
    """The ids of the documents whose full-text index entry is refreshed from now on, once per refresh."""
    refreshed: list[int] = []
    refresh = fulltext.refresh

    def counted(session, document_ids):
        document_ids = list(document_ids)
        refreshed.extend(document_ids)
        refresh(session, document_ids)

    monkeypatch.setattr(fulltext, "refresh", counted)
    return refreshed
