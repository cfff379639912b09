"""Petitioner data in a letter's text, as suggested fields the reviewer confirms.

`extract_fields(text)` returns `{field: {"value": str, "score": float, ...}}` for the fields it finds: `name`,
`addressee`, `curp` (+ `birth_date`, `sex` from a valid one), `phone`, `email`, `municipality`, `locality`,
`letter_date`, `request`. Cue words and the municipality gazetteer are matched by a spaCy entity ruler (cues.py) over
an accent-less, lower-case copy of the text (same length, so offsets point into the original); the values themselves
are read from the original text, where capitals still tell a name from the words around it. Names are read in
names.py, dates in dates.py; the places and the request asked for, here.
"""

from __future__ import annotations

import re
import unicodedata

from classifiers import curp, emails, gazetteer, identifiers, layout, name_mending, names
from classifiers.cues import Cue, find_cues
from classifiers.dates import date_starts, find_dates, find_letter_date, place_to_date
from classifiers.gazetteer import fold

# Stored with every extraction, as a model version is with every suggestion: change it when the rules change.
RULES_VERSION = "extraccion-2026-12-08b"


# --- municipality and locality ---------------------------------------------------------------------------------

_PLACE_SCORES = {"etiqueta": 0.92, "vecino": 0.92, "domicilio": 0.9, "residente": 0.9, "vivo": 0.88, "municipio": 0.85,
                 "originario": 0.8}
_STREET_BEFORE = re.compile(r"\b(calle|c\.|av|avenida|blvd|boulevard|bulevar|col|colonia|fracc|fraccionamiento|"
                            r"priv|privada|esq|esquina|entre|escuela|primaria|secundaria|kinder|hospital|barrio|"
                            r"sector|plaza|no|num|numero|y|alcaldia|delegacion|del\.|alvaro|parque|estadio|"
                            r"mercado|villa)(\s+del?)?\W*$")
_LOCALITY_BEFORE = re.compile(r"\b(ejido|localidad|comunidad|poblado|rancheria|rancho|campo)\W*$")
_BEFORE_NEXT_MUNI = re.compile(r"\s*,\s*(?=[^\W\d_][^,\n]{2,30},?\s*(son\b|sonora\b))")


def _municipality(text: str, folded: str, cues: list[Cue], addressee_end: int, date_marks: list[int],
                  misread: list[tuple[int, int, str, float]]) -> dict | None:
    known = gazetteer.municipalities()
    places = [c for c in cues if c.label == "PLACE"]
    best: dict[str, float] = {}
    addressed: set[str] = set()  # towns an address gives ("con domicilio en …"), where the petitioner lives
    # Names OCR misread ("yavojoa, Sonora") stand in as cues, their score scaled by how alike they are.
    likeness: dict[int, tuple[float, str]] = {}
    read_as: dict[str, str | None] = {}
    # From the letter's start: a dateline above the addressee counts, not the office's address (skipped below).
    for start, end, code, similarity in misread:
        if not any(c.label == "MUNI" and c.start < end and start < c.end for c in cues):
            cues = cues + [Cue("MUNI", code, start, end, fold(known[code].name))]
            likeness[start] = (similarity, text[start:end])
    cues = sorted(cues, key=lambda c: c.start)
    for cue in cues:
        if cue.label != "MUNI":
            continue
        line_end = layout.line_end(folded, cue.end)
        dateline = any(cue.end <= s < line_end and place_to_date(folded[cue.end:s]) for s in date_marks)
        if cue.start < addressee_end and not dateline:
            continue                                       # the office's address, not the sender's
        before = folded[max(0, cue.start - 16):cue.start]
        if _STREET_BEFORE.search(before) or (_LOCALITY_BEFORE.search(before) and cue.text in gazetteer.municipality_names()):
            continue                                       # "calle Hidalgo", "col. Benito Juárez", "ejido Hermosillo"
        if _BEFORE_NEXT_MUNI.match(folded, cue.end) and any(
                c.label == "MUNI" and c.start == _BEFORE_NEXT_MUNI.match(folded, cue.end).end() for c in cues):
            continue                                       # "Cajeme, Nogales, Sonora": a colonia named after a town
        score = 0.0
        for place in places:
            gap = cue.start - place.end
            if 0 <= gap <= 120 and _same_address(folded, place.end, cue.start):
                score = max(score, _PLACE_SCORES[place.kind] - (0.04 if gap > 25 else 0))
        if score:
            addressed.add(cue.kind)
        if dateline:
            score = max(score, 0.82)
        if re.match(r"\s*,?\s*(son\b|sonora\b)", folded[cue.end:cue.end + 12]):
            score = max(score, 0.78)
        ambiguous = cue.text in gazetteer.AMBIGUOUS
        if ambiguous and re.match(r" (?!sonora|son\b|de |del )[^\W\d_]", folded[cue.end:cue.end + 6]) \
                and text[cue.end + 1].isupper() and not text[cue.start:cue.end].isupper():
            continue                                       # "Santa Cruz Atoyac", "Magdalena Contreras": longer names
        if not score and not ambiguous:
            score = 0.5
        score *= likeness[cue.start][0] if cue.start in likeness else 1.0
        if score:
            if score > best.get(cue.kind, 0.0):
                read_as[cue.kind] = likeness[cue.start][1] if cue.start in likeness else None
            best[cue.kind] = max(best.get(cue.kind, 0.0), score) + (0.02 if cue.kind in best else 0.0)
    if not best:
        return None
    # Where the petitioner lives before where the letter was written, even when OCR misread the address's town
    # (its score is scaled down by how alike the reading is): the two differ in many letters.
    ranked = sorted(best.items(), key=lambda kv: (kv[0] not in addressed, -kv[1]))
    code, score = ranked[0]
    field = {"value": known[code].name, "code": code, "score": round(min(score, 0.97), 2)}
    if read_as.get(code):
        field["read_as"] = read_as[code]
    if len(ranked) > 1:
        field["alternatives"] = [[known[c].name, round(min(s, 0.97), 2)] for c, s in ranked[1:3]]
    return field


def _same_address(folded: str, label_end: int, start: int) -> bool:
    """Whether a town at `start` belongs to the address a label ("Domicilio:") begins: no blank line between them,
    except those OCR puts there. A blank line right after the label ("Domicilio:" alone on its line), or between
    the short lines of a signature block, is OCR's: Tesseract often makes each line of such a block a paragraph
    ("Domicilio: Calle Yáñez 94, Col. Balderrama\n\nBavispe, Sonora"). A town that starts its own line one or two
    lines below the label is then still the address's."""
    between = folded[label_end:start].lstrip(" \t:.,\n")
    if "\n\n" not in between:
        return True
    starts_line = not folded[folded.rfind("\n", 0, start) + 1:start].strip()
    return starts_line and len([line for line in between.split("\n") if line.strip()]) <= 2


_LOC_STOP = {"de", "del", "esta", "este", "ciudad", "municipio", "sonora", "son", "cp", "c.p", "codigo",
             "perteneciente", "ubicado", "ubicada", "donde", "en", "con", "a", "al", "y", "tel", "telefono", "cel",
             "numero", "no", "calle", "entre", "por", "que", "para", "municipal"}
_LOC_ARTICLES = {"el", "la", "los", "las"}
_TOWN_ABBREVIATIONS = {"cd"}  # "Centro de Cd. Obregón": the name stops at "Cd", before its full stop (the gazetteer has "Cd Obregón")
WRAPPED_LINE = 45  # characters: shorter lines are address lines, whose end ends the name


def _locality(text: str, cues: list[Cue], addressee_end: int) -> dict | None:
    for cue in cues:
        if cue.label != "LOCALITY" or cue.start < addressee_end:
            continue
        # "Col, Balderrama": OCR's comma for the abbreviation's full stop
        segment = re.sub(r"^[\s.:,]*(?:(?:de|del)\s+)?", "", text[cue.end:cue.end + 80])
        first, _, rest = segment.partition("\n")
        words, stop = _place_words(first)
        if words and stop is None and rest and _wrapped(text, cue.end):
            # "colonia Tierra⏎Blanca, me dirijo": the name goes on, up to a comma or a full stop; a line that
            # goes on with other words ("Tipo de apoyo:", "Total de ...") is a new line, not the rest of the name.
            more, stop = _place_words(rest.split("\n")[0])
            if stop in (None, ",", "."):
                words += _before_town(more)
        words = _without_town(words)
        while words and fold(words[-1]) in _LOC_ARTICLES | {"de", "del"}:
            words.pop()
        # a name has a word of three letters or more: "Col. G tro" is what OCR left of "Col. Centro", not a colonia G
        if any(fold(w) not in _LOC_ARTICLES and len(w) >= 3 for w in words):
            value = " ".join(words)
            if value.isupper():
                value = " ".join(w.lower() if fold(w) in names.PARTICLES and n else w.capitalize()
                                 for n, w in enumerate(words))
            return {"value": value, "kind": cue.kind, "score": 0.8}
    return None


def _place_words(segment: str) -> tuple[list[str], str | None]:
    """The capitalised words of a place name at the start of `segment`, and the token that ended them (None: the
    segment did)."""
    words: list[str] = []
    for token in re.findall(r"[^\W_]+(?:[.'\-][^\W_]+)*|\S", segment)[:7]:
        key = fold(token)
        if key in _LOC_ARTICLES or (words and key in {"de", "del"}):
            words.append(token)
            continue
        if not token[0].isalnum() or (key in _LOC_STOP) or not (token[0].isupper() or token[0].isdigit()):
            return words, token
        words.append(token)
    return words, None


def _without_town(words: list[str]) -> list[str]:
    """"Los Olivos de Hermosillo" → "Los Olivos": a town after de/del belongs to the municipality field."""
    for i in range(1, len(words)):
        rest = fold(" ".join(words[i + 1:]))
        if fold(words[i]) in {"de", "del"} and (rest in gazetteer.place_names() or rest in _TOWN_ABBREVIATIONS):
            return words[:i]
    return words


def _before_town(words: list[str]) -> list[str]:
    """The words before the first municipality's name among them ("Santa Cruz", two words, included)."""
    towns = gazetteer.municipality_names()
    for start in range(len(words)):
        if any(fold(" ".join(words[start:start + size])) in towns for size in range(1, 5)):
            return words[:start]
    return words


def _wrapped(text: str, pos: int) -> bool:
    """Whether the line holding `pos` is a paragraph line the margin broke (long), not an address line."""
    return layout.line_end(text, pos) - layout.line_start(text, pos) >= WRAPPED_LINE


# --- the request -----------------------------------------------------------------------------------------------

_REQUEST_END = re.compile(r"[.;:!?,()¶]|\b(ya que|porque|pues|debido|dado que|toda vez|a fin de|en virtud|"
                          r"ya|sin mas|por lo que|esperando|agradezco|de antemano|le agradeceria)\b")
_REQUEST_FILLERS = re.compile(
    r"^(de la manera mas (atenta|respetuosa)( y (atenta|respetuosa))?|de (la )?manera (muy )?(atenta|respetuosa)"
    r"( y (atenta|respetuosa))?|muy atentamente|(atenta y )?respetuosamente|atentamente|de favor|por favor|"
    r"por (este|medio de la presente)( medio)?|a (usted|ustedes|su persona)|de (usted|ustedes)|tenga(n)? a bien|"
    r"su( valioso| amable| gran| generoso| invaluable)?|(que|se) (me|nos|le|les)|(me|nos|le|les)|"
    r"(apoye|apoyen|ayude|ayuden|otorgue|otorguen|brinde|brinden|proporcione|proporcionen|den|de|regale|regalen|"
    r"conceda|concedan|done|donen|facilite|faciliten|pueda|puedan|considere|consideren|gestione|gestionen)( con)?|"
    r"(apoyo|ayuda) (con|de|en)|solicitud de|peticion de|un|una|unos|unas|el|la|los|las)\s+")
_GENERIC = {"apoyo", "ayuda", "recurso", "recursos", "material", "materiales", "dinero", "prestamo", "credito"}
_REQUEST_SCORES = {"asunto": 0.8, "solicito": 0.7, "pido": 0.7, "necesito": 0.6}


def _request(text: str, cues: list[Cue], addressee_end: int) -> dict | None:
    """The support asked for, in a few words, after "solicito", "le pido", "necesito" or an "Asunto:" line."""
    best = None
    for cue in cues:
        if cue.label != "REQUEST" or (cue.start < addressee_end and cue.kind != "asunto"):
            continue
        raw = text[cue.end:cue.end + 220]
        if cue.kind != "asunto":
            # OCR often leaves a blank line inside a sentence; only one after a full stop ends the request.
            raw = re.sub(r"(?<![.:;!?\s])\s*\n\s*\n\s*", " ", raw).replace("\n\n", " ¶ ")
        raw = re.sub(r"\s+", " ", raw.split("\n")[0] if cue.kind == "asunto" else raw)
        folded_raw = fold(raw)
        end = _REQUEST_END.search(folded_raw)
        key = folded_raw[:end.start() if end else len(folded_raw)].replace("¶", "").strip()
        offset = len(folded_raw) - len(folded_raw.lstrip())
        while True:                            # strip courtesy and verbs: "de la manera más atenta su apoyo con..."
            m = _REQUEST_FILLERS.match(key + " ")
            if not m or not key:
                break
            offset += len(m.group())
            key = key[len(m.group()):].strip() if len(m.group()) <= len(key) else ""
        words = key.split()
        if not words:
            continue
        # "silla de ruedas para mi hijo" -> "silla de ruedas", but "apoyo para construir un cuarto (para mis hijos)"
        purposes = [i for i, word in enumerate(words) if word == "para" and i]
        kept = 1 if words[0] in _GENERIC else 0
        if len(purposes) > kept:
            words = words[:purposes[kept]]
        words = words[:8]
        original = raw[offset:offset + len(" ".join(words))]
        value = original if fold(original) == " ".join(words) else " ".join(words)
        value = value.lower() if value.isupper() else value
        score = _REQUEST_SCORES[cue.kind] * (0.6 if len(words) == 1 and words[0] in _GENERIC else 1.0)
        if best is None or score > best["score"]:
            best = {"value": value, "score": round(score, 2)}
    return best


# --- the petitioner ------------------------------------------------------------------------------------------

def _petitioner(text: str, folded: str, cues: list[Cue],
                addressee_end: int) -> tuple[dict | None, dict | None, list[tuple[int, int]]]:
    """(name, CURP, the spans read as a CURP). The name is read with the words a streak cut to pieces filled in
    from the letter's e-mail (name_mending.filled), and the CURP's initials pick among its readings."""
    name_text, pieces = name_mending.filled(text, folded)
    if pieces:
        folded = fold(name_text)
        cues, addressee_end = find_cues(folded), layout.addressee_end(folded)
    name = names.find_name(name_text, folded, cues, addressee_end)
    found_curp, curp_spans = curp.find_curp(text, name and name["value"])
    if found_curp and found_curp.get("valid"):
        name = names.find_name(name_text, folded, cues, addressee_end, found_curp["value"])
    return name_mending.marked(name, pieces, text), found_curp, curp_spans


# --- the whole letter ------------------------------------------------------------------------------------------

# Characters of a document's text the fields are looked for in: the letter comes first, attachments after it (a
# 500-page PDF carries over a million characters, past what spaCy takes, and the search grows faster than the text:
# 0.6 s for 60,000 characters, 5.7 s for 240,000).
READ_CHARS = 100_000


def extract_fields(text: str) -> dict[str, dict]:
    """Suggested petitioner fields found in a letter's text: {field: {"value", "score", ...}}; absent when not found."""
    if not text or not text.strip():
        return {}
    if len(text) > READ_CHARS:
        text = text[:text.rfind("\n", 0, READ_CHARS) + 1 or READ_CHARS]  # whole lines: no word cut in two
    text = unicodedata.normalize("NFC", text)
    folded = fold(text)
    cues = find_cues(folded)
    addressee_end = layout.addressee_end(folded)
    dates = find_dates(folded)
    date_marks = date_starts(folded, dates)  # dates, and days and months whose year OCR lost
    misread = gazetteer.misread(folded)      # towns OCR misread before "Sonora" or after a cue, from the start
    name, found_curp, curp_spans = _petitioner(text, folded, cues, addressee_end)
    fields: dict[str, dict | None] = {
        "name": name,
        "addressee": names.find_addressee(text, addressee_end, date_marks + [start for start, *_ in misread]),
        "curp": found_curp,
        "phone": identifiers.find_phones(text, folded, curp_spans + [(s, e) for s, e, _ in dates]),
        "email": emails.find_emails(text, names.trusted_words(name and name["value"], folded)),
        "municipality": _municipality(text, folded, cues, addressee_end, date_marks, misread),
        "locality": _locality(text, cues, addressee_end),
        "letter_date": find_letter_date(folded, dates),
        "request": _request(text, cues, addressee_end),
    }
    if found_curp and found_curp.get("valid"):
        fields["birth_date"] = {"value": found_curp["birth_date"], "score": 0.95, "source": "curp"}
        fields["sex"] = {"value": found_curp["sex"], "score": 0.95, "source": "curp"}
    return {k: v for k, v in fields.items() if v}
