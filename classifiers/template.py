"""The frame of a petition letter, found and cut out before the classifier reads the text.

Letters to the Secretaría open with a place and date line ("Cajeme, Sonora, a 26 de diciembre de 2026") and a
salutation ("C. SECRETARIO DE DESARROLLO SOCIAL DEL GOBIERNO DEL ESTADO DE SONORA PRESENTE"), and close with a
formula ("Sin otro particular, quedo en espera de su respuesta. ATENTAMENTE") and a signature. None of it says
which area should attend the request, yet in a TF-IDF row it weighs like the request itself: words the training
texts never had dilute the row (a short request lost its confident suggestion), and some look like labels
("desarrollo", "gobierno", "estado"). OCR makes it worse (junk at the ends of those lines, letters misread), so the
formulas are matched word by word with a small edit distance and short junk tokens skipped between their words.

Only the frame goes: a formula must match most of its words in order (a short one, all of them), a date line must
look like a heading (a place and a comma or the state, a date, nothing else), and what follows the sign-off
"atentamente" (or the closing formula, when OCR lost the sign-off) goes only when it is a short tail with most of
the letter before it (a signature block). The request in between is never touched.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz.distance import Levenshtein

from classifiers.features import normalise

# The formulas of the frame, as a reader would write them; matched after normalise() (lower case, no accents).
SALUTATIONS = (
    "C. Secretario de Desarrollo Social del Gobierno del Estado de Sonora Presente",
    "Secretaría de Desarrollo Social del Gobierno del Estado de Sonora Presente",
    "C. Secretario de Desarrollo Social Presente",
    "A quien corresponda Presente",
)
CLOSINGS = (
    "Sin otro particular, quedo en espera de su respuesta",
    "Sin otro particular por el momento",
    "Sin más por el momento",
    "Quedo en espera de su respuesta",
    "Sin otro particular",  # what is left of the closing when OCR breaks its middle ("quedou respuesta")
    "En espera de su respuesta",
    "Agradezco de antemano su atención",
    "Agradeciendo de antemano su atención",
    "Reciba un cordial saludo",
)
SIGN_OFF = "Atentamente"
SIGNATURE_WORDS = 60  # what follows the sign-off goes when it is this short: a name, an address, a phone
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "setiembre",
          "octubre", "noviembre", "diciembre")
STATE = ("sonora", "son")
HEADING_LINES = 5  # a bare date line counts as the heading only among the first (or last) lines of the letter
LOSSY_FORMULA = 8  # formulas of this many words may miss a quarter of them
MAX_SKIPPED = 3  # junk tokens a formula may step over ("PRESENTE 7", "C. SECRETARIO ... SOCIAL a DEL ...")
_WORD = re.compile(r"[^\W_]+")
# normalise() of the accented letters Spanish uses, one character for one, so a whole letter folds at once and
# its words keep their places.
_FOLD = str.maketrans({c: normalise(c) for c in "áàâäãéèêëíìîïóòôöõúùûüñç"})
_RULE = re.compile(r"^[ \t]*[_\-.]{5,}[ \t]*(?:\n|$)", re.MULTILINE)  # the line a signature goes on


class _Token(NamedTuple):  # a tuple: a letter has hundreds and a dataclass costs three times as much to make
    text: str  # normalised
    start: int
    end: int
    line: int


def strip(text: str) -> str:
    """The letter without its date heading, salutation, closing formulas and signature block."""
    tokens = _tokens(text)
    cut = [False] * len(tokens)
    anchors = _anchor_hits(tokens)
    closed = None  # where the last closing formula ends
    for formula in _FORMULAS:
        end = _mark(tokens, formula, cut, anchors)
        if end is not None and formula in _CLOSINGS:
            closed = max(end, closed or 0)
    sign_off = _find_sign_off(text, tokens, cut)
    # What follows the sign-off, or the closing formula when OCR lost the sign-off ("ATINA RATON TO"), is the
    # signature when it is short and most of the letter is before it.
    for start in (s for s in (sign_off, closed) if s is not None):
        if len(tokens) - start <= SIGNATURE_WORDS and start >= len(tokens) - start:
            for i in range(start, len(tokens)):
                cut[i] = True
    lines = set(_heading_lines(text, tokens)) | set(_salutation_remains(tokens, cut))
    for i, token in enumerate(tokens):
        if token.line in lines:
            cut[i] = True
    if any(cut):
        text = _rebuild(text, tokens, cut)
    return _RULE.sub("", text)


def _tokens(text: str) -> list[_Token]:
    folded = text.lower().translate(_FOLD)
    if len(folded) != len(text):  # lower() changed a length ("İ"): word by word, each at its place
        return [_Token(normalise(m.group()), m.start(), m.end(), text.count("\n", 0, m.start()))
                for m in _WORD.finditer(text)]
    out, offset = [], 0
    for number, line in enumerate(folded.split("\n")):
        for m in _WORD.finditer(line):
            word = m.group()
            out.append(_Token(word if word.isascii() else normalise(word), offset + m.start(), offset + m.end(),
                              number))
        offset += len(line) + 1
    return out


def _words(formula: str) -> tuple[str, ...]:
    return tuple(normalise(w) for w in _WORD.findall(formula))


_FORMULAS = tuple(sorted({_words(f) for f in (*SALUTATIONS, *CLOSINGS)}, key=len, reverse=True))
_SIGN_OFF = _words(SIGN_OFF)[0]
_CLOSINGS = frozenset(_words(f) for f in CLOSINGS)
_FRAME_WORDS = frozenset(w for f in SALUTATIONS for w in _words(f) if len(w) >= 4)
# A formula is looked for where one of its first two words stands, if it is three letters or more ("a", "en" and
# "c" are everywhere: looked for from the word after them).
_ANCHORS = frozenset(word for formula in _FORMULAS for word in formula[:2] if len(word) >= 3)
# Word length → the anchors a word that long can resemble (similar() allows at most two letters more or fewer).
_ANCHORS_BY_LENGTH = {n: tuple(a for a in _ANCHORS if abs(len(a) - n) <= 2) for n in range(1, 40)}


def _anchor_hits(tokens: list[_Token]) -> dict[int, frozenset[str]]:
    """Token index → the formula-opening words it resembles (only tokens that resemble one)."""
    out = {}
    for i, token in enumerate(tokens):
        hits = _resembled(token.text)
        if hits:
            out[i] = hits
    return out


@lru_cache(maxsize=1 << 16)  # words repeat within a letter and across letters: most tokens are looked up once
def _resembled(word: str) -> frozenset[str]:
    return frozenset(a for a in _ANCHORS_BY_LENGTH.get(len(word), ()) if similar(word, a))


@lru_cache(maxsize=1 << 16)
def _is_month(word: str) -> bool:
    return len(word) >= 4 and any(similar(word, m) for m in MONTHS)


@lru_cache(maxsize=1 << 16)  # the same few formula words against each letter's words: most pairs repeat
def similar(word: str, target: str) -> bool:
    """Equal, or within the edits OCR makes in a word that long: none up to 3 letters, 1 up to 6, else 2."""
    if word == target:
        return True
    allowed = 0 if len(target) <= 3 else 1 if len(target) <= 6 else 2
    if not allowed or abs(len(word) - len(target)) > allowed:
        return False
    return Levenshtein.distance(word, target, score_cutoff=allowed) <= allowed


def _junk(token: _Token) -> bool:
    """A token a formula may step over, or that a cut line may keep and still go: a letter or two, a number."""
    return len(token.text) <= 2 or token.text.isdigit()


def _mark(tokens: list[_Token], formula: tuple[str, ...], cut: list[bool],
          anchors: dict[int, frozenset[str]]) -> int | None:
    """Cut every occurrence of `formula`: its words in order, at most a quarter of them missing (lost by OCR) when
    it is long, at most MAX_SKIPPED junk tokens stepped over, the first and last found. Returns where the last
    occurrence ends (None: none found)."""
    # A long formula survives a lost word or two; a short one must be whole ("Secretaría de Desarrollo Urbano" is
    # a label of the routing data, one word away from the Secretaría's own name).
    needed = len(formula) - len(formula) // 4 if len(formula) >= LOSSY_FORMULA else len(formula)
    first, second = formula[0], formula[1] if len(formula) > 1 else None
    reached, last = 0, None
    for i in anchors:  # in token order: built so
        hits = anchors[i]
        if i < reached or cut[i] or not (first in hits or second in hits):
            continue
        start = i
        if first not in hits and i and not cut[i - 1] and similar(tokens[i - 1].text, first):
            start = i - 1  # "en espera …", "a quien …": the short first word is the token before
        if start < reached:
            continue
        end = _match_at(tokens, start, formula, needed, cut)
        if end is not None:
            for k in range(start, end):
                cut[k] = True
            reached = last = end
    return last


def _match_at(tokens: list[_Token], start: int, formula: tuple[str, ...], needed: int,
              cut: list[bool]) -> int | None:
    """The index after the last token of `formula` matched from `start`, or None."""
    i, j, found, skipped, missed, last = start, 0, 0, 0, 0, None
    allowed_missing = len(formula) - needed
    while j < len(formula) and i < len(tokens) and not cut[i]:
        if similar(tokens[i].text, formula[j]):
            i, j, found, last = i + 1, j + 1, found + 1, i + 1
        elif _split_word(tokens, i, formula[j], cut):
            i, j, found, last = i + 2, j + 1, found + 1, i + 2  # "par icular", "ATE¡TAMENTE": one word in two
        elif j + 1 < len(formula) and missed < allowed_missing and similar(tokens[i].text, formula[j + 1]):
            j, missed = j + 1, missed + 1  # this formula word was lost; the token is the next one
        elif _junk(tokens[i]) and skipped < MAX_SKIPPED and found:
            i, skipped = i + 1, skipped + 1
        elif missed < allowed_missing and found:
            j, missed = j + 1, missed + 1
        else:
            break
    missed += len(formula) - j
    if found >= needed and missed <= allowed_missing and last is not None:
        return last
    return None


def _split_word(tokens: list[_Token], i: int, word: str, cut: list[bool]) -> bool:
    """Whether tokens i and i + 1 of one line are `word` broken in two by a space or a misread letter."""
    if len(word) < 6 or i + 1 >= len(tokens) or cut[i + 1] or tokens[i].line != tokens[i + 1].line:
        return False
    if abs(len(tokens[i].text) + len(tokens[i + 1].text) - len(word)) > 2:
        return False
    return similar(tokens[i].text + tokens[i + 1].text, word)


def _find_sign_off(text: str, tokens: list[_Token], cut: list[bool]) -> int | None:
    """The last "atentamente" that is a sign-off: first on its line, alone on it or set off by punctuation
    ("Atentamente, Heriberto Durazo."), with more of the letter before it than after (not "Atentamente solicito
    …", "pido atentamente")."""
    for i in range(len(tokens) - 1, max(len(tokens) - SIGNATURE_WORDS - 2, -1), -1):  # only a tail can follow it
        two = _split_word(tokens, i, _SIGN_OFF, cut)
        if not (two or similar(tokens[i].text, _SIGN_OFF)):
            continue
        line, end = tokens[i].line, tokens[i + 1 if two else i].end
        first = all(_junk(t) or cut[k] for k, t in enumerate(tokens[:i]) if t.line == line)
        rest = [t for t in tokens[i + 1 + two:] if t.line == line]
        apart = all(_junk(t) for t in rest) or text[end:end + 1] in (",", ".", ":", ";")
        return i if first and apart and i >= len(tokens) - i - 1 else None
    return None


def _salutation_remains(tokens: list[_Token], cut: list[bool]) -> list[int]:
    """Among the first HEADING_LINES * 2 lines, those whose words are all pieces of the salutation's words: what
    is left of it when OCR broke it too badly for the formula to match ("E DESARROLLO SOCI", "GOpIER", "*SENTE")."""
    by_line: dict[int, list[str]] = {}
    for token, c in zip(tokens, cut):
        if not c:
            by_line.setdefault(token.line, []).append(token.text)
    out = []
    for line in sorted(by_line)[:HEADING_LINES * 2]:
        words = [w for w in by_line[line] if len(w) >= 4]
        if words and all(_frame_piece(w) for w in words):
            out.append(line)
    return out


@lru_cache(maxsize=1 << 14)
def _frame_piece(word: str) -> bool:
    """A word of the salutation, or a piece of at least four letters of one (within one edit)."""
    for frame in _FRAME_WORDS:
        if similar(word, frame):
            return True
        if len(word) >= 4 and len(word) < len(frame) and any(
                Levenshtein.distance(word, frame[k:k + len(word)], score_cutoff=1) <= 1
                for k in range(len(frame) - len(word) + 1)):
            return True
    return False


def _heading_lines(text: str, tokens: list[_Token]) -> list[int]:
    """Lines that are a date heading: a date alone, or after a place and a comma ("Cajeme, Sonora, a 26 de
    diciembre de 2026", "Hermosillo, Son., 12 de marzo de 2026"), with nothing but junk after it; one that names
    the state anywhere, one without it among the first or last HEADING_LINES lines that have words. Not "Posterior
    al sismo del 19 de septiembre de 2017": no comma sets the date apart."""
    by_line: dict[int, list[_Token]] = {}
    for token in tokens:
        by_line.setdefault(token.line, []).append(token)
    numbered = sorted(by_line)
    edge = set(numbered[:HEADING_LINES]) | set(numbered[-HEADING_LINES:])
    out = []
    for line, line_tokens in by_line.items():
        words = [t.text for t in line_tokens]
        date = _date_span(words)
        if date is None and line in edge and _state_and_month(words):
            out.append(line)  # "Yécora, Sonora 15 de marzo": the year lost, the state and the month still say it
            continue
        if date is None or any(not _junk_word(w) for w in words[date[1]:]):
            continue
        start = date[0] - 1 if date[0] and words[date[0] - 1] == "a" else date[0]  # "Cajeme, Sonora, a 26 de …"
        before = [w for w in words[:start] if not _junk_word(w)]
        if before and "," not in text[line_tokens[start - 1].end:line_tokens[start].start]:
            continue
        with_state = any(similar(w, s) for w in before[-3:] for s in STATE) and len(before) <= 7
        # Without the state the date must be whole: "septiembre de 2017." ending a sentence is no heading.
        whole = words[date[0]].isdigit() and words[date[0] + 1] == "de"
        if with_state or (line in edge and len(before) <= 4 and whole):
            out.append(line)
    return out


def _state_and_month(words: list[str]) -> bool:
    """A short line ending in "<state> [a] <day> de <month>": a heading whose year OCR lost."""
    content = [w for w in words if not _junk_word(w)]
    if len(content) > 7 or len(words) < 4 or not _is_month(words[-1]):
        return False
    if words[-2] != "de" or not any(c.isdigit() for c in words[-3]):
        return False
    state = words[-5] if words[-4] == "a" and len(words) >= 5 else words[-4]
    return any(similar(state, s) for s in STATE)


def _junk_word(word: str) -> bool:
    return len(word) <= 2 and not word.isdigit()


def _date_span(words: list[str]) -> tuple[int, int] | None:
    """(start, end) of "26 de diciembre de 2026" (or "del 2026") among the words, if there is one: a month and a
    year, and before the month the day and "de" when OCR left them ("2qdo agosto de 2026" still is a date)."""
    for i, word in enumerate(words):
        if not _is_month(word):
            continue
        after = words[i + 1:i + 3]
        # The year, or what OCR left of it ("207 5", "202"): three or four digits.
        year = next((k for k, w in enumerate(after) if w.isdigit() and len(w) in (3, 4)), None)
        if year is None or any(w not in ("de", "del") for w in after[:year]):
            continue
        start, end = i, i + 2 + year
        if end < len(words) and words[end].isdigit() and len(words[end]) == 1 and len(words[end - 1]) == 3:
            end += 1
        if start and words[start - 1] == "de":
            start -= 1
        if start and any(c.isdigit() for c in words[start - 1]) and len(words[start - 1]) <= 4:
            start -= 1
        return start, end
    return None


def _rebuild(text: str, tokens: list[_Token], cut: list[bool]) -> str:
    """The text with the cut tokens' spans removed; a line left with only junk beside a cut goes entirely."""
    lines_cut = {t.line for t, c in zip(tokens, cut) if c}
    kept_words: dict[int, list[str]] = {}
    for token, c in zip(tokens, cut):
        if not c:
            kept_words.setdefault(token.line, []).append(token.text)
    drop_line = {line for line in lines_cut if all(len(w) <= 2 or w.isdigit() for w in kept_words.get(line, []))}
    pieces, position = [], 0
    for token, c in zip(tokens, cut):
        if c or token.line in drop_line:
            pieces.append(text[position:token.start])
            position = token.end
    pieces.append(text[position:])
    out = "".join(pieces)
    lines = out.split("\n")
    # Of a dropped line only its punctuation may remain: the line goes.
    result = [l for n, l in enumerate(lines) if not (n in drop_line and not _WORD.search(l))]
    return "\n".join(result)
