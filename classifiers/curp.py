"""Owner of python-stdnum: the CURP in a letter's text, with OCR slips undone where the CURP's own grammar decides.

A CURP has a letter or a digit at each place (4 letters, the birth date, H/M, a state code, 3 consonants, a
character that is a digit before 2000 and a letter after, a check digit), so a "0" read where a letter must be is
an "O", an "S" where a digit must be is a 5, 8 or 3. Each reading of the raw characters is a candidate with a cost
(one slip at a time); the check digit, a birth date in the past and a real state code keep the true one, and the
petitioner's name breaks ties: its initials and inner consonants are 7 of the 18 characters.
"""

from __future__ import annotations

import datetime
import heapq
import re

from stdnum.mx import curp as stdnum_curp

from classifiers.gazetteer import fold

# Kinds of place: L letter, V vowel (the first surname's first inner vowel, or X), C consonant, D digit, S sex,
# E state code letter, A letter or digit (the 17th), K check digit.
_KINDS = "LVLLDDDDDDSEECCCAK"
_VOWELS = set("AEIOUX")
_CONSONANTS = set("BCDFGHJKLMNPQRSTVWXYZ")
# RENAPO's state codes; NE is someone born abroad.
STATES = {"AS": "Aguascalientes", "BC": "Baja California", "BS": "Baja California Sur", "CC": "Campeche",
          "CL": "Coahuila", "CM": "Colima", "CS": "Chiapas", "CH": "Chihuahua", "DF": "Ciudad de México",
          "DG": "Durango", "GT": "Guanajuato", "GR": "Guerrero", "HG": "Hidalgo", "JC": "Jalisco",
          "MC": "Estado de México", "MN": "Michoacán", "MS": "Morelos", "NT": "Nayarit", "NL": "Nuevo León",
          "OC": "Oaxaca", "PL": "Puebla", "QT": "Querétaro", "QR": "Quintana Roo", "SP": "San Luis Potosí",
          "SL": "Sinaloa", "SR": "Sonora", "TC": "Tabasco", "TS": "Tamaulipas", "TL": "Tlaxcala", "VZ": "Veracruz",
          "YN": "Yucatán", "ZS": "Zacatecas", "NE": "el extranjero"}
_STATES = frozenset(STATES)

# What Tesseract reads for a character, as (the character meant, cost). Reading the glyph of the same shape is cheap
# (O for 0), a glyph of another shape dear (S for 8).
_AS_DIGIT = {"O": (("0", 0.3),), "o": (("0", 0.3),), "Q": (("0", 0.6),), "D": (("0", 0.6),), "U": (("0", 0.8),),
             "I": (("1", 0.3),), "l": (("1", 0.3),), "i": (("1", 0.4),), "|": (("1", 0.3),), "!": (("1", 0.5),),
             "L": (("1", 0.6),), "J": (("1", 0.8),), "]": (("1", 0.6),), "T": (("7", 0.6),),
             "Z": (("2", 0.5),), "z": (("2", 0.5),), "S": (("5", 0.5), ("8", 1.0), ("3", 1.0), ("6", 1.0)),
             "s": (("5", 0.5), ("8", 1.0)), "B": (("8", 0.5), ("3", 1.0)), "G": (("6", 0.6),), "b": (("6", 0.6),),
             "A": (("4", 0.6),), "g": (("9", 0.6),), "q": (("9", 0.6),), "?": (("2", 0.8), ("7", 1.0))}
_AS_LETTER = {"0": (("O", 0.3), ("D", 0.8), ("Q", 0.8)), "1": (("I", 0.3), ("L", 0.6), ("J", 0.8)),
              "|": (("I", 0.4), ("L", 0.6)), "!": (("I", 0.5),), "2": (("Z", 0.5),), "4": (("A", 0.6),),
              "5": (("S", 0.5),), "6": (("G", 0.6),), "7": (("T", 0.6),), "8": (("B", 0.5),),
              "l": (("I", 0.3), ("L", 0.3))}
# A letter read for another: used where the letter read cannot stand (a vowel where a consonant must be, N for sex).
_LETTER_FOR = {"I": "JL", "J": "IL", "L": "I", "t": "LI", "f": "I", "N": "HM", "H": "N", "M": "N", "W": "M", "O": "DQ", "Q": "O",
               "D": "O", "U": "V", "V": "U", "E": "F", "F": "E", "C": "G", "G": "C", "K": "R", "R": "K", "P": "R"}
_SWAP = 1.0
_DROP, _ADD = 1.2, 1.5            # a character too many (merged or split glyph) or one lost
_LOST = "\x00"                   # where a lost character goes, any that fits the place
_MAX_COST = 3.5                   # the dearest reading taken
_MARGIN = 0.5                     # how much dearer than the cheapest a reading must be not to compete with it
_RIVALS = 30                      # readings within the margin past which a pass of the check digit is chance
# The 17th character tells apart people whose first 16 coincide; RENAPO gives them out in order from "0" (born
# before 2000) or "A" (from 2000), so any other is rare. It is also the one place the check digit cannot guard
# between 0 and 5 (its weight is 2): "R03" read "ROS3" passed as both "R03" and "R53".
_RARE_DIFFERENTIATOR = 0.6
# The check digit itself misread (a 3 for an 8) or miswritten: never taken as a reading (it would make any bad check
# digit pass), but a rival to one that repairs other places to pass it. Without it, a CURP whose check digit alone was
# wrong had an "A" it did not need read as a 4 until the check digit passed: valid, and someone born in 1900.
_CHECK_SLIP = _SWAP
_SUPPLIED_SCORE = 0.7  # a CURP whose check digit was lost and computed, or that only the name told from a slip of the
# check digit: below the review page's «verificar»


def _fits(c: str, kind: str) -> bool:
    if kind in "LE":
        return "A" <= c <= "Z"
    if kind == "V":
        return c in _VOWELS
    if kind == "C":
        return c in _CONSONANTS
    if kind in "DK":
        return c.isdigit()
    if kind == "S":
        return c in "HM"
    return c.isdigit() or "A" <= c <= "Z"


def _options(c: str, kind: str, upper_run: bool) -> list[tuple[str, float]]:
    """The characters `c` may stand for at a place of `kind`, with the cost of each reading."""
    found: dict[str, float] = {}

    def add(char: str, cost: float) -> None:
        if _fits(char, kind) and cost < found.get(char, 99):
            found[char] = cost

    if c == "l" and upper_run:                     # a lower-case l among capitals is an I or an L (or a 1)
        for char, cost in _AS_LETTER["l"] + _AS_DIGIT["l"]:
            add(char, cost)
    else:
        plain = c.translate(_UNACCENTED).upper() if c.isalpha() else c
        add(plain, 0.3 if c.translate(_UNACCENTED) != c else 0.2 if (c != plain and upper_run) else 0.0)
        if kind in "DKA":
            for char, cost in _AS_DIGIT.get(c, ()) + _AS_DIGIT.get(plain, ()):
                add(char, cost)
        for char, cost in _AS_LETTER.get(c, ()):
            add(char, cost)
        if kind == "A" and plain in "O0":           # the same glyph: 0 before 2000, O after
            add("O" if plain == "0" else "0", 0.3)
        if plain not in found or (c.islower() and upper_run):  # cannot stand here, or a small letter among capitals
            for char in _LETTER_FOR.get(c, "") + _LETTER_FOR.get(plain, ""):
                add(char, _SWAP)
    return sorted(found.items(), key=lambda kv: kv[1])


def _sound(value: str) -> bool:
    """The candidate passes what stdnum checks and was born by today (a letter 17th means born in 2000 or later)."""
    if value[11:13] not in _STATES or not stdnum_curp.is_valid(value):
        return False
    return stdnum_curp.get_birth_date(value) <= datetime.date.today()


def name_letters(name: str | None) -> dict[int, str]:
    """The CURP places a person's name decides (RENAPO's rules): first surname's initial and first inner vowel,
    second surname's initial, given name's initial (the second one after José or María), and the first inner
    consonant of each."""
    if not name:
        return {}
    words = [w.replace("ñ", "x") for w in fold(name.replace("Ñ", "ñ").lower()).replace(".", " ").split()]
    words = [w.upper() for w in words if w.isalpha() and w not in {"de", "del", "la", "las", "los", "y", "mc",
                                                                    "mac", "van", "von", "da", "di"}]
    if len(words) < 2:
        return {}
    given = words[:-2] or words[:1]
    first, second = (words[-2], words[-1]) if len(words) >= 3 else (words[-1], None)
    if len(given) > 1 and given[0] in {"JOSE", "J", "MARIA", "MA", "M"}:
        given = given[1:]
    g = given[0]

    def inner(word: str | None, letters: set[str]) -> str:
        return next((c for c in (word or "")[1:] if c in letters), "X")

    return {0: first[0], 1: inner(first, set("AEIOU")), 2: second[0] if second else "X", 3: g[0],
            13: inner(first, _CONSONANTS - {"X"}), 14: inner(second, _CONSONANTS - {"X"}),
            15: inner(g, _CONSONANTS - {"X"})}


def _readings(raw: str) -> list[tuple[str, float]]:
    """The 18-character strings `raw` may be, with one or two characters dropped or one added: (string, cost)."""
    if len(raw) == 18:
        return [(raw, 0.0)]
    if len(raw) == 19:
        return [(raw[:i] + raw[i + 1:], _DROP) for i in range(19)]
    if len(raw) == 20:                             # two too many ("…61531HSR…CCO04": a stray mark and a doubled 0)
        return [(raw[:i] + raw[i + 1:j] + raw[j + 1:], 2 * _DROP) for i in range(20) for j in range(i + 1, 20)]
    if len(raw) == 17:                             # one lost before the check digit: the check digit still decides;
        # or the check digit itself lost ("…MSLRCCO" for "…MSLRCC07,"): then only the grammar of the other 17 does
        return [(raw[:i] + _LOST + raw[i:], _ADD) for i in range(18)]
    return []


def _candidates(raw: str, letters: dict[int, str]) -> tuple[dict[str, float], list[float], tuple[float, str],
                                                            set[str]]:
    """Sound CURPs `raw` may be read as, with the cost of each reading, up to the budget and the margin above it;
    the costs of all the readings tried, sound or not; the cheapest reading sound but for its check digit, with its
    cost plus that of the check digit's slip (infinite when there is none); and the sound ones whose cheapest
    reading took the check digit for the character lost (nothing checked them)."""
    upper_run = sum(c.isupper() for c in raw) >= sum(c.islower() for c in raw)
    sound: dict[str, float] = {}
    unchecked: set[str] = set()
    tried: list[float] = []
    slipped = (float("inf"), "")
    for reading, base in _readings(raw):
        places = []
        for i, c in enumerate(reading):
            kind = _KINDS[i]
            if c == _LOST:
                opts = [(ch, 0.0) for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" if _fits(ch, kind)]
            else:
                opts = _options(c, kind, upper_run)
                if i in letters and letters[i] not in dict(opts) and _fits(letters[i], kind) \
                        and (letters[i] in _LETTER_FOR.get(c.upper(), "") or not _fits(c.upper(), kind)):
                    # "DURI" for José Durazo Romero's "DURJ"; "HL71A8" for Julieta Salazar Ruiz's "HLZLA8"
                    opts.append((letters[i], _SWAP))
            if not opts:
                break
            if i == 16:
                opts = sorted(((ch, cost + (0.0 if ch in "0A" else _RARE_DIFFERENTIATOR)) for ch, cost in opts),
                              key=lambda option: option[1])
            places.append(opts)
        else:
            for value, cost in _cheapest(places, _MAX_COST + _MARGIN - base):
                tried.append(cost + base)
                if cost + base < sound.get(value, 99) and _sound(value):
                    sound[value] = cost + base
                    if reading[-1] == _LOST:
                        unchecked.add(value)
                    else:
                        unchecked.discard(value)
                if cost + base + _CHECK_SLIP < slipped[0] and _sound(_with_check_digit(value)):
                    slipped = (cost + base + _CHECK_SLIP, _with_check_digit(value))
    return sound, tried, slipped, unchecked


def _with_check_digit(value: str) -> str:
    """`value` with the check digit its first 17 characters call for."""
    try:
        return value[:17] + stdnum_curp.calc_check_digit(value[:17])
    except ValueError:                             # a character outside the CURP's alphabet
        return value


def _cheapest(places: list[list[tuple[str, float]]], budget: float, limit: int = 4000):
    """The strings one character per place spells, cheapest first, up to `budget` and `limit` of them."""
    start = tuple(0 for _ in places)
    heap = [(sum(p[0][1] for p in places), start)]
    seen = {start}
    while heap and limit:
        cost, picks = heapq.heappop(heap)
        if cost > budget:
            return
        limit -= 1
        yield "".join(places[i][k][0] for i, k in enumerate(picks)), cost
        for i, k in enumerate(picks):
            if k + 1 < len(places[i]):
                nxt = picks[:i] + (k + 1,) + picks[i + 1:]
                if nxt not in seen:
                    seen.add(nxt)
                    heapq.heappush(heap, (cost - places[i][k][1] + places[i][k + 1][1], nxt))


# A CURP as letters print it: 18 characters, maybe split by spaces, a line break or hyphens, maybe one too many or
# too few. Runs of tokens are tried from each token on.
_TOKEN = re.compile(r"[A-Za-z0-9|!\]ÁÉÍÓÚÜÑáéíóúüñ]+\??")
_UNACCENTED = str.maketrans("ÁÉÍÓÚÜÑáéíóúüñ", "AEIOUUNaeiouun")  # a CURP has no accents: OCR's "MÍSR" is "MSR"
_CUE = re.compile(r"\b(c\W?u\W?r\W?p|curp|[a-z]?urp|cur)\b\W*(es\W+)?")


def _runs(text: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, characters, after a "CURP" cue) of the token runs that may hold a CURP."""
    folded = fold(text)
    cues = list(_CUE.finditer(folded))
    cue_ends = {m.end() for m in cues}
    tokens = list(_TOKEN.finditer(text))
    runs = []
    for i, first in enumerate(tokens):
        if any(m.start() <= first.start() < m.end() for m in cues):
            continue                   # the cue's own words: "CURP es GAHJ..." read as "esGAHJ...", two too many
        cued = first.start() in cue_ends
        chars, end = "", first.start()
        for token in tokens[i:i + 5]:
            gap = text[end:token.start()]
            if chars and (len(gap) > 2 or gap.strip(" -\n") or (not cued and gap.count("\n"))):
                break
            chars += token.group()
            end = token.end()
            if len(chars) > 20:
                break
            if len(chars) >= 17 and _curp_like(chars, cued):
                runs.append((first.start(), end, chars, cued))
    return runs


def cued_code(text: str) -> int | None:
    """Where something read after a "CURP" cue on the same line starts, when it holds as many capitals and digits
    as most of a CURP ("CURP: DURE: 'OB09HCHRZCOG", which punctuation breaks into no run); None when nothing does."""
    if sum(c.isupper() or c.isdigit() for c in text) < _CUED_CHARACTERS:
        return None                          # asked of every line of every page: most have too few to fold it
    for cue in _CUE.finditer(fold(text)):
        rest = text[cue.end():].split("\n")[0][:30]
        if sum(c.isupper() or c.isdigit() for c in rest) >= _CUED_CHARACTERS:
            return cue.end()
    return None


_CUED_CHARACTERS = 12  # capitals and digits after a cue that make it a CURP OCR broke up, not "mi CURP y mi INE"


def _curp_like(chars: str, cued: bool) -> bool:
    """Whether a run looks enough like a CURP to read it as one: the birth date mostly digits (a run of capitalised
    words or a folio does not), and capitals and digits elsewhere unless it is all lower case."""
    digits = sum(c.isdigit() for c in chars[4:10])
    if digits < (1 if cued else 4) or sum(c.isalpha() or c in "0158" for c in chars[:4]) < 3:
        return False
    cased = sum(c.isupper() or c.isdigit() for c in chars) >= len(chars) - 2 or chars.lower() == chars
    fits = len(chars) != 18 or sum(bool(_options(c, k, True)) for c, k in zip(chars, _KINDS)) >= (16 if cued else 18)
    return cased and fits


def find_curp(text: str, name: str | None = None) -> tuple[dict | None, list[tuple[int, int]]]:
    """The letter's CURP, {"value", "score", "valid", ...} (invalid ones with their "error"), and the spans of
    everything read as a CURP (so that its digits are not taken for a phone)."""
    digits = sum(c.isdigit() for c in text)
    if digits < 4 and not (digits and _CUE.search(fold(text))):
        return None, []                      # no run could be read as a CURP (see _curp_like): a quick way out
    letters = name_letters(name)
    spans: list[tuple[int, int]] = []
    invalid = None
    for start, end, chars, cued in _runs(text):
        spans.append((start, end))
        sound, tried, slipped, unchecked = _candidates(chars, letters)
        found = _decide(sound, tried, slipped, letters)
        if found:
            field = _valid(*found[:1], chars, *found[1:])
            if found[0] in unchecked or slipped[0] < found[1] + _MARGIN or found[2] > _RIVALS:
                # nothing checked it, or only the name told it from a slip of the check digit or from readings as
                # dear: for the reviewer
                field["score"] = min(field["score"], _SUPPLIED_SCORE)
            return field, spans
        if invalid is None and (len(chars) == 18 or cued):
            value = _shape(chars)
            invalid = {"value": value, "score": 0.4 if len(chars) == 18 else 0.25, "valid": False,
                       "error": _error(value)}
    if invalid is None:                      # "CURP: " followed by something of the wrong length
        m = re.search(r"\bcurp\b\W{0,4}([A-Za-z0-9][A-Za-z0-9 \-]{13,24}[A-Za-z0-9])", text, re.I)
        if m:
            value = re.sub(r"[ \-]", "", m.group(1).split("\n")[0]).upper()
            if 14 <= len(value) <= 21 and re.search(r"\d{4}", value):
                invalid = {"value": value, "score": 0.25, "valid": False, "error": _error(value)}
    return invalid, spans


def _decide(sound: dict[str, float], tried: list[float], slipped: tuple[float, str],
            letters: dict[int, str]) -> tuple[str, float, int, bool] | None:
    """The cheapest reading when no other comes within the margin, or, among those that do, the one alone in
    sharing most places with the petitioner's name: (value, cost, readings as dear, whether the name decided).
    None when a slip of the check digit alone (`slipped`) explains the text about as well: the repairs that made
    the check digit pass are then chance, unless they make every place the name decides what it says ("NOMJ…"
    for Jesús Moreno Montaño's "MOMJ…") and the slip's reading does not."""
    ranked = sorted(sound.items(), key=lambda kv: kv[1])
    if not ranked or ranked[0][1] > _MAX_COST:
        return None
    best, cost = ranked[0]
    # One reading in ten passes the check digit by chance: among many readings as dear, one that passes proves little,
    # unless it alone also holds every place the petitioner's name decides (a character lost: "OMJ77…" for "MOMJ77…").
    rivals = sum(c < cost + _MARGIN for c in tried)
    close = [value for value, c in ranked if c < cost + _MARGIN]
    named = [value for value in close if letters and _agreement(value, letters) == len(letters)]
    if slipped[0] < cost + _MARGIN:
        if len(close) > 1 or rivals > _RIVALS or named != [best] \
                or _agreement(slipped[1], letters) == len(letters):
            return None
        return best, cost, rivals, True
    if rivals > _RIVALS:
        return (named[0], sound[named[0]], rivals, True) if len(named) == 1 else None
    if len(close) == 1:
        return best, cost, rivals, False
    if not letters:
        return None                          # two readings as likely: the check digit cannot tell them apart
    agreement = {value: _agreement(value, letters) for value in close}
    top = max(agreement.values())
    chosen = [value for value in close if agreement[value] == top]
    if len(chosen) > 1:
        return None
    return chosen[0], sound[chosen[0]], rivals, True


def _agreement(value: str, letters: dict[int, str]) -> int:
    """How many of the places the petitioner's name decides `value` holds as the name says."""
    return sum(value[i] == c for i, c in letters.items())


def _valid(value: str, raw: str, cost: float, rivals: int, by_name: bool) -> dict:
    """The field of a CURP read as `value`; the more repairs, rival readings and help from the name it took, the
    lower its score."""
    score = 0.97 - 0.07 * cost - 0.004 * (rivals - 1) - (0.08 if by_name else 0.0)
    own = holder(value)
    field = {"value": value, "score": round(max(0.55, min(0.97, score)), 2), "valid": True,
             "birth_date": own["birth_date"].isoformat(), "sex": own["sex"]}
    if value != raw.upper():
        field["read_as"] = raw
    return field


def holder(value: str) -> dict:
    """What a sound CURP says of its holder: birth date, sex ("mujer"/"hombre") and state code."""
    return {"birth_date": stdnum_curp.get_birth_date(value), "sex": "mujer" if value[10] == "M" else "hombre",
            "state": value[11:13]}


def _shape(chars: str) -> str:
    """An unreadable CURP as shown to the reviewer: each place's likeliest character when it has 18."""
    upper_run = sum(c.isupper() for c in chars) >= sum(c.islower() for c in chars)
    places = [_options(c, k, upper_run) for c, k in zip(chars, _KINDS)] if len(chars) == 18 else []
    if not places or not all(places):
        return chars.upper()
    return "".join(p[0][0] for p in places)


def _error(value: str) -> str:
    try:
        stdnum_curp.validate(value)
    except stdnum_curp.ValidationError as error:
        return {"InvalidLength": "longitud incorrecta", "InvalidFormat": "formato incorrecto",
                "InvalidChecksum": "dígito verificador incorrecto"}.get(type(error).__name__,
                                                                         "fecha, sexo o estado inválidos")
    return ""


def problem(value: str) -> str:
    """Why `value` is not a sound CURP, in Spanish for the reviewer ("" when it is one): the wrong length or shape,
    a check digit that does not match, a birth date still to come or a state code that does not exist."""
    value = value.strip().upper()
    if len(value) == 18 and _sound(value):
        return ""
    return _error(value) or "fecha de nacimiento futura o clave de estado inexistente"
