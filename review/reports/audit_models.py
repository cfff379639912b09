"""What managers see of the learning model (part of the audit): each model version with its exam and its accuracy
in use, the weekly share of petitions routed with one keystroke, and the catalogue programs the active model
cannot suggest yet.

Like the rest of the audit it reads only, by grouped SQL aggregates; the one figure SQL cannot compare exactly
(petitioner fields confirmed against the machine's reading, both JSON) is folded in Python over the period's
candidate decisions, fetched in bounded chunks.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from classifiers.model import read_meta
from classifiers.errors import ModelMissing
from review import labels
from review.turnos import calendar
from review.turnos.routing import clean_fields
from storage import catalogue, model_versions
from storage.events import EventKind
from storage.tables import Decision, Document, Event, Extraction, State, Suggestion, aware

CHUNK = 500  # decisions per fetch when comparing confirmed fields with the machine's reading
TARGETS = ("program", "directorate")


@dataclass(frozen=True)
class RetrainRules:
    """The retraining settings the page explains (PETICIONES_RETRAIN_SEED_BELOW, _MIN_NEW, _HOURS)."""

    seed_below: int
    min_new: int
    hours: float

    @classmethod
    def of(cls, settings) -> "RetrainRules":
        return cls(settings.retrain_seed_below, settings.retrain_min_new, settings.retrain_hours)


@dataclass(frozen=True)
class Exam:
    """One target of a version's promotion exam: the active model's and the candidate's figures on the slice."""

    target: str
    active_accuracy: float | None
    candidate_accuracy: float | None
    active_brier: float | None
    candidate_brier: float | None


@dataclass(frozen=True)
class Version:
    """A model version as the audit shows it; `decisions` and the shares are its accuracy in use: route decisions
    whose stored suggestions this version made, against what the reviewer routed (all dates, all directorates)."""

    version: str
    trained_at: str
    n: int  # training texts
    active: bool
    activated_at: dt.datetime | None  # its latest activation (None: never active)
    activated_by: str | None
    activation_reason: str | None  # code: better_or_equal, covers_new_labels, activated_by_hand, ...
    gated: bool  # False: never examined (the shipped model, the first version)
    promoted: bool | None
    reason: str | None  # the exam's verdict, a code (labels.MODEL_REASONS names it)
    slice_n: int | None  # decisions in the exam's slice
    exam: tuple[Exam, ...]
    refit_of: str | None  # this version is the candidate `refit_of` trained again on every decision
    refit: str | None  # this candidate passed and was trained again on every decision as version `refit`
    decisions: int
    program_right: int
    program_share: float | None
    directorate_right: int
    directorate_share: float | None


@dataclass(frozen=True)
class Week:
    """An office week (Monday to Sunday, cut to the period): route decisions and how many took one keystroke."""

    since: dt.date
    until: dt.date
    decisions: int
    one_keystroke: int
    share: float | None


@dataclass(frozen=True)
class Pending:
    """An active catalogue program the active model cannot suggest, with the decisions it has and still needs."""

    program: str
    decisions: int  # documents routed to it that a retraining would learn from
    needed: int  # more decisions before it reaches PETICIONES_RETRAIN_SEED_BELOW


@dataclass(frozen=True)
class Learning:
    versions: tuple[Version, ...]  # newest first
    weeks: tuple[Week, ...]
    active: str | None  # the active version
    labels_read: bool  # False: the active model's meta.json could not be read, `pending` is empty
    pending: tuple[Pending, ...]
    rules: RetrainRules


def learning(session: Session, directorate: str | None, since: dt.date, until: dt.date, timezone: str,
             rules: RetrainRules) -> Learning:
    """The model part of the audit; the weeks follow the period and its directorate, the rest is the office's."""
    current = model_versions.active(session)
    known = program_labels(Path(current.folder)) if current else None
    return Learning(versions(session), weeks(session, directorate, since, until, timezone),
                    current.version if current else None, known is not None,
                    pending(session, known, rules) if known is not None else (), rules)


def versions(session: Session) -> tuple[Version, ...]:
    """Every recorded version, newest first, with its exam and its accuracy in use (one grouped query)."""
    program_s, directorate_s = aliased(Suggestion), aliased(Suggestion)
    # Both suggestions of a document come from one classification, so one version; either names it.
    version = func.coalesce(program_s.model_version, directorate_s.model_version)
    ones = lambda condition: func.sum(case((condition, 1), else_=0))  # noqa: E731
    live = {row[0]: row[1:] for row in session.execute(
        select(version, func.count(),
               ones(and_(Decision.suggested_program.is_not(None), Decision.suggested_program == Decision.program)),
               ones(and_(Decision.suggested_directorate.is_not(None),
                         Decision.suggested_directorate == Decision.directorate)))
        .select_from(Decision)
        .outerjoin(program_s, program_s.id == Decision.program_suggestion_id)
        .outerjoin(directorate_s, directorate_s.id == Decision.directorate_suggestion_id)
        .where(Decision.kind == "route").group_by(version))}
    # Activations are few (one per promotion or rollback): all of them, the latest per version wins.
    activations: dict[str, tuple[str, str | None]] = {}
    for actor, detail in session.execute(select(Event.actor, Event.detail).where(Event.kind == EventKind.model_activated.value)
                                         .order_by(Event.id)):
        if (detail or {}).get("version"):
            activations[detail["version"]] = (actor, detail.get("reason"))
    rows = []
    for row in model_versions.listed(session):
        count, program_right, directorate_right = (int(v or 0) for v in live.get(row.version, (0, 0, 0)))
        gate = row.gate or {}
        by, why = activations.get(row.version, (None, None))
        rows.append(Version(
            row.version, row.trained_at, row.n, row.active, aware(row.activated_at) if row.activated_at else None,
            by, why, row.gate is not None, gate.get("promoted"), gate.get("reason"), gate.get("n"), _exam(gate),
            gate.get("refit_of"), gate.get("refit"), count, program_right, _share(program_right, count), directorate_right, _share(directorate_right, count)))
    return tuple(rows)


def weeks(session: Session, directorate: str | None, since: dt.date, until: dt.date,
          timezone: str) -> tuple[Week, ...]:
    """Per office week of the period, route decisions and the share taken with one keystroke: program and
    directorate as suggested (a program was suggested) and no petitioner field changed from the machine's reading."""
    spans = _weeks(since, until)
    edges = [calendar.midnight(first, timezone) for first, _ in spans]
    end = calendar.midnight(until + dt.timedelta(days=1), timezone)
    index = case(*((Decision.decided_at >= edge, i) for i, edge in reversed(list(enumerate(edges)))), else_=-1)
    scope = [Decision.kind == "route", Decision.decided_at >= edges[0], Decision.decided_at < end]
    if directorate:
        scope.append(Decision.directorate == directorate)
    totals = dict(session.execute(select(index, func.count()).where(*scope).group_by(index)).all())
    exact = scope + [Decision.suggested_program.is_not(None), Decision.suggested_program == Decision.program,
                     Decision.suggested_directorate == Decision.directorate]
    untouched = [0] * len(spans)
    for decided_at in _untouched(session, exact):
        untouched[bisect.bisect_right(edges, aware(decided_at)) - 1] += 1
    return tuple(Week(first, last, int(totals.get(i, 0)), untouched[i], _share(untouched[i], int(totals.get(i, 0))))
                 for i, (first, last) in enumerate(spans))


def pending(session: Session, known: frozenset[str], rules: RetrainRules) -> tuple[Pending, ...]:
    """Active catalogue programs outside the active model's labels, fewest decisions still needed first.

    A model can only suggest a program it saw in its training texts, and the seed corpus has none for a program
    the office added: it learns it only from the office's decisions. The retraining counts a label as standing on
    its own from PETICIONES_RETRAIN_SEED_BELOW decisions (below that it leans on the seed), so that is the number
    we promise: N = max(0, SEED_BELOW - decisions a retraining would learn from). Those decisions count as
    `decisions.reviewed_rows` counts them (each routed or concluded document's latest decision); the newest ones
    are first the exam of the next retraining and train the one after. N = 0 means only a retraining that passes
    its exam is missing (every RETRAIN_HOURS hours, or after RETRAIN_MIN_NEW new decisions).
    """
    missing = sorted(p.code for p in catalogue.load(session).programs if p.code not in known)
    if not missing:
        return ()
    latest = select(func.max(Decision.id)).group_by(Decision.document_id).scalar_subquery()
    counts = dict(session.execute(
        select(Decision.program, func.count()).join(Document, Document.id == Decision.document_id)
        .where(Decision.id.in_(latest), Decision.kind == "route", Decision.program.in_(missing),
               Document.state.in_([State.routed, State.concluded]))
        .group_by(Decision.program)).all())
    rows = [Pending(code, int(counts.get(code, 0)), max(0, rules.seed_below - int(counts.get(code, 0))))
            for code in missing]
    return tuple(sorted(rows, key=lambda row: (row.needed, row.program)))


def program_labels(folder: Path) -> frozenset[str] | None:
    """The programs a model folder can suggest, from its meta.json alone (loading spaCy for a list would cost
    seconds per page view); None when it cannot be read."""
    try:
        return frozenset(read_meta(folder)["metrics"]["program"]["labels"])
    except (ModelMissing, OSError, ValueError, KeyError, TypeError):
        return None


# Helpers --------------------------------------------------------------------------------------------------------


def _untouched(session: Session, exact: list):
    """The decided_at of each decision among `exact` whose confirmed fields equal the machine's reading.

    JSON on both sides, each field normalised as staff read it (a phone is one phone however written): SQL
    cannot compare that exactly on SQLite and PostgreSQL alike, so the candidates come in chunks of CHUNK by id
    with their documents' extractions, and Python compares. The reading compared is the document's latest
    extraction made before the decision (a transcription reads the text again), else its first one.
    """
    after = 0
    while True:
        chunk = session.execute(select(Decision.id, Decision.document_id, Decision.decided_at, Decision.fields)
                                .where(*exact, Decision.id > after).order_by(Decision.id).limit(CHUNK)).all()
        if not chunk:
            return
        after = chunk[-1][0]
        readings: dict[int, list] = {}
        for document_id, made, fields in session.execute(
                select(Extraction.document_id, Extraction.created_at, Extraction.fields)
                .where(Extraction.document_id.in_({row[1] for row in chunk})).order_by(Extraction.id)):
            readings.setdefault(document_id, []).append((aware(made), fields or {}))
        for _, document_id, decided_at, fields in chunk:
            found = readings.get(document_id, [])
            before = [reading for made, reading in found if made <= aware(decided_at)]
            reading = before[-1] if before else (found[0][1] if found else {})
            # The extraction's {"name": {"value": ...}} as the form showed it to the reviewer.
            if _readable(fields or {}) == _readable(clean_fields(reading)):
                yield decided_at


def _readable(fields: dict) -> dict:
    return {name: labels.field_value(name, value) for name, value in fields.items() if value not in (None, "")}


def _weeks(since: dt.date, until: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Monday-to-Sunday weeks covering the period, the first and last cut to it."""
    spans, first = [], since
    while first <= until:
        last = min(first + dt.timedelta(days=6 - first.weekday()), until)
        spans.append((first, last))
        first = last + dt.timedelta(days=1)
    return spans


def _exam(gate: dict) -> tuple[Exam, ...]:
    active, candidate = gate.get("active") or {}, gate.get("candidate") or {}
    return tuple(Exam(t, (active.get(t) or {}).get("accuracy"), (candidate.get(t) or {}).get("accuracy"),
                      (active.get(t) or {}).get("brier"), (candidate.get(t) or {}).get("brier"))
                 for t in TARGETS if t in active or t in candidate)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None
