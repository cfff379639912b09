"""People named in a letter: the petitioner (after "yo", "el que suscribe", a "Nombre:" or "Contacto:" label, or
signed under "Atentamente") and the official in its addressee block."""

from __future__ import annotations

import re

from classifiers import fuzzy, gazetteer, name_mending
from classifiers.cues import Cue
from classifiers.curp import name_letters as curp_name_letters
from classifiers.gazetteer import fold
from classifiers.layout import TITLES

_TOKEN = re.compile(r"[^\W\d_]+\.?|\S")
_GLYPH_IN_WORD = re.compile(r"(?<=[^\W\d_])[01|](?=[^\W\d_])")  # "Fé1ix", "Ram0n": a name holds no digit
_GLYPHS_OF = {"l": "[l1|]", "o": "[o0]"}  # the letters _GLYPH_IN_WORD puts back, as the text may write them
_HONORIFICS = {"c", "sr", "sra", "srita", "profr", "profra", "prof", "don", "dona", "lic", "ing", "dr", "dra",
               "mtro", "mtra", "arq", "c.c", "ciudadano", "ciudadana"}
PARTICLES = {"de", "del", "la", "las", "los", "y"}
_NAME_ABBREVIATIONS = {"ma", "fco", "gpe", "jse", "fdo", "glez", "hdez", "rdz", "mtz", "ftes", "sta"}   # "Ma. del..."
_STOP = {"mayor", "con", "vecino", "vecina", "vecinos", "por", "domicilio", "originario", "originaria", "quien",
         "mexicano", "mexicana", "habitante", "residente", "ante", "solicito", "edad", "identificado",
         "identificada", "en", "a", "al", "me", "le", "madre", "padre", "tel", "telefono", "cel", "celular", "curp",
         "calle", "domicilio", "correo", "email", "e", "firma", "el", "mi", "que", "soy", "años", "anos", "madre",
         "presente", "atentamente", "se", "lo", "su"}
_NOT_NAMES = {"gobernador", "gobernadora", "secretario", "secretaria", "director", "directora", "licenciado",
              "licenciada", "presidente", "presidenta", "titular", "coordinador", "coordinadora", "subsecretario",
              "delegado", "delegada", "desarrollo", "social", "gobierno", "estado", "sonora", "presente", "sedesson",
              "municipal", "ayuntamiento", "asunto", "solicitud", "sufragio", "efectivo", "reeleccion", "colonia",
              "ciudad", "constitucional", "apoyo", "programa", "direccion", "atencion", "ciudadania", "gracias",
              "mexico", "solicitante", "bendiga", "saludos", "ejido", "comunidad", "localidad", "son"}
# Closing words, whose OCR'd remains are no name ("ATENTA EA," for a doubled, streaked ATENTAMENTE)
_CLOSINGS = ("atentamente", "cordialmente", "respetuosamente")


def _closing(word: str) -> bool:
    """Whether a folded word is the start of a closing word or five letters of it in a row ("Entam"), or a closing
    word two slips off."""
    return len(word) >= 4 and any(closing.startswith(word) or (len(word) >= 5 and word in closing)
                                  or (len(word) >= 8 and fuzzy.distance(word, closing) <= 2) for closing in _CLOSINGS)


def _read_name(segment: str) -> str | None:
    """A person's name at the start of `segment` (after an optional honorific), title-cased; None if none."""
    words: list[str] = []
    tokens = _TOKEN.findall(_GLYPH_IN_WORD.sub(lambda m: fuzzy.unglyph(m.group()), segment[:160]))
    i = 0
    # "." too: OCR reads the comma after "suscribe" as a full stop ("El que suseribe. Jesus Bojorquez Romero.")
    while i < len(tokens) and (tokens[i] in ",.:;-_" or fold(tokens[i]).rstrip(".") in _HONORIFICS):
        i += 1
    for token in tokens[i:i + 9]:
        bare = token.rstrip(".")
        key = fold(bare)
        if words and bare.isalpha() and bare.islower() and fold(words[-1]) not in PARTICLES \
                and name_mending.split_word(words[-1], bare):
            words[-1] += token                     # "Mor eno", "Valenzue la": a space OCR put inside a name
            continue
        if not bare.isalpha() or key in _STOP:
            break
        if key in PARTICLES:
            words.append(bare)
            continue
        if not bare[0].isupper():
            break
        words.append(token if key in _NAME_ABBREVIATIONS else bare)
        if token.endswith(".") and len(bare) > 1 and key not in _NAME_ABBREVIATIONS:
            break                                  # a full stop after a word ends the sentence
    while words and fold(words[-1]) in PARTICLES:
        words.pop()
    if len(words) > 3 and len(words[-1]) == 1 and not re.search(r"(?<![^\W\d_])" + re.escape(words[-1]) + r"\.",
                                                                segment):
        words.pop()                                # a speck after the surnames read as a capital ("Durazo Ñ")
    if sum(w[:1].isupper() and w[1:].islower() for w in words) >= 2:
        # A name written in capitals and small letters: capitals before it are the margin's noise ("AI Héctor...").
        while words and len(words[0]) > 1 and words[0].isupper() and fold(words[0]) not in _NAME_ABBREVIATIONS:
            words.pop(0)
    core = [w for w in words if fold(w) not in PARTICLES]
    if not 2 <= len(core) <= 6 or any(fold(w) in _NOT_NAMES or _closing(fold(w)) for w in core):
        return None
    if sum(len(w.rstrip(".")) == 1 for w in core) * 2 > len(core):
        return None  # mostly initials: a spaced-out word ("P R E S E N T E"), not a person
    if all(len(w.rstrip(".")) <= 2 for w in core) or fold(words[0]) in PARTICLES:
        return None  # no word of a name's length ("O Yo"), or a block's "DEL GOBIERNO…" misread ("Del Gore Re")
    if fold(" ".join(words)) in gazetteer.place_names():
        return None
    return " ".join(w.lower() if fold(w) in PARTICLES and n else w[0].upper() + w[1:].lower()
                    for n, w in enumerate(words))


_NAME_SCORES = {"yo": 0.9, "mi_nombre": 0.9, "etiqueta": 0.9, "suscribe": 0.88, "atentamente": 0.85, "datos": 0.82,
                "c": 0.75}
# (and lines OCR makes of the signature's rule or of specks: "——____", "A AA")
_SIGNATURE_NOISE = re.compile(r"^\s*$|^[\s_\-.—–]+$|^\W*(?:\w{1,2}(?:\W+|$)){1,3}$|sufragio|reelecci|solicitante|firma|gracias|quedo|bendig|"
                              r"saludo|a t e n t a m e n t e")


def _name_tail(line: str) -> bool:
    """True when a line holds nothing but the rest of a name ("Ramírez", "López Ramírez."): capitalised words or
    particles, no digits, no place, no title, at most two names."""
    words = line.strip(" \t.,").split()
    core = [w for w in words if fold(w) not in PARTICLES]
    return (1 <= len(core) <= 2 and fold(" ".join(words)) not in gazetteer.place_names()
            and all(w.isalpha() and (fold(w) in PARTICLES or w[0].isupper()) for w in words)
            and not any(fold(w) in _STOP or fold(w) in _NOT_NAMES for w in core))


def _signature(text: str, after: int) -> str | None:
    """The name signed after a closing word ("Atentamente"): on the same line ("Atentamente, María López") or the
    first line below that is not a slogan or a blank, with the rest of the name taken from the next line when the
    signature (or the OCR's line wrapping) broke it there ("María\nLópez Ramírez", "María López\nRamírez")."""
    lines = text[after:].split("\n")[:9]
    lines[0] = lines[0].lstrip(" \t,.:;-_")
    candidates = [n for n, line in enumerate(lines) if line.strip() and not _SIGNATURE_NOISE.search(fold(line))]
    # The same line first (when something follows the closing word), then the first signature line below it.
    for n in [c for c in candidates if c == 0] + [c for c in candidates if c > 0][:1]:
        line = lines[n].strip()
        name = _read_name(line)
        tail = lines[n + 1].strip() if n + 1 < len(lines) else ""
        core = len([w for w in (name or line).split() if fold(w) not in PARTICLES])
        if tail and core <= 3 and _name_tail(tail):
            joined = _read_name(line + " " + tail)
            if joined and len(joined.split()) > len((name or "").split()):
                name = joined
        elif tail and name is None:
            # One given name closing the line, the surnames opening the next one and the sentence going on after
            # them ("Atentamente, María\nLópez Ramírez. Teléfono 662..."): the name stops at its full stop.
            joined = _read_name(line + " " + tail)
            extra = joined.split()[len(line.split()):] if joined else []
            if extra and fold(" ".join(extra)) not in gazetteer.place_names() \
                    and fold(extra[0]) not in gazetteer.place_names():
                name = joined
        if name:
            return name
    return None


def find_name(text: str, folded: str, cues: list[Cue], addressee_end: int, curp: str | None = None) -> dict | None:
    """The petitioner's name, {"value", "score", "source"}: the best-scored cue, raised when two cues agree, the
    one that agrees with `curp` (a sound CURP the letter gives) first."""
    found: list[tuple[float, str, str]] = []
    for cue in cues:
        if cue.label != "NAME":
            continue
        if cue.kind == "atentamente":
            name = _signature(text, cue.end)
            if name:
                found.append((_NAME_SCORES["atentamente"], name, "firma"))
            continue
        if cue.kind == "c":
            if cue.start < addressee_end:
                continue                                    # "C. Gobernador...": the addressee, not the sender
            before = folded[max(0, cue.start - 14):cue.start]
            if re.search(r"\b(al|a la|del|de la|ante|ante el|ante la|para el|para la|con el|con la|dirijo a)\s*$",
                         before):
                continue
        if cue.kind == "yo" and not re.match(r"\s*,?\s*[^\W\d_]", text[cue.end:cue.end + 3]):
            continue
        segment = re.sub(r"\s*\n\s*", " ", text[cue.end:cue.end + 160])
        name = _read_name(segment)
        if name and cue.kind == "c":
            after = fold(segment)
            after = after[after.find(fold(name)) + len(name):][:40]
            if re.match(r"\s*,?\s*(\w+\s+)?" + TITLES.pattern, after):
                continue                                    # "C. Fulano, Secretario de...": an official
        if name:
            score = _NAME_SCORES[cue.kind]
            sentence_so_far = re.split(r"[.:;\n]", folded[max(0, cue.start - 60):cue.start])[-1]
            if cue.kind == "c" and len(sentence_so_far.split()) > 4:
                score = 0.55                                # "...debió hacer el C. Fulano": maybe a third person
            found.append((score, name, cue.kind))
    found += [(_NAME_SCORES["datos"], name, "datos") for name in _before_data(text, addressee_end)]
    if not found or curp:             # a name alone on one of the last lines (above the phone, say): a signature
        lines = [ln.strip(" \t._-") for ln in text[addressee_end:].strip().split("\n")]
        if found:                     # the signature may sit above OCR's specks of the page's foot
            lines = [ln for ln in lines if not _SIGNATURE_NOISE.search(fold(ln))]
        for line in lines[-6 if found else -3:][::-1]:
            name = _read_name(line)
            if name and not re.search(r"\d", line) and len(line) <= len(name) + 4:
                # with other readings found, only the CURP can prefer this one (its initials)
                found.append((0.5 if len(found) == 0 else 0.45, name, "firma"))
                break
    if not found:
        return None
    return _choose(found, folded, curp, text)


# "..., Rosa Valenzuela Montaño, con CURP ..." / ", con domicilio en ...": the name just before the petitioner's
# data, which OCR keeps when it loses the cue before it ("cribe, Héctor Luis ...").
_DATA_AFTER = re.compile(r",\s*c[oó]n?\s+(?:curp|c\.\s?u\.\s?r\.\s?p|domicilio|[A-Z]{4}\d)", re.I)


def _before_data(text: str, addressee_end: int) -> list[str]:
    found = []
    for m in _DATA_AFTER.finditer(text, addressee_end):
        before = re.sub(r"\s+", " ", text[max(addressee_end, m.start() - 90):m.start()])
        words = before.split(" ")
        run: list[str] = []
        for word in reversed(words):
            bare = word.strip(",;:")
            if word != bare and run:
                break                                      # a comma or colon before the name ends it
            if not (bare.isalpha() and (bare[0].isupper() or fold(bare) in PARTICLES)) or len(run) == 6:
                break
            run.insert(0, bare)
        name = _read_name(" ".join(run)) if run else None
        if name:
            found.append(name)
    return found


def _choose(found: list[tuple[float, str, str]], folded: str, curp: str | None, text: str) -> dict:
    """The best reading of the name: the one sharing most letters with a CURP read sound, then the best-scored,
    raised by readings that agree with it; a word two readings spell differently taken from the one the letter
    writes more often ("Kuben Martin" signed, "Rubén Martín" in the text and "ruben." in the e-mail)."""
    letters = curp_places(curp)
    readings = []
    for score, name, source in found:
        words = name.split()
        # OCR noise before the name can look like a first given name; the CURP says whose initials these are.
        whole = _agreement(name, letters)
        readings.append((whole, score, name, source))
        for drop in range(1, 3 if letters else 1):
            shorter = " ".join(words[drop:])
            agree = _agreement(shorter, letters)
            if len([w for w in words[drop:] if fold(w) not in PARTICLES]) >= 2 and agree >= 6 and agree > whole:
                readings.append((agree, score - 0.02 * drop, shorter, source))
    readings.sort(key=lambda r: (-r[0], -r[1]))
    agree, score, name, source = readings[0]
    alike = [r for r in readings if fuzzy.similarity(fold(r[2]), fold(name)) >= 0.8]
    if len({fold(r[2]) for r in alike} | {fold(name)}) > 1 or len([r for r in found if fold(r[1]) == fold(name)]) > 1:
        score = min(0.98, score + 0.06)                     # two cues agree
    read = name
    name = name_mending.mended(_vote(name, [r[2] for r in alike], folded), text)
    if letters and agree < 5:
        score = min(score, 0.6)                              # the CURP says otherwise
    field = {"value": name, "score": round(score, 2), "source": source}
    split = _as_split(name, text, folded)
    if name != read or split:                                 # a word taken from another reading, mended or closed
        field.update(score=round(min(score, 0.9) - 0.05, 2), read_as=read if name != read else split)
    return field


def _as_split(name: str, text: str, folded: str) -> str | None:
    """`name` as the letter spells it when a word of it is written nowhere whole but split by a space ("Mor eno") or
    with a digit for a letter ("Fé1ix"): the reviewer checks it against the scan; None when every word is written
    whole."""
    words, split = name.split(), False
    for n, word in enumerate(words):
        if _occurrences(word, folded):
            continue
        pattern = r"[ \t]?".join(_GLYPHS_OF.get(c, re.escape(c)) for c in fold(word))
        found = re.search(r"(?<![^\W_])" + pattern + r"(?![^\W_])", folded)
        if not found:
            return None
        words[n], split = text[found.start():found.end()], True
    return " ".join(words) if split else None


def _agreement(name: str, letters: dict[int, str]) -> int:
    own = curp_name_letters(name)
    return sum(own.get(i) == c for i, c in letters.items())


def curp_places(curp: str | None) -> dict[int, str]:
    """The places of a CURP that a person's name decides (see curp.name_letters)."""
    return {i: curp[i] for i in (0, 1, 2, 3, 13, 14, 15)} if curp and len(curp) == 18 else {}


def _vote(name: str, readings: list[str], folded: str) -> str:
    """`name` with each word another reading of the same length spells otherwise replaced by the spelling the
    letter's text holds more often (a word, the e-mail's own part), or, as often, by a common name's spelling
    ("Durezo" in the opening, "Durazo" signed)."""
    words = name.split()
    for reading in readings:
        other = reading.split()
        if len(other) != len(words):
            continue
        for n, (mine, theirs) in enumerate(zip(words, other)):
            if mine != theirs and fuzzy.similarity(fold(mine), fold(theirs)) >= 0.6:
                ours, their = _occurrences(mine, folded), _occurrences(theirs, folded)
                if their > ours or (their == ours and (
                        (fold(mine) == fold(theirs) and _accents(theirs) > _accents(mine))
                        or (name_mending.is_common(theirs) and not name_mending.is_common(mine)))):
                    words[n] = theirs
    return " ".join(words)


def _occurrences(word: str, folded: str) -> int:
    return len(re.findall(r"(?<![^\W_])" + re.escape(fold(word)) + r"(?![^\W_])", folded))


def _accents(word: str) -> int:
    return sum(a != b for a, b in zip(word, fold(word).upper() if word.isupper() else fold(word)))


def find_addressee(text: str, addressee_end: int, datelines: list[int] = ()) -> dict | None:
    """The official the letter is addressed to, {"value", "score"} plus the "title" line when there is one; a title
    OCR misread is still one (see _mended_title). `datelines`: where in `text` a date, or a town OCR misread before
    "Sonora", begins (a line holding one is a dateline, no one's name)."""
    name = title = None
    lines = text[:addressee_end].split("\n")
    line_start = 0
    for n, line in enumerate(lines):
        start, line_start = line_start, line_start + len(line) + 1
        folded = fold(line)
        if not line.strip():
            continue
        at = _title_at(folded)
        if at is not None:
            office = _mended_title(_title(line, at, lines[n + 1] if n + 1 < len(lines) else ""))
            title = title or (office if len(office) <= _LONGEST_TITLE else None)
            continue
        # A dateline is no one, its date read ("Cajem Sonota 15de septiembre") or lost ("San Luis Río Coiorado,
        # sonora")
        if not name and not any(start <= mark < start + len(line) for mark in datelines):
            name = _read_name(line)
    if not name and title:                 # "C. Gobernador del Estado de Sonora": the office is who it is addressed to
        return {"value": re.sub(r"^(c|lic|ing|dr|dra|mtro|mtra)\.\s*", "", title, flags=re.I), "score": 0.6}
    if not name:
        return None
    field = {"value": name, "score": 0.7}
    if title:
        field["title"] = title
    return field


# The words of an office's title, to know a title OCR misread ("SFCRETARTO DE DESARROLLO SCUIAL") and mend it.
_TITLE_WORDS = ("gobernador", "gobernadora", "secretario", "secretaria", "subsecretario", "subsecretaria", "director",
                "directora", "coordinador", "coordinadora", "presidente", "presidenta", "delegado", "delegada",
                "titular", "encargado", "encargada")
_OFFICE_WORDS = _TITLE_WORDS + ("desarrollo", "social", "gobierno", "estado", "sonora", "municipal", "general")
_TITLE_SLIPS = 2  # in a word of six letters or more
_NOT_OFFICES = {"presente", "presentes"}  # two slips off "presidente", and in every letter
_LONGEST_TITLE = 90  # characters: a longer "title" is a sentence naming an office ("…que realizó la delegada…")


def _office_word(word: str, words: tuple[str, ...]) -> str | None:
    """The one word of `words` a folded `word` is, as written or a few slips off; None when none or two are."""
    if word in words:
        return word
    if len(word) < 6 or word in _NOT_OFFICES or name_mending.is_common(word):
        return None                        # "Delgado" is a surname, not "delegado" misread
    close = [w for w in words if fuzzy.distance(word, w) <= _TITLE_SLIPS]
    return close[0] if len(close) == 1 else None


def _title_at(folded: str) -> int | None:
    """Where a title starts in a folded line ("secretario de …"), found as written or a few slips off; None."""
    found = TITLES.search(folded)
    if found:
        return found.start()
    if len(folded) > _LONGEST_TITLE + 30:  # a paragraph's line: not worth comparing each word (a page can be long)
        return None
    for word in re.finditer(r"[^\W\d_]+", folded):
        if _office_word(word.group(), _TITLE_WORDS):
            return word.start()
    return None


def _mended_title(title: str) -> str:
    """A title with what OCR put before it ("-, ", "CC) ") left out and each word a few slips off an office's word
    spelt as that word, in the case it was read in."""
    words = title.split()
    while words and len(re.sub(r"[^\w]", "", words[0])) <= 2 and fold(words[0]).rstrip(".") not in _HONORIFICS:
        words.pop(0)
    mended = []
    for word in words:
        key = fold(word)
        known = _office_word(key, _OFFICE_WORDS) if key.isalpha() else None
        if known and known != key:
            word = known.upper() if word.isupper() else known.capitalize() if word[:1].isupper() else known
        mended.append(word)
    return " ".join(mended)


def _title(line: str, at: int, following: str) -> str:
    """The office a title line names, without the sentence before it on the same line ("Hermosillo, a 3 de
    noviembre. Secretaría de" → "Secretaría de") and, when the line breaks it after a particle, with its end from
    the next line ("... de" + "Desarrollo Social. Por medio..." → "Secretaría de Desarrollo Social")."""
    # The last full stop that ends a sentence: after a word or a number, not after an honorific ("C.", "Sra.").
    ends = [m.end() for m in re.finditer(r"([^\W_]+)\.\s+", line[:at])
            if len(m.group(1)) > 1 and fold(m.group(1)) not in _HONORIFICS]
    title = line[ends[-1]:] if ends else line
    if fold(title.split()[-1]) in PARTICLES and following.strip():
        title += " " + re.split(r"[.,;:]", following.strip(), maxsplit=1)[0]
    return title.strip(" .,")


def trusted_words(name: str | None, folded: str) -> set[str]:
    """The words of `name` (folded) safe to repair another reading with (an e-mail's "veyonica"): those the letter
    writes more than once (readings that agree) and those spelt as a common name."""
    words = {fold(w) for w in (name or "").split() if len(w) > 3 and fold(w) not in PARTICLES}
    return {w for w in words if len(re.findall(r"\b" + re.escape(w) + r"\b", folded)) > 1
            or name_mending.is_common(w)}
