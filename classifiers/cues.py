"""The spaCy entity ruler that finds cue words ("suscribe", "vecino de", "solicito") and municipality names in a
letter's folded text (accent-less, lower-case, same length as the original, so offsets point into it)."""

from __future__ import annotations

import functools
import itertools
import re
import threading
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from classifiers import fuzzy, gazetteer, textcat
from classifiers.gazetteer import fold

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
    ("NAME", "suscribe", "suscribe|suscrito|suscrita|subscribe"),  # OCR lost "la que" ("A. suscribe, Patricia...")
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
# Who signs and where they live are cued by long words that OCR slips on ("suseribe", "domicillo", "atentarnente"):
# a token one edit from such a word (two from one of ten letters or more) is read as it. Only the NAME and PLACE
# cues: a request's verbs ("solicita", "solicito") are each other's neighbours and words of their own.
FUZZY_KINDS = ("NAME", "PLACE")
FUZZY_LENGTH = 7
_FUZZY_WORDS = sorted({word for label, _, spec in _CUES if label in FUZZY_KINDS for position in spec.split()
                       for word in position.removesuffix("?").split("|") if len(word) >= FUZZY_LENGTH
                       and word.isalpha()})


@Language.component("ocr_cue_words")
def _ocr_cue_words(doc: Doc) -> Doc:
    """Each token that is a slip of a long cue word gets that word as its norm, which the ruler matches on."""
    for token in doc:
        word = token.lower_
        if len(word) >= FUZZY_LENGTH - 1 and word.isalpha() and word not in _FUZZY_SET:
            slip_of = _cue_word_of(word)
            if slip_of:
                token.norm_ = slip_of
    return doc


@functools.lru_cache(maxsize=4096)
def _cue_word_of(word: str) -> str | None:
    """The long cue word `word` is a slip of, if any (letters repeat their words: each is looked up once)."""
    hit = fuzzy.closest(word, _FUZZY_WORDS, cutoff=0.7)
    return hit[0] if hit and fuzzy.distance(word, hit[0]) <= (1 if len(hit[0]) < 10 else 2) else None


_FUZZY_SET = frozenset(_FUZZY_WORDS)

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
                nlp.add_pipe("ocr_cue_words")
                ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "NORM"})
                patterns = [{"label": label, "id": kind, "pattern": pattern}
                            for label, kind, spec in _CUES for pattern in _phrases(spec)]
                for municipality, aliases in gazetteer.entries():
                    for name in {fold(n) for n in [municipality.name, *aliases]}:
                        patterns.append({"label": "MUNI", "id": municipality.code, "pattern": name})
                ruler.add_patterns(patterns)
                _nlp = nlp
    return _nlp


@dataclass(frozen=True)
class Cue:
    label: str
    kind: str
    start: int
    end: int
    text: str


_PUNCTUATION_RUN = re.compile(r"(?:[^\w\s]|_){16,}")  # "_" too: signature lines


def find_cues(folded: str) -> list[Cue]:
    """Cue words (NAME, PLACE, LOCALITY, REQUEST) and municipalities (MUNI, id = INEGI code) in `folded`, in order."""
    nlp = _pipeline()
    # A name wrapped onto the next line is still one name. A long run of punctuation ("........" leaders, a rule of
    # dashes) holds no cue, and spaCy's tokenizer takes time growing with its square (100,000 dots: 95 s): blanked,
    # the same length, so that every cue keeps its place.
    plain = _PUNCTUATION_RUN.sub(lambda m: " " * len(m.group()), folded.replace("\n", " "))
    # spaCy's tokenizer keeps caches that are not safe to mutate from two threads; the work holds the GIL anyway.
    with _run_lock:
        doc = nlp(plain)
    return [Cue(e.label_, e.ent_id_, e.start_char, e.end_char, e.text) for e in doc.ents]
