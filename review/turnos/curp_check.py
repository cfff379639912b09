"""The CURP a reviewer is about to route: one that is not sound is routed only with a second confirmation (the
decision is refused without it, whatever the page's scripts did), and what a sound one says of its holder (birth
date, sex, state of birth) is compared with what the letter says of its writer, so a CURP copied from someone else
shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from classifiers import curp, stated
from review import dates
from review.errors import InvalidCurp

WHO = {"mujer": "una mujer", "hombre": "un hombre"}


@dataclass(frozen=True)
class CurpCheck:
    value: str
    problem: str                  # why it is not a sound CURP; "" when it is
    mismatches: tuple[str, ...]   # where the letter says otherwise, one sentence each


def check(value: str, text: str, on: dt.date) -> CurpCheck | None:
    """The CURP `value` against the letter's `text` written (or received) `on`; None without a CURP."""
    value = (value or "").strip().upper()
    if not value:
        return None
    problem = curp.problem(value)
    if problem:
        return CurpCheck(value, problem, ())
    return CurpCheck(value, "", tuple(_mismatches(stated.from_curp(value), stated.from_letter(text), on)))


def _mismatches(own: dict, letter: dict, on: dt.date) -> list[str]:
    found = []
    if "birth_date" in letter and letter["birth_date"] != own["birth_date"]:
        found.append(f"La CURP dice que nació el {dates.day(own['birth_date'])}; la carta, el "
                     f"{dates.day(letter['birth_date'])}.")
    if "age" in letter and abs(stated.age_on(own["birth_date"], on) - letter["age"]) > 1:
        found.append(f"Según la CURP tendría {stated.age_on(own['birth_date'], on)} años; la carta dice "
                     f"{letter['age']}.")
    if "sex" in letter and letter["sex"] != own["sex"]:
        found.append(f"La CURP es de {WHO[own['sex']]}; la carta la escribe {WHO[letter['sex']]}.")
    if "state" in letter and letter["state"] != own["state"]:
        found.append(f"La CURP dice que nació en {stated.STATES.get(own['state'], own['state'])}; la carta, en "
                     f"{stated.STATES[letter['state']]}.")
    return found


def require_confirmed(value: str, confirmed: bool) -> bool:
    """Whether `value` is a CURP that is not sound; InvalidCurp when it is routed without the second confirmation."""
    value = (value or "").strip().upper()
    problem = curp.problem(value) if value else ""
    if problem and not confirmed:
        raise InvalidCurp(f"curp {value!r}: {problem}",
                          user_message=f"La CURP {value} no es válida ({problem}). Corríjala, o marque «Turnar con "
                                       "esta CURP no válida» y confirme de nuevo.")
    return bool(problem)
