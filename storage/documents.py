"""Reading and writing documents, their pages, stage runs and suggestions."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage import events, search
from storage.tables import Document, Extraction, Page, StageRun, State, Suggestion, aware, utcnow
from storage.events import EventKind


RECEPTION_PREFIX = "REC"


def reception_folio(document: Document) -> str:
    """The folio the citizen is given when the petition is recorded ("REC-2026-000123"), before and apart from the
    turno's: the year it was received and the document's own number, so it exists from the first commit, is never
    reused and needs no counter of its own. Search finds the petition by it (storage.search)."""
    return f"{RECEPTION_PREFIX}-{aware(document.received_at):%Y}-{document.id:06d}"


def find_original(session: Session, sha256: str) -> Document | None:
    """The first stored document with this content that is not itself a duplicate or a quarantined file."""
    return session.scalar(
        select(Document)
        .where(Document.sha256 == sha256, Document.state.not_in([State.duplicate, State.quarantined]))
        .order_by(Document.id)
        .limit(1)
    )


def pending_quarantine(session: Session, source_path: str, mtime_ns: int, size: int) -> Document | None:
    """A refusal recorded for this very inbox file whose move to cuarentena/ never happened (the service stopped)."""
    rows = session.scalars(select(Document).where(
        Document.state == State.quarantined, Document.source_path == source_path,
        Document.source_mtime_ns == mtime_ns, Document.size == size))
    return next((row for row in rows if row.quarantine_path and not os.path.lexists(row.quarantine_path)), None)


def add(session: Session, actor: str, *, detail: dict | None = None, **columns) -> Document:
    """Insert a document row and log its arrival (with `detail`, e.g. how it came)."""
    document = Document(**columns)
    session.add(document)
    session.flush()
    events.record(session, EventKind(f"document_{document.state.value}"), actor, document.id,
                  file=document.original_name, channel=document.channel, sha256=document.sha256,
                  reason_code=document.reason_code, duplicate_of=document.duplicate_of, **(detail or {}))
    return document


def set_state(session: Session, document: Document, state: State, actor: str, **columns) -> None:
    """Move a document to `state`, release its lease, and log the change."""
    previous = document.state
    document.state = state
    document.lease_owner = None
    document.lease_until = None
    document.version += 1
    for name, value in columns.items():
        setattr(document, name, value)
    events.record(session, EventKind.state_changed, actor, document.id, previous=previous.value, state=state.value,
                  reason_code=document.reason_code)


def claim(session: Session, document_id: int, owner: str, lease_seconds: float,
          owner_is_gone: Callable[[str], bool]) -> Document | None:
    """Take the lease on a document that needs processing, or None if it is done or another live worker holds it."""
    now = utcnow()
    document = session.get(Document, document_id)
    if document is None or document.state not in (State.received, State.processing):
        return None
    if document.next_attempt_at is not None and aware(document.next_attempt_at) > now:
        return None
    held = document.lease_owner is not None and document.lease_until is not None and aware(document.lease_until) > now
    if held and document.lease_owner != owner and not owner_is_gone(document.lease_owner):
        return None
    taken = session.execute(
        update(Document)
        .where(Document.id == document_id, Document.version == document.version)
        .values(state=State.processing, lease_owner=owner, lease_until=now + dt.timedelta(seconds=lease_seconds),
                next_attempt_at=None, version=Document.version + 1)
    ).rowcount
    if not taken:
        return None
    interrupted = session.execute(
        update(StageRun)
        .where(StageRun.document_id == document_id, StageRun.status == "running")
        .values(status="interrupted", finished_at=now)
    ).rowcount
    events.record(session, EventKind.claimed, owner, document_id, interrupted_stage_runs=interrupted)
    session.refresh(document)
    return document


def renew(session: Session, document_id: int, owner: str, lease_seconds: float) -> None:
    """Extend this worker's lease while it works."""
    session.execute(
        update(Document)
        .where(Document.id == document_id, Document.lease_owner == owner)
        .values(lease_until=utcnow() + dt.timedelta(seconds=lease_seconds))
    )


def start_stage(session: Session, document_id: int, stage: str, worker: str) -> StageRun:
    attempts = session.scalar(
        select(func.count()).select_from(StageRun).where(StageRun.document_id == document_id, StageRun.stage == stage)
    )
    run = StageRun(document_id=document_id, stage=stage, attempt=attempts + 1, status="running", worker=worker)
    session.add(run)
    session.flush()
    return run


def finish_stage(session: Session, run_id: int, status: str, error_code: str | None = None,
                 message: str | None = None) -> None:
    session.execute(
        update(StageRun).where(StageRun.id == run_id)
        .values(status=status, error_code=error_code, message=message, finished_at=utcnow())
    )


def succeeded_stages(session: Session, document_id: int) -> set[str]:
    return set(session.scalars(
        select(StageRun.stage).where(StageRun.document_id == document_id, StageRun.status == "succeeded")
    ))


def failed_runs(session: Session, document_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(StageRun).where(StageRun.document_id == document_id, StageRun.status == "failed")
    )


def record_done(session: Session, document_id: int, stages: Iterable[str], worker: str) -> None:
    """Stages a new document has been through already (a batch's petition, read with the batch): succeeded runs."""
    now = utcnow()
    session.add_all(StageRun(document_id=document_id, stage=stage, attempt=1, status="succeeded", worker=worker,
                             started_at=now, finished_at=now) for stage in stages)


def done_pages(session: Session, document_id: int) -> set[int]:
    return set(session.scalars(select(Page.number).where(Page.document_id == document_id)))


def pages(session: Session, document_id: int) -> list[Page]:
    return list(session.scalars(select(Page).where(Page.document_id == document_id).order_by(Page.number)))


def page_outline(session: Session, document_id: int) -> list:
    """Each page's id, number, source, blank and origin, in number order: what regrouping pages needs, without
    their text and words."""
    return list(session.execute(select(Page.id, Page.number, Page.source, Page.blank, Page.origin_document_id,
                                       Page.origin_page).where(Page.document_id == document_id).order_by(Page.number)))


def save_suggestions(session: Session, document_id: int, suggestions: Iterable, actor: str) -> None:
    """Store each machine suggestion with its score, alternatives and model version."""
    for s in suggestions:
        session.add(Suggestion(document_id=document_id, target=s.target, label=s.label, score=s.score,
                               alternatives=[list(a) for a in s.alternatives], model_version=s.model_version))
    events.record(session, EventKind.suggested, actor, document_id)


def save_extraction(session: Session, document_id: int, fields: dict, model_version: str) -> None:
    """Store the petitioner data found in the text, as suggestions the reviewer confirms."""
    session.add(Extraction(document_id=document_id, fields=fields, model_version=model_version))
    search.index(session, document_id, "extraction", fields)


def latest_extraction(session: Session, document_id: int) -> Extraction | None:
    return session.scalar(
        select(Extraction).where(Extraction.document_id == document_id).order_by(Extraction.id.desc()).limit(1)
    )


def resumable(session: Session) -> list[int]:
    """Documents the pipeline has not finished, oldest first."""
    return list(session.scalars(
        select(Document.id).where(Document.state.in_([State.received, State.processing])).order_by(Document.id)
    ))


def status(session: Session) -> dict:
    """Counts by state plus the quarantined and failed files with their reasons."""
    by_state = {s.value: n for s, n in session.execute(select(Document.state, func.count()).group_by(Document.state))}
    problems = {}
    for state in (State.quarantined, State.failed):
        problems[state.value] = [
            {"id": d.id, "file": d.original_name, "channel": d.channel, "reason_code": d.reason_code, "reason": d.reason,
             "quarantine_path": d.quarantine_path}
            for d in session.scalars(select(Document).where(Document.state == state).order_by(Document.id))
        ]
    return {
        "documents": {"total": sum(by_state.values()), "by_state": by_state},
        "quarantined": problems["quarantined"],
        "failed": problems["failed"],
    }


def stalled(session: Session, now: dt.datetime, grace_seconds: float = 60.0) -> list[int]:
    """Documents the pipeline has not finished that nobody is working on: in processing, the lease ran out or a
    scheduled retry never came; received a while ago and never claimed (its task may never have been queued: the
    caller skips those whose task is still waiting)."""
    late = now - dt.timedelta(seconds=grace_seconds)
    return list(session.scalars(
        select(Document.id).where(
            ((Document.state == State.processing)
             & (((Document.lease_until.is_not(None)) & (Document.lease_until < now))
                | ((Document.lease_until.is_(None)) & (Document.next_attempt_at.is_not(None))
                   & (Document.next_attempt_at < late))))
            | ((Document.state == State.received) & Document.lease_owner.is_(None) & (Document.received_at < late)),
        ).order_by(Document.id)
    ))
