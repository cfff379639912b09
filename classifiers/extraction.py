"""Petitioner data in a letter's text, as suggested fields the reviewer confirms.

`extract_fields(text)` returns `{field: {"value": str, "score": float, ...}}` for the fields it finds: `name`,
`addressee`, `curp` (+ `birth_date`, `sex` from a valid one), `phone`, `email`, `municipality`, `locality`,
`letter_date`, `request`. Cue words and the municipality gazetteer are matched by a spaCy entity ruler over an
accent-less, lower-case copy of the text (same length, so offsets point into the original); the values themselves
are read from the original text, where capitals still tell a name from the words around it.
"""

from __future__ import annotations

import datetime
import itertools
import re
import threading
import unicodedata
from dataclasses import dataclass

from classifiers import gazetteer, identifiers, textcat
from classifiers.gazetteer import fold

# Stored with every extraction, as a model version is with every suggestion: change it when the rules change.
RULES_VERSION = "extraccion-2026-11-25e"


# --- the spaCy pipeline: cue words and place names -------------------------------------------------------------

def _phrases(spec: str) -> list[str]:
    """"el|la que|quienes? suscribe" -> every phrase it spells ("_" joins words within an alternative).

    Phrase patterns rather than token patterns: spaCy's Matcher tries every token pattern at every token (the
    200 expanded cues cost ~5 ms a letter, and {"IN": [...]} sets call back into Python per token), while the
    PhraseMatcher looks each token up once."""
    options = []
    for position in spec.split():
        optional = position.endswith("?") and len(position) > 1
        options.append(position.removesuffix("?").split("|") + ([""] if optional else []))
    return [" ".join(w.replace("_", " ") for w in combination if w) for combination in itertools.product(*options)]


_CUES: list[tuple[str, str, str]] = [
    ("NAME", "yo", "yo"),
    ("NAME", "mi_nombre", "mi nombre es"),
    ("NAME", "suscribe", "el|la|quien|los|las que|quienes? "
                         "suscribe|suscriben|suscrito|suscrita|subscribe|subscrito|subscrita|suscribimos"),
    ("NAME", "etiqueta", "nombre del|de? la? solicitante|peticionario|peticionaria|interesado|interesada|completo? :"),
    ("NAME", "etiqueta", "contacto|representante|responsable|gestor|gestora :"),
    ("NAME", "atentamente", "atentamente|respetuosamente|agradecidamente|cordialmente|atte"),
    ("NAME", "c", "c ."),
    ("PLACE", "vecino", "vecino|vecina|vecinos|vecinas de|del"),
    ("PLACE", "domicilio", "domicilio|domiciliado|domiciliada"),
    ("PLACE", "domicilio", "direccion :"),
    ("PLACE", "residente", "residente|residentes|habitante|habitantes|radicado|radicada de|en|del"),
    ("PLACE", "vivo", "vivo|vivimos|resido|residimos|radico|habito en"),
    ("PLACE", "originario", "originario|originaria|originarios de|del"),
    ("PLACE", "municipio", "municipio de"),
    ("PLACE", "etiqueta", "municipio|ciudad|lugar :"),
    ("LOCALITY", "colonia", "colonia|col"),
    ("LOCALITY", "fraccionamiento", "fraccionamiento|fracc"),
    ("LOCALITY", "ejido", "ejido"),
    ("LOCALITY", "localidad", "localidad|poblado|rancheria"),
    ("LOCALITY", "comunidad", "comunidad"),
    ("LOCALITY", "barrio", "barrio"),
    ("REQUEST", "solicito", "solicito|solicitamos|solicitarle|solicitarles|solicitar|solicitando"),
    ("REQUEST", "pido", "pido|pedimos|pedirle|pedirles|pidiendo"),
    ("REQUEST", "necesito", "necesito|necesitamos|requiero|requerimos"),
    ("REQUEST", "asunto", "asunto|peticion|solicitud|apoyo_solicitado|tipo_de_apoyo|motivo :"),
]
# Words and punctuation split apart is all the cues need. spaCy's Spanish tokenizer reads ~370 two-page letters/s
# here (its exception table is large); the same Tokenizer class with these three rules reads ~17,000.
_PREFIX = re.compile(r"""^[(\[{"'¿¡«\-_*#]""")
_SUFFIX = re.compile(r"""[)\]}"'?!,.;:»\-_*]$""")
_INFIX = re.compile(r"""[,;:()"/](?=\D)|(?<=\D)[,;:()"/]|(?<=[a-z])\.(?=[a-z]{2,})""")

_build_lock = threading.Lock()
_run_lock = threading.Lock()
_nlp = None


def _pipeline():
    """Built once per process; later calls reuse it."""
    global _nlp
    if _nlp is None:
        with _build_lock:
            if _nlp is None:
                nlp = textcat.blank()
                nlp.tokenizer = type(nlp.tokenizer)(nlp.vocab, rules={}, prefix_search=_PREFIX.search,
                                                    suffix_search=_SUFFIX.search, infix_finditer=_INFIX.finditer)
                ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
                patterns = [{"label": label, "id": kind, "pattern": pattern}
                            for label, kind, spec in _CUES for pattern in _phrases(spec)]
                for municipality, aliases in gazetteer.entries():
                    for name in {fold(n) for n in [municipality.name, *aliases]}:
                        patterns.append({"label": "MUNI", "id": municipality.code, "pattern": name})
                ruler.add_patterns(patterns)
                _nlp = nlp
    return _nlp


@dataclass(frozen=True)
class _Cue:
    label: str
    kind: str
    start: int
    end: int
    text: str


def _cues(folded: str) -> list[_Cue]:
    nlp = _pipeline()
    # spaCy's tokenizer keeps caches that are not safe to mutate from two threads; the work holds the GIL anyway.
    with _run_lock:
        doc = nlp(folded.replace("\n", " "))           # a name wrapped onto the next line is still one name
    return [_Cue(e.label_, e.ent_id_, e.start_char, e.end_char, e.text) for e in doc.ents]


# --- the letter's layout ---------------------------------------------------------------------------------------

_TITLES = re.compile(r"\b(gobernador|gobernadora|secretari[oa]|subsecretari[oa]|director|directora|titular|"
                     r"coordinador|coordinadora|presidente|presidenta|delegad[oa]|sedesson|desarrollo social|"
                     r"jef[ea](?! de (familia|hogar))|encargad[oa]|gobierno|ayuntamiento|dependencia|direccion de)\b")


def _addressee_end(folded: str) -> int:
    """Where the block naming the official the letter is addressed to ends (0 when there is none)."""
    head = folded[: max(800, len(folded) // 2)]
    presente = re.search(r"^[^\w\n]*p ?r ?e ?s ?e ?n ?t ?e\b", head, re.M)
    if presente:
        return _line_end(folded, presente.end())
    end, offset = 0, 0
    for number, line in enumerate(folded.splitlines(keepends=True)[:10]):
        if len(line) < 90 and _TITLES.search(line):      # block lines are short; a paragraph is not a block
            end = offset + len(line)
        elif end and number and re.match(r"\s*(c|lic|ing|dr|dra|mtro|mtra|profr|profra|arq)\.", line):
            end = offset + len(line)
        offset += len(line)
    return end


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


# --- names -----------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W\d_]+\.?|\S")
_HONORIFICS = {"c", "sr", "sra", "srita", "profr", "profra", "prof", "don", "dona", "lic", "ing", "dr", "dra",
               "mtro", "mtra", "arq", "c.c", "ciudadano", "ciudadana"}
_PARTICLES = {"de", "del", "la", "las", "los", "y"}
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


def _read_name(segment: str) -> str | None:
    """A person's name at the start of `segment` (after an optional honorific), title-cased; None if none."""
    words: list[str] = []
    tokens = _TOKEN.findall(segment[:160])
    i = 0
    while i < len(tokens) and (tokens[i] in ",:;-_" or fold(tokens[i]).rstrip(".") in _HONORIFICS):
        i += 1
    for token in tokens[i:i + 9]:
        bare = token.rstrip(".")
        key = fold(bare)
        if not bare.isalpha() or key in _STOP:
            break
        if key in _PARTICLES:
            words.append(bare)
            continue
        if not bare[0].isupper():
            break
        words.append(token if key in _NAME_ABBREVIATIONS else bare)
        if token.endswith(".") and len(bare) > 1 and key not in _NAME_ABBREVIATIONS:
            break                                  # a full stop after a word ends the sentence
    while words and fold(words[-1]) in _PARTICLES:
        words.pop()
    core = [w for w in words if fold(w) not in _PARTICLES]
    if not 2 <= len(core) <= 6 or any(fold(w) in _NOT_NAMES for w in core):
        return None
    if fold(" ".join(words)) in gazetteer.place_names():
        return None
    return " ".join(w.lower() if fold(w) in _PARTICLES and n else w[0].upper() + w[1:].lower()
                    for n, w in enumerate(words))


_NAME_SCORES = {"yo": 0.9, "mi_nombre": 0.9, "etiqueta": 0.9, "suscribe": 0.88, "atentamente": 0.85, "c": 0.75}
_SIGNATURE_NOISE = re.compile(r"^\s*$|^[\s_\-.]+$|sufragio|reelecci|solicitante|firma|gracias|quedo|bendig|"
                              r"saludo|a t e n t a m e n t e")


def _name_tail(line: str) -> bool:
    """True when a line holds nothing but the rest of a name ("Ramírez", "López Ramírez."): capitalised words or
    particles, no digits, no place, no title, at most two names."""
    words = line.strip(" \t.,").split()
    core = [w for w in words if fold(w) not in _PARTICLES]
    return (1 <= len(core) <= 2 and fold(" ".join(words)) not in gazetteer.place_names()
            and all(w.isalpha() and (fold(w) in _PARTICLES or w[0].isupper()) for w in words)
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
        core = len([w for w in (name or line).split() if fold(w) not in _PARTICLES])
        if tail and core <= 3 and _name_tail(tail):
            joined = _read_name(line + " " + tail)
            if joined and len(joined.split()) > len((name or "").split()):
                name = joined
        if name:
            return name
    return None


def _names(text: str, folded: str, cues: list[_Cue], addressee_end: int) -> dict | None:
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
            if re.match(r"\s*,?\s*(\w+\s+)?" + _TITLES.pattern, after):
                continue                                    # "C. Fulano, Secretario de...": an official
        if name:
            score = _NAME_SCORES[cue.kind]
            sentence_so_far = re.split(r"[.:;\n]", folded[max(0, cue.start - 60):cue.start])[-1]
            if cue.kind == "c" and len(sentence_so_far.split()) > 4:
                score = 0.55                                # "...debió hacer el C. Fulano": maybe a third person
            found.append((score, name, cue.kind))
    if not found:                     # a name alone on one of the last lines (above the phone, say): a signature
        for line in [ln.strip(" \t._-") for ln in text[addressee_end:].strip().split("\n")[-3:]][::-1]:
            name = _read_name(line)
            if name and not re.search(r"\d", line) and len(line) <= len(name) + 4:
                found.append((0.5, name, "firma"))
                break
    if not found:
        return None
    found.sort(key=lambda f: -f[0])
    score, name, source = found[0]
    if sum(1 for f in found if fold(f[1]) == fold(name)) > 1:
        score = min(0.98, score + 0.06)                     # two cues agree
    return {"value": name, "score": round(score, 2), "source": source}


def _addressee(text: str, addressee_end: int) -> dict | None:
    name = title = None
    for line in text[:addressee_end].split("\n"):
        if not line.strip():
            continue
        if _TITLES.search(fold(line)):
            title = title or line.strip(" .,")
            continue
        name = name or _read_name(line)
    if not name and title:                 # "C. Gobernador del Estado de Sonora": the office is who it is addressed to
        return {"value": re.sub(r"^(c|lic|ing|dr|dra|mtro|mtra)\.\s*", "", title, flags=re.I), "score": 0.6}
    if not name:
        return None
    field = {"value": name, "score": 0.7}
    if title:
        field["title"] = title
    return field


# --- dates -----------------------------------------------------------------------------------------------------

_MONTHS = {"enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
           "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12}
_MONTH = "(" + "|".join(_MONTHS) + ")"
_DATE_LONG = re.compile(r"\b([0-3]?[0-9oil])\s*(?:de\s+)?" + _MONTH + r"\s*(?:,\s*)?(?:de[l]?\s+)?(?:ano\s+)?"
                        r"([12][0-9oil]{3})\b")
_DATE_MONTH_FIRST = re.compile(r"\b" + _MONTH + r"\s+([0-3]?[0-9])\s*,?\s*(?:de[l]?\s+)?([12][0-9]{3})\b")
_DATE_NUMERIC = re.compile(r"(?<![\d/.\-])([0-3]?\d)\s?([/.\-])\s?([01]?\d)\s?\2\s?(\d{4}|\d{2})(?![\d/.\-])")
_OCR_DIGITS = str.maketrans("oil", "011")


def _dates(folded: str) -> list[tuple[int, int, datetime.date]]:
    found = []
    for m in _DATE_LONG.finditer(folded):
        found.append((m.start(), m.end(), m.group(1).translate(_OCR_DIGITS), _MONTHS[m.group(2)],
                      m.group(3).translate(_OCR_DIGITS)))
    for m in _DATE_MONTH_FIRST.finditer(folded):
        found.append((m.start(), m.end(), m.group(2), _MONTHS[m.group(1)], m.group(3)))
    for m in _DATE_NUMERIC.finditer(folded):
        year = m.group(4) if len(m.group(4)) == 4 else "20" + m.group(4)
        found.append((m.start(), m.end(), m.group(1), int(m.group(3)), year))
    dates = []
    for start, end, day, month, year in found:
        try:
            dates.append((start, end, datetime.date(int(year), month, int(day))))
        except ValueError:
            continue
    return sorted(dates)


def _letter_date(folded: str, dates: list[tuple[int, int, datetime.date]]) -> dict | None:
    head_end, tail_start = _nth_line_offset(folded, 10), len(folded) - 300
    best = None
    for start, end, date in dates:
        if not 2000 <= date.year <= datetime.date.today().year + 1:
            continue
        before = folded[_line_start(folded, start):start]
        if re.search(r"\b(nac\w*|naci\w*|desde|dia|del|el)\W*$", folded[max(0, start - 25):start]):
            continue                               # "nació el...", "desde el...": a date in the story
        at_edge = start < head_end or start > tail_start
        if at_edge and len(before) <= 60 and _line_end(folded, end) - end <= 40 and re.search(
                r"^\W*fecha\b\W*$|^\W*a\s*$|(,|\bson\b\.?|sonora)\s*,?\s*(a\s+)?(los\s+)?$", before):
            score = 0.92                           # "Navojoa, Son., a 12 de marzo de 2026", "Fecha: 12/03/2026"
        elif not before.strip(" \t.,-") and len(folded[end:_line_end(folded, end)].strip(" .,")) <= 3 \
                and at_edge:
            score = 0.75                           # alone on a line at the head or foot of the letter
        else:
            continue                               # dates inside the text are events, not the letter's date
        if best is None or score > best[0]:
            best = (score, date)
    return {"value": best[1].isoformat(), "score": best[0]} if best else None


def _nth_line_offset(text: str, n: int) -> int:
    pos = 0
    for _ in range(n):
        nxt = text.find("\n", pos)
        if nxt < 0:
            return len(text)
        pos = nxt + 1
    return pos


# --- municipality and locality ---------------------------------------------------------------------------------

_PLACE_SCORES = {"etiqueta": 0.92, "vecino": 0.92, "domicilio": 0.9, "residente": 0.9, "vivo": 0.88, "municipio": 0.85,
                 "originario": 0.8}
_STREET_BEFORE = re.compile(r"\b(calle|c\.|av|avenida|blvd|boulevard|bulevar|col|colonia|fracc|fraccionamiento|"
                            r"priv|privada|esq|esquina|entre|escuela|primaria|secundaria|kinder|hospital|barrio|"
                            r"sector|plaza|no|num|numero|y|alcaldia|delegacion|del\.|alvaro|parque|estadio|"
                            r"mercado|villa)(\s+del?)?\W*$")
_LOCALITY_BEFORE = re.compile(r"\b(ejido|localidad|comunidad|poblado|rancheria|rancho|campo)\W*$")
_DATELINE_GAP = re.compile(r"[\s,.]*((son|sonora|mexico)\b[\s,.]*)?(a\s+)?(los\s+)?$")


def _municipality(text: str, folded: str, cues: list[_Cue], addressee_end: int,
                  dates: list[tuple[int, int, datetime.date]]) -> dict | None:
    known = gazetteer.municipalities()
    places = [c for c in cues if c.label == "PLACE"]
    best: dict[str, float] = {}
    for cue in cues:
        if cue.label != "MUNI":
            continue
        line_end = _line_end(folded, cue.end)
        dateline = any(cue.end <= s < line_end and _DATELINE_GAP.match(folded, cue.end, s) for s, _, _ in dates)
        if cue.start < addressee_end and not dateline:
            continue                                       # the office's address, not the sender's
        before = folded[max(0, cue.start - 16):cue.start]
        if _STREET_BEFORE.search(before) or (_LOCALITY_BEFORE.search(before) and cue.text in gazetteer.municipality_names()):
            continue                                       # "calle Hidalgo", "col. Benito Juárez", "ejido Hermosillo"
        score = 0.0
        for place in places:
            gap = cue.start - place.end
            if 0 <= gap <= 120 and "\n\n" not in folded[place.end:cue.start]:
                score = max(score, _PLACE_SCORES[place.kind] - (0.04 if gap > 25 else 0))
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
        if score:
            best[cue.kind] = max(best.get(cue.kind, 0.0), score) + (0.02 if cue.kind in best else 0.0)
    if not best:
        return None
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    code, score = ranked[0]
    field = {"value": known[code].name, "code": code, "score": round(min(score, 0.97), 2)}
    if len(ranked) > 1:
        field["alternatives"] = [[known[c].name, round(min(s, 0.97), 2)] for c, s in ranked[1:3]]
    return field


_LOC_STOP = {"de", "del", "esta", "este", "ciudad", "municipio", "sonora", "son", "cp", "c.p", "codigo",
             "perteneciente", "ubicado", "ubicada", "donde", "en", "con", "a", "al", "y", "tel", "telefono", "cel",
             "numero", "no", "calle", "entre", "por", "que", "para", "municipal"}
_LOC_ARTICLES = {"el", "la", "los", "las"}


def _locality(text: str, cues: list[_Cue], addressee_end: int) -> dict | None:
    for cue in cues:
        if cue.label != "LOCALITY" or cue.start < addressee_end:
            continue
        segment = re.sub(r"^[\s.:]*(?:(?:de|del)\s+)?", "", text[cue.end:cue.end + 80]).split("\n")[0]
        words: list[str] = []
        for token in re.findall(r"[^\W_]+(?:[.'\-][^\W_]+)*|\S", segment)[:7]:
            key = fold(token)
            if key in _LOC_ARTICLES or (words and key in {"de", "del"}):
                words.append(token)
                continue
            if not token[0].isalnum() or (key in _LOC_STOP) or not (token[0].isupper() or token[0].isdigit()):
                break
            words.append(token)
        while words and fold(words[-1]) in _LOC_ARTICLES | {"de", "del"}:
            words.pop()
        if words and any(fold(w) not in _LOC_ARTICLES for w in words):
            value = " ".join(words)
            if value.isupper():
                value = " ".join(w.lower() if fold(w) in _PARTICLES and n else w.capitalize()
                                 for n, w in enumerate(words))
            return {"value": value, "kind": cue.kind, "score": 0.8}
    return None


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


def _request(text: str, cues: list[_Cue], addressee_end: int) -> dict | None:
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
        key = fold(raw)
        end = _REQUEST_END.search(key)
        key = key[:end.start() if end else len(key)].replace("¶", "").strip()
        offset = len(fold(raw)) - len(fold(raw).lstrip())
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


# --- the whole letter ------------------------------------------------------------------------------------------

def extract_fields(text: str) -> dict[str, dict]:
    """Suggested petitioner fields found in a letter's text: {field: {"value", "score", ...}}; absent when not found."""
    if not text or not text.strip():
        return {}
    text = unicodedata.normalize("NFC", text)
    folded = fold(text)
    cues = _cues(folded)
    addressee_end = _addressee_end(folded)
    dates = _dates(folded)
    curp, curp_spans = identifiers.find_curp(text)
    fields: dict[str, dict | None] = {
        "name": _names(text, folded, cues, addressee_end),
        "addressee": _addressee(text, addressee_end),
        "curp": curp,
        "phone": identifiers.find_phones(text, folded, curp_spans + [(s, e) for s, e, _ in dates]),
        "email": identifiers.find_emails(text),
        "municipality": _municipality(text, folded, cues, addressee_end, dates),
        "locality": _locality(text, cues, addressee_end),
        "letter_date": _letter_date(folded, dates),
        "request": _request(text, cues, addressee_end),
    }
    if curp and curp.get("valid"):
        fields["birth_date"] = {"value": curp["birth_date"], "score": 0.95, "source": "curp"}
        fields["sex"] = {"value": curp["sex"], "score": 0.95, "source": "curp"}
    return {k: v for k, v in fields.items() if v}
