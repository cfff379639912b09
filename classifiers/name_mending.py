"""A petitioner's name as OCR left it, mended where the letter itself or the common names decide.

Two kinds of damage:
- a word misread as a common name's near twin: an ñ the name has not ("Enciñas"), a spelling Spanish never writes
  one letter off ("Montañy" for Montaño), a given name one letter off that is no Spanish word ("Jaría" for María);
- letters a drum streak or a stain took out of a word ("Rocío eno Yocupicio", "Julieta María Mo no Durazo"). People
  build their e-mail address from their name (rocio.moreno85@...), so a word of an address that ends with what is
  left ("eno"), or starts and ends with the two pieces ("Mo" … "no"), is the word lost, when only one such word fits.
"""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

from classifiers import emails, fuzzy, spelling
from classifiers.features import normalise
from classifiers.gazetteer import fold

# Given names and surnames common in Mexico and in Sonora (general knowledge, not read from any letter), used only
# to mend a word of a name OCR misread: never to add an accent a letter left out.
COMMON_NAMES = Path(__file__).with_name("nombres_comunes.csv")

# What Spanish spelling never writes: an ñ before a consonant or at a word's end, two accents, a letter thrice.
_UNSPANISH = re.compile(r"ñ(?![aeiouáéíóú])|[áéíóú]\w*[áéíóú]|(\w)\1\1")


@functools.cache
def _common(kind: str | None = None) -> dict[str, str]:
    """Common names by their folded spelling: all of them, or only given names ("nombre") or surnames."""
    with COMMON_NAMES.open(encoding="utf-8", newline="") as f:
        return {fold(row["name"].lower()): row["name"] for row in csv.DictReader(f) if kind in (None, row["kind"])}


@functools.cache
def _by_rest() -> dict[str, list[str]]:
    """Common names by their folded spelling without its first letter ("aria": María)."""
    rests: dict[str, list[str]] = {}
    for key, name in _common().items():
        rests.setdefault(key[1:], []).append(name)
    return rests


def is_common(word: str) -> bool:
    """Whether `word` is spelt as a common given name or surname (accents and case aside)."""
    return fold(word.lower()) in _common()


# Words that follow a name in a sentence and would finish another name: "María Flor es", "Juan Ley va", "Pedro Ca no".
_AFTER_A_NAME = {"es", "va", "no", "les", "le", "se", "lo", "al", "de", "del", "en",
                 "con", "por", "para", "su", "mi", "me", "ha", "he", "fue", "era", "soy", "son", "que"}


def split_word(head: str, tail: str) -> bool:
    """Whether a space OCR put inside a word of a name separates `head` from `tail` ("Mor eno", "Sala zar"): together
    a common name, `head` alone none ("Ana Rosa les pide"), and `tail` no word that follows a name in a sentence
    ("María Flor es madre")."""
    return is_common(head + tail) and not is_common(head) and fold(tail.lower()) not in _AFTER_A_NAME


def mended(name: str, text: str) -> str:
    """`name` with each word OCR misread as a common name's near twin put right: an ñ where the name has an n
    ("Enciñas"), a word one letter off a common name the letter's e-mail address spells ("Mantaño" beside
    jorge.montano91@…), a spelling Spanish never writes one letter off ("Montañy" for Montaño), a given name one
    letter off one common given name that is no Spanish word ("Jaría"). Names the list lacks are many, so a word
    spelt as Spanish spells is left as written, and so is one the letter writes twice the same way (accents and ñ
    counted: "Enciñas" once and "Encinas" in the signature is a slip, not a spelling)."""
    common, spanish = _common(), spelling.dictionary()  # without Tesseract's word list, no given name is mended
    typed = {w for w in _address_words(fold(text)) if w in common}  # the e-mail's words that are common names
    words = name.split()
    given = len(words) - 2 if len(words) >= 3 else 1  # surnames last: "María López Ruiz", "María López"
    lower = text.lower()
    for n, word in enumerate(words):
        key = fold(word.lower())
        written = len(re.findall(r"(?<![^\W_])" + re.escape(word.lower()) + r"(?![^\W_])", lower))
        if word in common.values() or written > 1 or len(key) < 4:
            continue
        right = common.get(key)
        close = []
        if right and any(a == "ñ" and b == "n" for a, b in zip(word.lower(), right.lower())):
            close = [key]
        elif right is None and normalise(key) not in spanish \
                and (typed_close := [w for w in typed if fuzzy.distance(w, key) == 1]):
            close = typed_close                    # read twice: "Mantaño" signed, "jorge.montano91@…" typed
        elif right is None and len(key) >= 6 and _UNSPANISH.search(word.lower()):
            close = _one_letter_off(key, common)
        elif right is None and n < given and spanish and normalise(key) not in spanish:
            close = _one_letter_off(key, _common("nombre"))
        if len(close) == 1:
            words[n] = common[close[0]] if not word.isupper() else common[close[0]].upper()
    return " ".join(words)


def _one_letter_off(key: str, names: dict[str, str]) -> list[str]:
    return [c for c in names if len(c) == len(key) and fuzzy.distance(c, key) == 1]


# --- letters lost inside a word ----------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+")
# pieces between a capitalised word and the next: a head of up to three letters, capitalised, and a tail in lower case
_PIECES = re.compile(r"(?<![^\W\d_])([A-ZÁÉÍÓÚÑ][a-záéíóúñ]{0,2}[ \t]+)?([a-záéíóúñ]{2,12})"
                     r"(?=[ \t]+[A-ZÁÉÍÓÚÑ])")
# a capitalised word between name words that may be a word's first letter and its end, glued ("Meno" for Moreno)
_GLUED = re.compile(r"(?<![^\W\d_])([A-ZÁÉÍÓÚÑ])([a-záéíóúñ]{3,11})(?=[ \t]+[A-ZÁÉÍÓÚÑ])")
_NAME_BEFORE = re.compile(r"[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+[ \t]+$")
# a word in small letters between name words: a capital whose strokes a streak took may be read as a small letter
_SMALL = re.compile(r"(?<![^\W\d_])([a-záéíóúñ])([a-záéíóúñ]{3,11})(?=[ \t]+[A-ZÁÉÍÓÚÑ])")
_ADDRESS = re.compile(r"[^\s@]{0,64}(?:[a-z]{2}[._][a-z]{2}|@)[^\s@]{0,64}")  # bounded: see emails._WELL_FORMED
# Small words that stand between capitalised words as written: "María de la Luz", "Hermosillo y Cajeme".
_JOINING = {"de", "del", "la", "las", "los", "y", "e", "o", "u", "con", "por", "para", "en", "al", "que", "san",
            "van", "von", "da", "di", "mc", "mac", "a"}
GLUED_LOST = 2  # letters a glued word must have lost (one off is a spelling: Mena, Menna)
MIN_LEFT = 3  # letters: what is left of a word, in one piece, must be this long to say which word it was


def filled(text: str, folded: str) -> tuple[str, dict[str, str]]:
    """`text` (`folded`: the same, folded) with the words a streak cut to pieces inside a name filled in from the
    letter's e-mail addresses, and {word filled in: the pieces read}; the text as it came and {} when nothing
    fits. The pieces may stand apart ("Mo no") or glued ("Meno"). A word in small letters between name words that
    is one common name but for its first letter is that name: the capital's strokes were lost ("daría")."""
    words = _address_words(folded)
    found: dict[str, str] = {}

    def taken(fits: set[str], m: re.Match) -> str:
        if len(fits) != 1:
            return m.group()
        word = fits.pop().capitalize()
        found[word] = m.group()
        return word

    def fill(m: re.Match) -> str:
        head, tail = fold(m.group(1) or "").strip(), fold(m.group(2))
        before = _NAME_BEFORE.search(capitals, max(0, m.start() - 40), m.start())
        if not before or (not head and tail in _JOINING):
            return m.group()
        whole = fold(before.group().strip().lower()) + tail
        if not head and (whole in words or is_common(whole)):
            return m.group()                       # "Juli eta": one word split by a space, not two with letters lost
        fits = _fitting(words, head, tail)
        if not fits and len(head) == 1:
            fits = _fitting(words, "", tail)       # "Rocío Y eno Yocupicio": a speck read as a capital before it
        return taken(fits, m)

    def glued(m: re.Match) -> str:
        # A word nobody is called, one address word with two letters or more between its first letter and its
        # end: the streak's two sides read as one word (Tesseract's word list has "meno", so it cannot judge).
        if not _NAME_BEFORE.search(pieced, max(0, m.start() - 40), m.start()) or is_common(m.group()) \
                or fold(m.group().lower()) in words:
            return m.group()
        fits = _fitting(words, fold(m.group(1).lower()), fold(m.group(2)))
        if len(fits) == 1 and len(next(iter(fits))) < len(m.group()) + GLUED_LOST:
            return m.group()                       # one letter lost: a spelling of its own, not a cut word
        return taken(fits, m)

    def capital(m: re.Match) -> str:
        # "Julieta daría Mo no Durazo": one common name, and only one, is the word with another first letter
        if not _NAME_BEFORE.search(text, max(0, m.start() - 40), m.start()) or fold(m.group()) in _JOINING \
                or is_common(m.group()):
            return m.group()
        fits = _by_rest().get(fold(m.group(2)), [])
        if len(fits) != 1:
            return m.group()
        word = fits[0]
        found[word] = m.group()
        return word

    capitals = _SMALL.sub(capital, text)  # first: the pieces after it need a capitalised name word before them
    if not words:
        return capitals, found
    pieced = _PIECES.sub(fill, capitals)
    return _GLUED.sub(glued, pieced), found


def _fitting(words: set[str], head: str, tail: str) -> set[str]:
    """The words that start with `head` and end with `tail`, with letters lost between (one piece: long enough)."""
    return {w for w in words if w.endswith(tail) and w.startswith(head) and len(w) > len(head) + len(tail)
            and (head or len(tail) >= MIN_LEFT)}


# The providers' names and their endings, as an address's words that name no person ("hotmail", "com").
_PROVIDER_WORDS = frozenset(part for domain in emails.DOMAINS for part in domain.split(".") if len(part) >= 4)


def _address_words(folded: str) -> set[str]:
    """The words the letter's e-mail addresses, as read (`folded`), are made of ("cio.moreno854h tmail" →
    moreno), providers and their endings left out."""
    return {w for token in _ADDRESS.findall(folded) for w in _WORD.findall(token)
            if len(w) >= 4 and not any(fuzzy.distance(w, p) <= 1 for p in _PROVIDER_WORDS)
            and w not in {"mail", "correo"}}


def marked(name: dict | None, pieces: dict[str, str], text: str) -> dict | None:
    """The name field, with what was read in place of the words filled in (`read_as`, so the review page marks it
    to check against the scan) and a score no higher than a mended name's; as it was when the letter's own `text`
    writes it whole somewhere (the signature had it, the opening lost letters of it)."""
    words = (name or {}).get("value", "").split()
    if not any(word in pieces for word in words) or fold(" ".join(words)) in " ".join(fold(text).split()):
        return name
    read = " ".join(pieces.get(word, word) for word in (name.get("read_as") or name["value"]).split())
    return {**name, "score": round(min(name["score"], 0.9) - 0.05, 2), "read_as": read}
