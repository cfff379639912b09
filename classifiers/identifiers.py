"""Owner of python-stdnum and phonenumbers: CURP, phone numbers and e-mail addresses found in a text, OCR slips
forgiven where the position of a character makes its reading unambiguous."""

from __future__ import annotations

import re

import phonenumbers
from stdnum.mx import curp as stdnum_curp


# --- CURP ------------------------------------------------------------------------------------------------------

_CURP_RUN = re.compile(r"(?<![A-Za-z0-9])(?=([A-Za-z0-9](?:[ \-]?[A-Za-z0-9]){17})(?![A-Za-z0-9]))")
_TO_LETTER = str.maketrans("0158", "OISB")
_TO_DIGIT = str.maketrans("OILSBZ", "011582")
_CONSONANTS = set("BCDFGHJKLMNPQRSTVWXYZÑ")


def _curp_shape(raw: str) -> list[str]:
    """Spellings of an OCR'd CURP fixed where position makes the letter/digit reading unambiguous."""
    s = re.sub(r"[ \-]", "", raw).upper()
    if len(s) != 18:
        return []
    s = s[:4].translate(_TO_LETTER) + s[4:10].translate(_TO_DIGIT) + s[10:16].translate(_TO_LETTER) \
        + s[16] + s[17].translate(_TO_DIGIT)
    if not (s[:4].isalpha() and s[4:10].isdigit() and s[10] in "HMX" and s[11:13].isalpha()
            and all(c in _CONSONANTS for c in s[13:16]) and s[17].isdigit()):
        return []
    # the 17th character is a digit for births before 2000 and a letter after: O and 0 could be either
    if s[16] in "O0":
        return [s[:16] + "0" + s[17], s[:16] + "O" + s[17]]
    return [s]


def find_curp(text: str) -> tuple[dict | None, list[tuple[int, int]]]:
    invalid = None
    spans: list[tuple[int, int]] = []
    for m in _CURP_RUN.finditer(text):
        raw = m.group(1)
        if raw.count(" ") + raw.count("-") > 4:
            continue
        spellings = _curp_shape(raw)
        if not spellings:
            continue
        spans.append((m.start(1), m.start(1) + len(raw)))
        for spelling in spellings:
            if stdnum_curp.is_valid(spelling):
                return _valid_curp(spelling), spans
        if invalid is None:
            invalid = {"value": spellings[0], "score": 0.4, "valid": False, "error": _curp_error(spellings[0])}
    if invalid is None:                      # "CURP: " followed by something of the wrong length
        m = re.search(r"\bcurp\b\W{0,4}([A-Za-z0-9][A-Za-z0-9 \-]{13,24}[A-Za-z0-9])", text, re.I)
        if m:
            value = re.sub(r"[ \-]", "", m.group(1).split("\n")[0]).upper()
            if 14 <= len(value) <= 21 and re.search(r"\d{4}", value):
                invalid = {"value": value, "score": 0.25, "valid": False, "error": _curp_error(value)}
    return invalid, spans


def _curp_error(value: str) -> str:
    try:
        stdnum_curp.validate(value)
    except stdnum_curp.ValidationError as error:
        return {"InvalidLength": "longitud incorrecta", "InvalidFormat": "formato incorrecto",
                "InvalidChecksum": "dígito verificador incorrecto"}.get(type(error).__name__,
                                                                         "fecha, sexo o estado inválidos")
    return ""


def _valid_curp(value: str) -> dict:
    return {"value": value, "score": 0.97, "valid": True,
            "birth_date": stdnum_curp.get_birth_date(value).isoformat(),
            "sex": "mujer" if value[10] == "M" else "hombre" if value[10] == "H" else "no binario"}


# --- phone and e-mail ------------------------------------------------------------------------------------------

_MOBILE_ONE = re.compile(r"(\+\s?52[\s\-]*)1(?=[\s\-]*\(?\d{2,3})")    # "+52 1 662...": the pre-2019 mobile 1
_DIGIT_LOOKALIKE = re.compile(     # "662-2l3-45-6O": l, I and O touching digits are OCR'd 1 and 0
    r"(?<=\d)[lI|O](?=[\d\-. ]*\d)|(?<=\d[\-. ])[lI|O](?=\d)|(?<=\d)[lI|O](?![^\W\d_])")
_WRAPPED_DIGITS = re.compile(r"(?<=\d)\n(?=\d)")  # same length, so offsets still point into the text
_PHONE_CUE = re.compile(r"(tel|cel|telefono|celular|whats|wa\b|contacto|movil|numero|llamar|fax|lada)[^\n]{0,25}$")


def find_phones(text: str, folded: str, avoid: list[tuple[int, int]]) -> dict | None:
    cleaned = _MOBILE_ONE.sub(lambda m: m.group(1) + " ", text)
    cleaned = _WRAPPED_DIGITS.sub(" ", cleaned)  # "662\n214 3398": a number the letter's line broke
    cleaned = _DIGIT_LOOKALIKE.sub(lambda m: "1" if m.group() in "lI|" else "0", cleaned)
    numbers: list[tuple[str, str, float]] = []
    for match in phonenumbers.PhoneNumberMatcher(cleaned, "MX", leniency=phonenumbers.Leniency.VALID):
        if any(a < match.end and match.start < b for a, b in avoid):
            continue
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        national = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.NATIONAL)
        score = 0.95 if _PHONE_CUE.search(folded[max(0, match.start - 30):match.start]) else 0.75
        if e164 not in [n[0] for n in numbers]:
            numbers.append((e164, national, score))
    if not numbers:
        return None
    e164, national, score = numbers[0]
    return {"value": e164, "national": national, "score": score, "all": [n[0] for n in numbers]}


def _valid_number(value: str):
    try:
        number = phonenumbers.parse(value, "MX")
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def stored_phone(value: str) -> str:
    """A typed phone as it is stored ("(662) 213-9087" → "+526622139087"), like the ones found in letters; anything
    that does not parse as a number is kept as it was typed."""
    number = _valid_number(value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if number else value


def readable_phone(value: str) -> str:
    """A stored phone as people write it in Mexico ("+526622139087" → "662 213 9087"); anything that does not parse
    as a number is returned as it was typed."""
    number = _valid_number(value)
    if number is None:
        return value
    if number.country_code != 52:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


_EMAIL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+\-]*\s?@\s?[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")


def find_emails(text: str) -> dict | None:
    found = list(dict.fromkeys(re.sub(r"\s", "", m.group()).lower().rstrip(".") for m in _EMAIL.finditer(text)))
    return {"value": found[0], "score": 0.95, "all": found} if found else None
