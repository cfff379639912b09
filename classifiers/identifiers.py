"""Owner of phonenumbers: phone numbers found in a text, OCR slips forgiven where digits around a character make its
reading unambiguous; and phones as they are stored and shown."""

from __future__ import annotations

import re

import phonenumbers


# --- phone ------------------------------------------------------------------------------------------------

_MOBILE_ONE = re.compile(r"(\+\s?52[\s\-]*)1(?=[\s\-]*\(?\d{2,3})")    # "+52 1 662...": the pre-2019 mobile 1
# Glyphs Tesseract reads for digits: l I | ! for 1, O o for 0, S for 5, B for 8 wherever they touch a number's digits;
# G b for 6, Z z for 2, g q for 9, A for 4, T for 7 only between two digits, since an address writes "12A", "4T", "12b"
# right before a phone; and any of them opening a bracketed area code ("(G62)").
_LOOKALIKES, _INSIDE_ONLY = "lI|!OoSB", "GbZzgqAT"
_AS_DIGIT = str.maketrans(_LOOKALIKES + _INSIDE_ONLY, "11110058" + "66229947")
_DIGIT_LOOKALIKE = re.compile(     # "662-2l3-45-6O", "662 2l3 O9 87": glyphs touching digits are OCR'd digits
    rf"(?<=\d)[{_LOOKALIKES}](?=[\d\-. ]*\d)|(?<=\d[\-. ])[{_LOOKALIKES}](?=\d)|(?<=\d)[{_LOOKALIKES}](?![^\W\d_])"
    rf"|(?<=\d)[{_INSIDE_ONLY}](?=\d)|(?<=\()[{_LOOKALIKES}{_INSIDE_ONLY}](?=\d\d\))")
_SPECKS = re.compile(r"(?<=\d)[%*'\"`´¨°~]+(?=[\s\-.]*\d)")  # "622% 149 9582": a speck read after a digit
_WRAPPED_DIGITS = re.compile(r"(?<=\d)\n(?=\d)")  # same length, so offsets still point into the text
_PHONE_CUE = re.compile(r"(tel|cel|telefono|celular|whats|wa\b|contacto|movil|numero|llamar|fax|lada)[^\n]{0,25}$")
TRAILING = (2, 3)  # digits glued after a number (a speck, the next word's remains) that still leave its first ten
# A phone cue, then a run of digits and separators: where OCR misread "+52" as digits ("7152644 681 7999"), the run
# holds more than ten digits and the number is its last ten.
_CUED_RUN = re.compile(r"\b(?:tel|cel|telefono|celular|whatsapp|movil)\w*[^\d\n]{0,12}([\d][\d \-.()]{9,24}\d)")


def find_phones(text: str, folded: str, avoid: list[tuple[int, int]]) -> dict | None:
    """The letter's phone numbers, {"value" (E.164), "national", "score", "all"}: the first one found; one whose
    digits OCR read as letters carries what was read ("read_as") and a lower score."""
    cleaned = _MOBILE_ONE.sub(lambda m: m.group(1) + " ", text)
    cleaned = _WRAPPED_DIGITS.sub(" ", cleaned)  # "662\n214 3398": a number the letter's line broke
    cleaned = _SPECKS.sub(lambda m: " " * len(m.group()), cleaned)
    cleaned = _DIGIT_LOOKALIKE.sub(lambda m: m.group().translate(_AS_DIGIT), cleaned)
    numbers: list[tuple[str, str, float, str]] = []
    for match in phonenumbers.PhoneNumberMatcher(cleaned, "MX", leniency=phonenumbers.Leniency.VALID):
        if any(a < match.end and match.start < b for a, b in avoid):
            continue
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        national = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.NATIONAL)
        score = 0.95 if _PHONE_CUE.search(folded[max(0, match.start - 30):match.start]) else 0.75
        raw = text[match.start:match.end]              # the cleaning kept every offset
        slips = sum(a != b for a, b in zip(raw, match.raw_string) if not (a.isspace() or a.isdigit()))
        if e164 not in [n[0] for n in numbers]:
            numbers.append((e164, national, round(max(score - 0.03 * slips, 0.5), 2), raw if slips else ""))
    if not numbers:
        numbers = _after_cue(cleaned, folded, text, avoid)
    if not numbers:
        return None
    e164, national, score, raw = numbers[0]
    field = {"value": e164, "national": national, "score": score, "all": [n[0] for n in numbers]}
    if raw:
        field["read_as"] = raw
    return field


def _after_cue(cleaned: str, folded: str, text: str, avoid: list[tuple[int, int]]) -> list[tuple[str, str, float, str]]:
    """The last ten digits of a longer run right after a phone cue, when they make a valid number: what a misread
    country code leaves ("teléfono 7152644 681 7999" for "+52 644 681 7999"); else its first ten, when two or three
    digits were glued after them. Scored low, with what was read."""
    found = []
    for match in _CUED_RUN.finditer(folded):
        start, end = match.span(1)
        digits = re.sub(r"\D", "", cleaned[start:end])
        # One digit too many is a digit OCR added inside the number ("63121014597" for "6312101597") as likely as
        # anything: which one is not known. Only a mobile's old leading 1 leaves the last ten.
        extra = digits[:-10]
        if not extra or (len(extra) == 1 and extra != "1") or any(a < end and start < b for a, b in avoid):
            continue
        number = _valid_number(digits[-10:])
        if number is None and len(extra) in TRAILING:
            # what followed the number glued to it ("6312101597400"): its first ten, when only they make a number
            number = _valid_number(digits[:10])
        if number is not None:
            found.append((phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                          phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL), 0.6,
                          text[start:end]))
    return found


def _valid_number(value: str):
    value = _MOBILE_ONE.sub(lambda m: m.group(1), value)  # "+52 1 662...": phonenumbers no longer takes the 1
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
