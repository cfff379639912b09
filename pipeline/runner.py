"""Runs the stages for one document: claim it, run what is not done, record every run, decide what comes next."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from pipeline.context import Context, owner_is_gone, task_owner
from pipeline.errors import PeticionesError, RejectedInput
from pipeline import batches, stages
from pipeline.paths import archived_file
from storage import documents, fulltext
from storage.tables import Document, State, utcnow
from watch_folders import archive

log = logging.getLogger(__name__)

# In order. A batch scan is split after its pages are read (separator sheets are found while reading), and each
# petition of it gets its own PDF and classification. The separate stage returns the new documents it made.
STAGES: tuple[tuple[str, Callable[[Context, Document], object]], ...] = (
    ("inspect", stages.inspect),
    ("ocr", stages.ocr),
    ("separate", batches.separate),
    ("pdf", stages.pdf),
    ("classify", stages.classify),
)


@dataclass(frozen=True)
class Outcome:
    document_id: int
    state: State | None  # None: not claimed (finished already, or another worker has it)
    retry_in: float | None = None  # seconds until the next attempt, when one is scheduled
    parts: tuple[Outcome, ...] = ()  # a batch's other petitions, split from it and processed right after it

    def retries(self) -> list[tuple[int, float]]:
        """(document, seconds to wait) of this document and of each of its parts that is to be tried again."""
        return [(each.document_id, each.retry_in) for each in (self, *self.parts) if each.retry_in is not None]


def process(ctx: Context, document_id: int, owner: str | None = None) -> Outcome:
    """Take the document as far as the review queue, or to quarantine, or schedule a retry; a batch it split, then
    each of its other petitions (now rather than later), each with its own outcome and retry.

    `owner` is the lease owner of a task tried again after the database went away: its lease is still on the
    document, and only that owner may take it before the lease runs out."""
    outcome, separated = _process_one(ctx, document_id, owner)
    if outcome.state != State.review or not separated:
        return outcome
    parts = batches.parts_waiting(ctx, document_id)
    return replace(outcome, parts=tuple(_process_one(ctx, part)[0] for part in parts))


def _process_one(ctx: Context, document_id: int, owner: str | None = None) -> tuple[Outcome, bool]:
    """The document's outcome, and whether it was split into several (in this run, or perhaps an earlier one)."""
    owner = owner or task_owner(ctx)  # per task: another thread of this process must not take the same document
    with ctx.sessions.begin() as session:
        document = documents.claim(session, document_id, owner, ctx.settings.lease_seconds, owner_is_gone)
    if document is None:
        return Outcome(document_id, None), False
    with ctx.sessions() as session:
        done = documents.succeeded_stages(session, document_id)
    separated = "separate" in done and document.reason_code != batches.PART  # a part is never split again
    for name, stage in STAGES:
        if name in done:
            continue
        with ctx.sessions.begin() as session:
            run_id = documents.start_stage(session, document_id, name, owner).id
        try:
            made = stage(ctx, document)
        except RejectedInput as error:
            _finish(ctx, run_id, "failed", error)
            return _quarantine(ctx, document, error), False
        except Exception as error:  # the runner is one of the few places allowed to catch everything
            log.exception("etapa %s del documento %s falló", name, document_id)
            _finish(ctx, run_id, "failed", error)
            return _retry_or_fail(ctx, document, error), False
        _finish(ctx, run_id, "succeeded")
        separated = separated or (name == "separate" and bool(made))
    with ctx.sessions.begin() as session:
        documents.set_state(session, session.get(Document, document_id), State.review, ctx.worker)
    return Outcome(document_id, State.review), separated


def _finish(ctx: Context, run_id: int, status: str, error: Exception | None = None) -> None:
    code = getattr(error, "code", "internal_error") if error else None
    with ctx.sessions.begin() as session:
        documents.finish_stage(session, run_id, status, code, str(error)[:2000] if error else None)


def _quarantine(ctx: Context, document: Document, error: RejectedInput) -> Outcome:
    target = archive.quarantine(archived_file(ctx, document), ctx.settings.quarantine, utcnow().isoformat(),
                                error.code, error.user_message,
                                name=document.original_name)
    with ctx.sessions.begin() as session:
        documents.set_state(session, session.get(Document, document.id), State.quarantined, ctx.worker,
                            reason_code=error.code, reason=error.user_message, quarantine_path=str(target))
        fulltext.refresh(session, [document.id])  # what was read before the refusal is found (classify refreshes)
    return Outcome(document.id, State.quarantined)


def _retry_or_fail(ctx: Context, document: Document, error: Exception) -> Outcome:
    settings = ctx.settings
    typed = error if isinstance(error, PeticionesError) else PeticionesError(str(error))
    with ctx.sessions.begin() as session:
        row = session.get(Document, document.id)
        failures = documents.failed_runs(session, document.id)
        fulltext.refresh(session, [document.id])  # found by the pages read so far, even if never classified
        if failures >= settings.max_attempts:
            documents.set_state(session, row, State.failed, ctx.worker, reason_code=typed.code,
                                reason=typed.user_message)
            return Outcome(document.id, State.failed)
        delay = settings.retry_base_seconds * 2 ** (failures - 1)
        row.next_attempt_at = utcnow() + dt.timedelta(seconds=delay)
        row.lease_owner, row.lease_until = None, None
        row.version += 1
    return Outcome(document.id, State.processing, retry_in=delay)
