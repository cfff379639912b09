"""The managers' audit (gerencia): how often the machine's suggestions were right, and how punctually the
directorates answered, over a period of the office's calendar dates and optionally for one directorate.

Reads only. Both halves are counted by SQL aggregates, so the page costs a few grouped scans whatever the
number of documents; Python folds the grouped rows into tables.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import asdict, dataclass
from functools import lru_cache

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from review.errors import InvalidInput, UnknownDirectorate
from review.turnos import calendar
from review import dates
from review.reports.audit_models import Learning, RetrainRules, learning
from review.labels import HIGH, MEDIUM
from review.roles import Actor, require
from storage import routing as turnos
from storage.tables import Decision, Directorate, FollowUp, Routing, Suggestion

DEFAULT_DAYS = 90
BANDS = ("alta", "media", "baja", "sin")  # "sin": no confident suggestion (the model abstained, or none stored)


@dataclass(frozen=True)
class Period:
    """Office calendar dates, both included; `directorate` narrows every figure to one directorate's code."""

    since: dt.date
    until: dt.date
    directorate: str | None = None


@dataclass(frozen=True)
class Tally:
    """A row of an accuracy table: decisions, how many the machine got right, their share, and the mean score of
    the program suggestions behind them (None where none was stored)."""

    key: str | None
    decisions: int
    right: int
    share_right: float | None
    mean_score: float | None


@dataclass(frozen=True)
class Accuracy:
    """Route decisions in the period against the machine's suggestions beside them."""

    decisions: int
    program_right: int
    program_share: float | None
    directorate_right: int
    directorate_share: float | None
    no_suggestion: int
    no_suggestion_share: float | None
    bands: tuple[Tally, ...]  # by the program suggestion's confidence band, in BANDS order
    by_program: tuple[Tally, ...]  # by the program chosen: share the machine had suggested it (recall)
    by_suggestion: tuple[Tally, ...]  # by the program suggested: share it was chosen (precision)
    by_model: tuple[Tally, ...]  # by the program model's version
    returned: int  # devoluciones de turno in the period: routing errors found downstream


@dataclass(frozen=True)
class Punctuality:
    """Turnos routed in the period and not returned, of one directorate (None: all together)."""

    directorate: str | None
    turnos: int
    on_time: int
    late: int
    open_on_time: int
    overdue: int
    on_time_share: float | None  # among the answered ones
    median_days: float | None  # business days from receipt to the answer, answered ones only


@dataclass(frozen=True)
class Audit:
    period: Period
    today: dt.date
    accuracy: Accuracy
    punctuality: tuple[Punctuality, ...]  # per directorate, by code
    overall: Punctuality
    learning: Learning | None = None  # the model versions, one-keystroke weeks, programs not yet suggested


def period(desde: str | None, hasta: str | None, direccion: str | None, today: dt.date) -> Period:
    """The period a form or the API asked for (dates as YYYY-MM-DD); by default the last 90 days up to today."""
    until = _date(hasta, "hasta") if hasta else today
    since = _date(desde, "desde") if desde else until - dt.timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        raise InvalidInput(f"period {since} > {until}",
                           user_message="La fecha «desde» debe ser anterior o igual a la fecha «hasta».")
    return Period(since, until, direccion or None)


def report(session: Session, actor: Actor, p: Period, timezone: str, today: dt.date,
           rules: RetrainRules | None = None) -> Audit:
    """Accuracy of the suggestions and punctuality of the answers over the period; with the retraining `rules`,
    also what the learning model did (review/reports/audit_models.py)."""
    require(actor, "audit")
    if p.directorate and session.get(Directorate, p.directorate) is None:
        raise UnknownDirectorate(p.directorate)
    start, end = bounds(p, timezone)
    rows = punctuality(session, p, start, end, today)
    learned = learning(session, p.directorate, p.since, p.until, timezone, rules) if rules else None
    return Audit(p, today, accuracy(session, p, start, end), tuple(rows[:-1]), rows[-1], learned)


def accuracy(session: Session, p: Period, start: dt.datetime, end: dt.datetime) -> Accuracy:
    """Every route decision taken in [start, end): a re-routing after a devolución is a decision of its own."""
    band = case((Decision.suggested_program.is_(None), "sin"), (Suggestion.score >= HIGH, "alta"),
                (Suggestion.score >= MEDIUM, "media"), else_="baja")
    directorate_right = func.sum(case((Decision.suggested_directorate == Decision.directorate, 1), else_=0))
    query = (select(band, Suggestion.model_version, Decision.suggested_program, Decision.program, func.count(),
                    directorate_right, func.sum(Suggestion.score), func.count(Suggestion.score))
             .select_from(Decision).outerjoin(Suggestion, Suggestion.id == Decision.program_suggestion_id)
             .where(Decision.kind == "route", Decision.decided_at >= start, Decision.decided_at < end)
             .group_by(band, Suggestion.model_version, Decision.suggested_program, Decision.program))
    if p.directorate:
        query = query.where(Decision.directorate == p.directorate)
    total, directorates = _Sum(), 0
    bands = {name: _Sum() for name in BANDS}
    chosen: dict[str | None, _Sum] = {}
    suggested: dict[str, _Sum] = {}
    models: dict[str | None, _Sum] = {}
    for name, model, suggested_program, program, count, dir_right, score_sum, scored in session.execute(query):
        right = count if suggested_program is not None and suggested_program == program else 0
        parts = [total, bands[name], chosen.setdefault(program, _Sum()), models.setdefault(model, _Sum())]
        if suggested_program is not None:
            parts.append(suggested.setdefault(suggested_program, _Sum()))
        for part in parts:
            part.add(count, right, score_sum or 0.0, scored)
        directorates += dir_right or 0
    returned = select(func.count()).select_from(Routing).where(Routing.returned_at >= start, Routing.returned_at < end)
    if p.directorate:
        returned = returned.where(Routing.directorate == p.directorate)
    unsure = bands["sin"].count
    return Accuracy(
        decisions=total.count, program_right=total.right, program_share=_share(total.right, total.count),
        directorate_right=directorates, directorate_share=_share(directorates, total.count),
        no_suggestion=unsure, no_suggestion_share=_share(unsure, total.count),
        bands=tuple(bands[name].tally(name) for name in BANDS), by_program=_table(chosen),
        by_suggestion=_table(suggested), by_model=_table(models), returned=session.scalar(returned) or 0)


def punctuality(session: Session, p: Period, start: dt.datetime, end: dt.datetime, today: dt.date,
                medians: bool = True) -> list[Punctuality]:
    """Per directorate (by code), then all together last: turnos routed in [start, end) and not returned.
    Without `medians` (the tablero's share only) the business days to each answer are not counted."""
    answered = FollowUp.answered_on
    # One answer per turno (recording it concludes the turno); joined through document_id, which is indexed.
    joined = (select().select_from(Routing)
              .outerjoin(FollowUp, and_(FollowUp.document_id == Routing.document_id, FollowUp.routing_id == Routing.id,
                                        FollowUp.kind == "answer"))
              .where(Routing.routed_at >= start, Routing.routed_at < end, Routing.returned_at.is_(None)))
    if p.directorate:
        joined = joined.where(Routing.directorate == p.directorate)

    def count(*conditions):
        return func.sum(case((and_(*conditions), 1), else_=0))

    on_time, overdue = calendar.answered_on_time(answered, Routing.due_date), calendar.overdue(Routing.due_date, today)
    counts = session.execute(joined.add_columns(
        Routing.directorate, func.count(), count(answered.is_not(None), on_time), count(~on_time),
        count(answered.is_(None), ~overdue), count(answered.is_(None), overdue)).group_by(Routing.directorate))
    pairs = session.execute(joined.add_columns(Routing.directorate, Routing.received_on, answered, func.count())
                            .where(answered.is_not(None))
                            .group_by(Routing.directorate, Routing.received_on, answered)) if medians else ()
    elapsed = _business_days(frozenset(turnos.closures(session))) if medians else None
    days: dict[str, list[int]] = {}
    for directorate, received_on, answered_on, n in pairs:
        days.setdefault(directorate, []).extend([elapsed(received_on, answered_on)] * n)
    rows = [_punctual(directorate, (total, on_time, late, open_ok, overdue), days.get(directorate, []))
            for directorate, total, on_time, late, open_ok, overdue in counts]
    rows.sort(key=lambda row: row.directorate)
    sums = tuple(sum(getattr(row, name) for row in rows) for name in ("turnos", "on_time", "late", "open_on_time",
                                                                      "overdue"))
    return [*rows, _punctual(None, sums, [d for values in days.values() for d in values])]


def describe(p: Period) -> str:
    """The period in a line, for the access log staff read: "01/01/2026 a 31/03/2026" and the directorate's code."""
    return f"{dates.day(p.since)} a {dates.day(p.until)}" + (f" · {p.directorate}" if p.directorate else "")


def as_json(audit: Audit) -> dict:
    """The audit as the API returns it: codes, ISO dates, shares as fractions rounded to 4 places."""
    return plain(asdict(audit))


def plain(value):
    """Figures as the API returns them: dates in ISO, fractions rounded to 4 places, tuples as lists."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 4)
    return value.isoformat() if isinstance(value, dt.date) else value


# Helpers --------------------------------------------------------------------------------------------------------


class _Sum:
    """Running totals of one table row while the grouped rows are folded."""

    def __init__(self) -> None:
        self.count = self.right = self.scored = 0
        self.score = 0.0

    def add(self, count: int, right: int, score: float, scored: int) -> None:
        self.count += count
        self.right += right
        self.score += score
        self.scored += scored

    def tally(self, key: str | None) -> Tally:
        return Tally(key, self.count, self.right, _share(self.right, self.count),
                     self.score / self.scored if self.scored else None)


def _table(sums: dict) -> tuple[Tally, ...]:
    """Rows with the most decisions first; ties by code, none last."""
    ordered = sorted(sums.items(), key=lambda item: (-item[1].count, item[0] is None, item[0] or ""))
    return tuple(s.tally(key) for key, s in ordered)


def _punctual(directorate: str | None, counts: tuple, days: list[int]) -> Punctuality:
    total, on_time, late, open_ok, overdue = (int(c or 0) for c in counts)
    return Punctuality(directorate, total, on_time, late, open_ok, overdue, _share(on_time, on_time + late),
                       float(statistics.median(days)) if days else None)


def _business_days(closures: frozenset[dt.date]):
    """calendar.business_days_between, once per distinct pair of dates (many turnos share them)."""
    return lru_cache(maxsize=None)(lambda start, end: calendar.business_days_between(start, end, closures))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def bounds(p: Period, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """The period as UTC moments [start, end): from the first day's local midnight to the one after the last day."""
    return calendar.midnight(p.since, timezone), calendar.midnight(p.until + dt.timedelta(days=1), timezone)


def _date(text: str, name: str) -> dt.date:
    try:
        return calendar.check_day(dt.date.fromisoformat(text.strip()), name)
    except InvalidInput:
        raise
    except ValueError:
        raise InvalidInput(f"{name}: {text!r}", user_message=f"La fecha «{name}» no es válida: elíjala en el "
                           "calendario del formulario o escríbala como AAAA-MM-DD (por ejemplo 2026-03-31).") from None
