"""E-mail addresses in a letter's text, with the "@" and the domain OCR mangled put back.

Tesseract reads "@" as "0", "4", "8", "(0", "(9", "(G", "GM", "E+", "G4", "K2", "W", "©", "€", "Q" or "(a)", or
drops it; it puts spaces inside an address ("hector. ruiz8", "hotmai l.com"), a comma for a full stop, slips inside
the domain ("gmai1.com", "hotmall.com", "gmail.c0m") and glyphs inside the address's words ("m0reno", "rnoreno").
Most people in Mexico write from a handful of providers, so a domain close to a known one is that one, and what
stands glued before it is the address's own part with the "@"'s remains at its end.
"""

from __future__ import annotations

import bisect
import itertools
import re

from classifiers import fuzzy
from classifiers.gazetteer import fold

# Common mail providers in Mexico (general knowledge, not read from any letter).
DOMAINS = ("gmail.com", "hotmail.com", "hotmail.es", "yahoo.com.mx", "yahoo.com", "yahoo.es", "outlook.com",
           "outlook.es", "live.com.mx", "live.com", "msn.com", "prodigy.net.mx", "icloud.com", "me.com", "aol.com",
           "protonmail.com", "proton.me", "gmx.com")
_PROVIDERS = tuple(sorted({d.split(".")[0] for d in DOMAINS}))

_AT_SPELLED = re.compile(r"\s?(?:\((?:a|at|arroba)\)|\[(?:a|at|arroba)\]|[©®€])\s?", re.I)
_SPACED_AT = re.compile(r"(?<=[\w.])[ \t]*@[ \t]*(?=\w)")
_SPACED_DOT = re.compile(r"(?<=[a-z0-9])[ \t]?[.,][ \t]?(?=(?:com|net|org|edu|gob|mx|es|me)\b)", re.I)
_ZERO_ENDING = re.compile(r"(?<=[.,]c)0(?=m(?![A-Za-z0-9]))", re.I)  # "gmail.c0m"
# What follows an "@" when OCR split it with spaces ("@g mail.com", "@hotmai l.com", "@gmail.c om"): up to three pieces
_SPLIT_DOMAIN = re.compile(r"(?<=@)[A-Za-z0-9.,\-]{1,30}(?:[ \t][A-Za-z0-9.,\-]{1,30}){1,2}")
# Parts bounded as addresses are (64 characters before the "@", 63 a label): an unbounded run was tried from every
# character of a long token, and a page of "x.x.x…" took seconds per thousand characters.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,6}"
                          r"\.[A-Za-z]{1,24}")  # one letter: what OCR left of "yahoo.com.mx" ("yahoo.com.m")
# A provider's name with its ending ("hotmail.com", "gmai1.com", "yahoo.com.mx"), maybe glued to what came before.
_DOMAIN_TAIL = re.compile(r"([A-Za-z0-9!|()©®&._%+\-]{1,80})\.((?:c[o0]m|corn|net|es|me)(?:\.(?:mx|rnx))?)(?![A-Za-z0-9])",
                          re.I)  # "yahoo.com.mX": a capital read in the ending is still the ending
# What is left of an "@" at the end of the address's own part: "(0", "(9", "(2", "4W", "GM", "E+", "G4", "(", "0",
# "Q", and a 6, 8 or 9 after the address's digits ("moreno398hotmail", "montano9 16 hotmail": see _without_remains). An address holds no
# bracket, so a digit after one is the "@"'s swirl, not the address's.
_AT_REMAINS = re.compile(r"[(\[{<]?[04]?[A-Z&+]{1,2}$|[A-Z]\d$|[(\[{<]\d?$|[04OQ]$|(?<=\d)[689]$")
_CUE = re.compile(r"\b(correo(\s+electronico)?|e-?mail|mail)\b\s*:?\s*(es\s+)?$")
_ADDRESS_PART = re.compile(r"[a-z]+[._][a-z]+(?:[._][a-z]+)*")  # "jesus.bojorquez": a name part, lower case
_WORDS = {"de", "del", "el", "la", "en", "es", "mi", "su", "a", "al", "y", "o", "con", "por", "para", "correo",
          "electronico", "email", "mail", "cuenta", "al", "que", "un", "una"}


def _known_domain(domain: str) -> tuple[str, float] | None:
    """The known provider domain `domain` is, as read, and how alike they are (1.0 when exact)."""
    domain = domain.lower()
    if domain in DOMAINS:
        return domain, 1.0
    plain = fuzzy.unglyph(domain).replace(",", ".")
    found = fuzzy.closest(plain, DOMAINS, cutoff=0.8)
    if found and fuzzy.distance(plain, found[0]) <= (1 if len(found[0]) <= 10 else 2):
        return found
    return None


def _split_glued(chunk: str) -> tuple[str, str, float] | None:
    """A chunk ending in a provider's name ("moreno390hotmail") split into what came before it and the provider,
    with how alike the provider's part is."""
    low = chunk.lower()
    best = None
    for provider in _PROVIDERS:
        for size in (len(provider), len(provider) + 1, len(provider) - 1):
            if size > len(low) or size < 3:
                continue
            tail = fuzzy.unglyph(low[-size:])
            if fuzzy.distance(tail, provider) <= (0 if len(provider) <= 4 else 1):
                sim = fuzzy.similarity(tail, provider)
                if best is None or sim > best[2]:
                    best = (chunk[:-size], provider, sim)
    return best


_PART = 80  # characters looked at on each side of a space inside an address (a part holds at most 64)


def _run_before(text: str, end: int, chars: str) -> tuple[int, str] | None:
    """Where the run of `chars` (a regex class) that ends at `end` starts, and the run; looked for in the _PART
    characters before `end`, not the whole text before it: this is asked for every address-like match of a text."""
    window = max(0, end - _PART)
    run = re.search(chars + "+$", text[window:end])
    return (window + run.start(), run.group()) if run else None


def _extend_left(text: str, start: int, name_words: set[str] = frozenset()) -> int:
    """Where the address's own part begins when OCR put spaces inside it: after a full stop or an underscore
    ("hector. ruiz8"), between digits ("montano9 1"), before the digits that end an address's name part
    ("jesus.bojorquez 156"), across words of the petitioner's name whose full stop was lost ("jesus bojorquez 15")
    or inside one ("julieta.salaz ar12"), or after an e-mail cue on the same line."""
    if start >= 2 and text[start - 1] in "._-" and text[start - 2] == " ":
        start -= 1                                 # "jesus .moreno30@": the part before the space is the address's
    while start >= 2 and text[start - 1] == " ":
        found = _run_before(text, start - 1, r"[A-Za-z0-9._%+\-]")
        if not found:
            break
        (before_start, before), ahead = found, text[start:start + _PART]
        alone = re.match(r"\S+", ahead)
        if text[start - 2] in "._-" or text[start] in "._-" or (text[start - 2].isdigit() and text[start].isdigit()) \
                or (alone and _AT_REMAINS.fullmatch(alone.group()) and before.islower()) \
                or (text[start].isdigit() and _ADDRESS_PART.fullmatch(before)) \
                or (before.islower() and _name_words_apart(before, ahead, name_words)) \
                or _name_split(before, ahead, name_words):
            start = before_start
            continue
        line_start = max(0, before_start - _PART)
        line = text[max(text.rfind("\n", line_start, before_start) + 1, line_start):before_start]
        if not line.strip():                       # "correo\nmaria lopez@…": the cue ends the line above
            line = text[line_start:before_start]
        if _CUE.search(fold(line)) and fold(before) not in _WORDS and before.islower():
            start = before_start                   # "correo maria lopez @ ..."
        break
    return start


def _name_words_apart(before: str, after: str, name_words: set[str]) -> bool:
    """Whether `before` ends in a word of the petitioner's name and `after` starts with another or with digits: an
    address's "jesus.bojorquez15" read with its full stop lost ("jesus bojorquez 15")."""
    last, first = re.search(r"[a-z]+$", fold(before)), re.match(r"[a-z]+|\d", fold(after))
    return bool(last and first and last.group() in name_words and (first.group().isdigit()
                                                                  or first.group() in name_words))


def _name_split(before: str, after: str, name_words: set[str]) -> bool:
    """Whether a space OCR put inside a word of the petitioner's name separates `before` from `after` ("y olanda",
    "julieta.salaz ar12")."""
    last, first = re.search(r"(?<![a-z0-9])[a-z]+$|(?<=[._\-])[a-z]+$", fold(before)), re.match(r"[a-z]+", fold(after))
    return bool(last and first and last.group() + first.group() in name_words)


_DOT_SUPPLIED = 0.7  # an address whose full stop was put back: the review page marks it to check


def _dots_lost(own: str, name_words: set[str]) -> str:
    """The address's own part as read, with a full stop for the space between two words of the petitioner's name."""
    pieces = own.split(" ")
    return "".join(("." if n and piece[:1].isalpha() and _name_words_apart(pieces[n - 1], piece, name_words)
                    else " " if n else "") + piece for n, piece in enumerate(pieces))


def _clean_local(local: str, name_words: set[str]) -> str:
    """The address's own part without spaces, digits OCR'd as letters inside a number put back and the other way
    round inside a word of the petitioner's name, and a part one letter or glyph off a word of the name (read twice
    in the letter) taken from the name."""
    local = re.sub(r"\s", "", local).lower()
    local = re.sub(r"(?<=\d)[o](?=\d)", "0", local)
    local = re.sub(r"(?<=\d)[il|](?=\d)|(?<=\d)[il|]$", "1", local)
    local = "".join(_name_glyphs(piece, name_words) for piece in re.split(r"([._\-])", local))
    parts = re.split(r"([._\-]|\d+)", local)
    if len(parts[0]) > 3 and parts[0] not in name_words and parts[0][1:] in name_words:
        parts[0] = parts[0][1:]                    # "yjose.durazo96": a speck before José's address
    for n, part in enumerate(parts):
        if not part.isalpha() or len(part) < 4 or part in name_words:
            continue
        nxt = parts[n + 1] if n + 1 < len(parts) else ""
        if part[-1] in "il" and part[:-1] in name_words and nxt[:1].isdigit():
            parts[n] = part[:-1] + "1"             # "garcial3": García's address, 13
            continue
        close = [w for w in name_words if len(w) == len(part) and fuzzy.distance(w, part) == 1]
        if len(close) == 1:
            parts[n] = close[0]
    return "".join(parts)


def _joined_domain(m: re.Match) -> str | None:
    """The pieces after an "@" without the spaces OCR put between them, when together they start with a known
    provider's domain, closer to it than the first piece alone."""
    pieces = m.group().split()
    alone = _known_domain(pieces[0].rstrip(".,"))
    for count in range(2, len(pieces) + 1):
        joined = "".join(pieces[:count])
        domain = re.match(r"[A-Za-z0-9\-]+(?:[.,][A-Za-z0-9\-]+)+", joined)
        known = domain and _known_domain(domain.group())
        if known and (not alone or known[1] > alone[1]):   # "yahoo.co m.mx": closer joined than alone
            return joined + "".join(" " + piece for piece in pieces[count:])
    return None


def _kept_of(read: str, by: str) -> list[int]:
    """For each character of `by`, which character of `read` it stands for: itself when `by` is `read` with spaces
    taken out, else the first (one glyph for several: "(a)" for "@")."""
    kept, i = [], 0
    for c in by:
        while i < len(read) and read[i] != c:
            i += 1
        if i == len(read):
            return [0] * len(by)
        kept.append(i)
        i += 1
    return kept


def _name_glyphs(piece: str, name_words: set[str]) -> str:
    """A piece of an address's own part whose glyphs undone spell a word of the petitioner's name ("rnoreno",
    "1eyva58", "moren030" for "moreno30"), with that word; else as it is."""
    number = re.search(r"\d*$", piece).group()
    head = piece[:len(piece) - len(number)]
    if len(head) < 2 or head in name_words or not re.search(r"[a-z]", head):
        return piece
    if fuzzy.unglyph(head) in name_words:
        return fuzzy.unglyph(head) + number
    if number[:1] in ("0", "1") and fuzzy.unglyph(head + number[0]) in name_words:
        return fuzzy.unglyph(head + number[0]) + number[1:]     # "moren030": the name's o, then 30
    return piece


def _normalised(text: str) -> tuple[str, list[int]]:
    """`text` with "(a)", "©" and the like as "@", the spaces around "@" and inside a provider's domain gone; and
    for each character of the result, where it stood in `text`."""
    places = list(range(len(text) + 1))
    rules = ((_AT_SPELLED, lambda m: "@"), (_SPACED_AT, lambda m: "@"), (_SPACED_DOT, lambda m: "."),
             (_ZERO_ENDING, lambda m: "o"), (_SPLIT_DOMAIN, _joined_domain))
    for pattern, replace in rules:
        pieces, kept, last = [], [], 0
        for m in pattern.finditer(text):
            by = replace(m)
            if by is None:
                continue
            pieces += [text[last:m.start()], by]
            kept += places[last:m.start()] + [places[m.start() + i] for i in _kept_of(m.group(), by)]
            last = m.end()
        pieces.append(text[last:])
        kept += places[last:]
        text, places = "".join(pieces), kept
    return text, places


def find_emails(text: str, name_words: set[str] | None = None) -> dict | None:
    """The letter's e-mail addresses, {"value", "score", "all", ...}: the first one found, lower case; one that
    needed repairs carries what was read ("read_as") and a lower score."""
    name_words = name_words or set()
    norm, places = _normalised(text)
    found: list[tuple[int, str, float, int]] = []
    taken: list[tuple[int, int]] = []
    for m in _WELL_FORMED.finditer(norm):
        local, _, domain = m.group().rstrip(".").partition("@")
        known = _known_domain(domain)
        if not known and re.search(r"\.[A-Za-z]$", domain):   # "uni.edu.m": a one-letter ending only a known
            domain = domain[:-2]                               # provider's remains ("yahoo.com.m"); else a speck
            known = _known_domain(domain)
        start = _extend_left(norm, m.start(), name_words)
        score = 0.95 if not known or known[1] == 1.0 else 0.85
        read = norm[start:m.start()] + local
        dotted = _dots_lost(read, name_words)
        if dotted != read:
            score = min(score, _DOT_SUPPLIED)
        local = _clean_local(dotted, name_words)
        found.append((start, f"{local}@{known[0] if known else domain.lower()}", score, m.end()))
        taken.append((start, m.end()))
    taken.sort()
    starts, reach = [a for a, _ in taken], list(itertools.accumulate((b for _, b in taken), max))
    for m in _DOMAIN_TAIL.finditer(norm):
        before = bisect.bisect_right(starts, m.start())
        if before and reach[before - 1] > m.start():   # inside an address found whole
            continue
        guess = _missing_at(norm, m, name_words)
        if guess:
            found.append(guess)
    found.sort()
    values = list(dict.fromkeys(f[1] for f in found))
    if not values:
        return None
    start, value, score, end = found[0]
    raw = text[places[start]:places[end]].rstrip(".")
    field = {"value": value, "score": round(score, 2), "all": values}
    if raw.lower() != value:
        field.update(read_as=raw, score=round(min(score, 0.85), 2))
    return field


def _without_remains(own: str) -> tuple[str, bool]:
    """The address's own part without what is left of its "@" at the end, and whether anything was. Where a 0 or
    4 could be the "@"'s or the address's ("3904", "544", "90UM", "304W"), the cut that leaves two or four digits
    is taken: the numbers people add to an address are mostly a year or two digits of one."""
    own = re.sub(r"\s+", "", own)
    remains = _AT_REMAINS.search(own)
    if not remains:
        return own, False
    if re.search(r"[A-Z]", remains.group()) and not own[:remains.start()].islower():
        return own, False                          # capitals in an address written in capitals are its own
    if remains.group() in ("6", "8", "9"):         # an "@" read as a digit, or the address's own digit?
        digits = len(re.search(r"\d*$", own).group())
        if digits - 1 in (2, 4) and digits not in (2, 4):
            return own[:-1], True
        return own, False
    cuts = {remains.start()}
    for cut in (remains.start() - 1, remains.start() + 1):
        # a 0 or 4 beside the remains may be the "@"'s or a digit of the address
        between = own[min(cut, remains.start()):max(cut, remains.start())]
        if 0 < cut < len(own) and between in ("0", "4") and own[min(cut, remains.start()) - 1].isdigit():
            cuts.add(cut)
    two_or_four = [c for c in sorted(cuts) if len(re.search(r"\d*$", own[:c]).group()) in (2, 4)]
    kept = own[:(two_or_four or [remains.start()])[0]]
    return kept, True


def _missing_at(norm: str, m: re.Match, name_words: set[str]) -> tuple[int, str, float, int] | None:
    """An address whose "@" OCR mangled or dropped: its own part, glued or one space before a known provider."""
    chunk, ending = m.group(1), m.group(2)
    known = _known_domain(f"{chunk}.{ending}")
    split = _split_glued(chunk)
    if known and known[1] < 1.0 and split and split[0] and split[2] == 1.0:
        known = None                               # "8 5gmail.com": glued to the provider, not a slip in it
    if known:                                      # "ruiz8V hotmail.com": the provider stands alone
        own_end = m.start() - 1 if m.start() and norm[m.start() - 1] == " " else m.start()
        found = _run_before(norm, own_end, r"[A-Za-z0-9._%+\-()&]")
        if not found:
            return None
        (own_start, own), glued, sim = found, own_end == m.start(), known[1]
        domain = known[0]
    else:
        if not split:
            return None
        own, provider, sim = split
        domain_read = f"{provider}.{fuzzy.unglyph(ending.lower())}"
        known = _known_domain(domain_read) or _known_domain(f"{provider}.com")
        if not known or not own:
            return None
        own_start, glued, domain = m.start(), True, known[0]
    start = _extend_left(norm, own_start, name_words)
    read = norm[start:own_start] + own
    dotted = _dots_lost(read, name_words)
    written, remains = _without_remains(dotted)
    local = _clean_local(written, name_words)
    if len(local) < 2 or not re.search(r"[a-z]", local) or local in _WORDS or not re.fullmatch(r"[a-z0-9._%+\-]+",
                                                                                                local):
        return None
    if not (glued or remains or re.search(r"[\d._\-]", local)):
        return None                                # "una cuenta de gmail.com": a word, not an address
    score = (0.85 if remains else 0.75) * (1.0 if sim == 1.0 else 0.95)
    if dotted != read:
        score = min(score, _DOT_SUPPLIED)
    return start, f"{local}@{domain}", score, m.end()
