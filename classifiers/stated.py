"""What a letter says of its writer that a CURP also encodes: the birth date (or the age), the sex and the state of
birth; and what a sound CURP itself says. The reviewer compares the two (review/turnos/curp_check.py).

Only plain statements count: «nací el 3 de mayo de 1961», «fecha de nacimiento: 03/05/1961», «tengo 63 años», «63
años de edad», «la suscrita» / «el suscrito», «originaria de Culiacán, Sinaloa», «nacido en Guadalajara, Jalisco».
A letter that says none of them states nothing, and nothing is compared.
"""

from __future__ import annotations

import datetime
import re
import unicodedata


from classifiers import curp, gazetteer
from classifiers.curp import STATES
from classifiers.dates import find_dates
from classifiers.gazetteer import fold

# Other ways a letter names a state; the longest name is tried first ("baja california sur" before "baja california").
_STATE_ALIASES = {"distrito federal": "DF", "cdmx": "DF", "coahuila de zaragoza": "CL", "michoacan de ocampo": "MN",
                  "veracruz de ignacio de la llave": "VZ", "mexico, d.f": "DF", "estados unidos": "NE",
                  "arizona": "NE", "california": "NE"}
_NAMES = sorted([(fold(name), code) for code, name in STATES.items() if code != "NE"]
                + list(_STATE_ALIASES.items()), key=lambda pair: -len(pair[0]))

_BORN_ON = re.compile(r"(\bnaci(do|da)?\b|fecha\s+de\s+nacimiento|\bf\.?\s*de\s*nac\.?)[\s:,]*(el\s+)?(dia\s+)?$")
_AGE = re.compile(r"\b(tengo|de|con)\s+(\d{2,3})\s+anos\s+de\s+edad\b|\btengo\s+(\d{2,3})\s+anos\b|"
                  r"\bedad\s*:?\s*(\d{2,3})\s*(anos)?\b")
_WOMAN = re.compile(r"\b(la\s+suscrita|la\s+que\s+suscribe|sexo\s*:?\s*(femenino|mujer))\b")
_MAN = re.compile(r"\b(el\s+suscrito|el\s+que\s+suscribe|sexo\s*:?\s*(masculino|hombre))\b")
_BORN_IN = re.compile(r"\b(originari[oa]\s+(del\s+estado\s+)?de|nacid[oa]\s+en|naci\s+en|lugar\s+de\s+nacimiento"
                      r"\s*:?)\s+([^\n.;]{2,60})")


def from_curp(value: str) -> dict:
    """What a sound CURP says of its holder: birth date, sex and state code."""
    return curp.holder(value.strip().upper())


def from_letter(text: str) -> dict:
    """What the letter states of its writer, each only when it says so: birth_date (a date), age (years), sex
    ("mujer"/"hombre") and state (a code of STATES). A letter that says two different things states neither."""
    folded = fold(unicodedata.normalize("NFC", text or ""))
    stated: dict = {}
    born = {d for s, _, d in find_dates(folded) if _BORN_ON.search(folded[max(0, s - 45):s])}
    if len(born) == 1:
        stated["birth_date"] = born.pop()
    ages = {int(next(g for g in m.groups()[1:] if g and g.isdigit())) for m in _AGE.finditer(folded)}
    ages = {a for a in ages if 10 <= a <= 120}
    if len(ages) == 1:
        stated["age"] = ages.pop()
    woman, man = bool(_WOMAN.search(folded)), bool(_MAN.search(folded))
    if woman != man:
        stated["sex"] = "mujer" if woman else "hombre"
    states = {code for m in _BORN_IN.finditer(folded) if (code := _state_in(m.group(3)))}
    if len(states) == 1:
        stated["state"] = states.pop()
    return stated


def _state_in(place: str) -> str | None:
    """The state a place names («Culiacán, Sinaloa»; a Sonoran municipality alone is Sonora)."""
    for name, code in _NAMES:
        if re.search(rf"\b{re.escape(name)}\b", place):
            return code
    head = place.split(",")[0].strip()
    if any(fold(m.name) == head for m in gazetteer.municipalities().values()):
        return "SR"
    return None


def age_on(birth: datetime.date, day: datetime.date) -> int:
    """Whole years from `birth` to `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
