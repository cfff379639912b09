"""OCR-like damage applied to clean text, deterministically: what recognition of a poor scan does to a letter.

Used to measure (bench/keystroke.py fits a Profile per real letter from the differences between its OCR text and
its transcription, and reads routing texts through them) and to train with (damaged_copies: the classifier's
calibration on OCR-like text, from a generic profile built from those measurements). The damage, per line:
the line lost (a fold, a stain), runs of characters lost or read as junk (part of a line under a curl or a
streak), characters misread by a confusion table ("rn"→"m", "l"→"1", "e"→"c", accents lost), dropped or doubled,
spaces lost (words merged) or added (words split), and junk at the line's ends (a scanner border read as "ES",
"' boo,"); between lines, lines of junk (a border column, a stain read as symbols).

The same text, profile and seed always give the same damage (random.Random(seed), no global state).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields, replace

# Misreadings Tesseract makes on Spanish print, as (clean, read) pairs; weights are relative.
CONFUSIONS: dict[tuple[str, str], float] = {
    ("m", "rn"): 3, ("rn", "m"): 3, ("l", "1"): 3, ("1", "l"): 2, ("i", "l"): 2, ("l", "i"): 2, ("I", "l"): 2,
    ("O", "0"): 2, ("0", "O"): 2, ("o", "0"): 1, ("e", "c"): 3, ("c", "e"): 2, ("a", "o"): 2, ("o", "a"): 1,
    ("n", "u"): 2, ("u", "n"): 2, ("h", "b"): 1, ("b", "h"): 1, ("t", "f"): 1, ("f", "t"): 1, ("s", "5"): 1,
    ("S", "5"): 1, ("B", "8"): 1, ("g", "q"): 1, ("q", "g"): 1, ("ó", "o"): 3, ("í", "i"): 3, ("á", "a"): 3,
    ("é", "e"): 3, ("ú", "u"): 1, ("ñ", "n"): 2, ("i", "í"): 1, ("cl", "d"): 1, ("d", "cl"): 1, ("vv", "w"): 1,
    ("ri", "n"): 1, ("li", "h"): 1, ("E", "F"): 1, ("C", "G"): 1, (",", "."): 2, (".", ","): 2,
}
JUNK_CHARS = "aeoinsrtlcEAST1I|!'\".,;:-_=~*+%$#()[]¿?¡ñÑ«»"


@dataclass(frozen=True)
class Profile:
    """How badly one scan was read. Rates are per character (substitute, delete, insert, space lost, space
    added, a lost or garbled run starting) or per line (lost, junk at an end, junk lines after it)."""

    substitute: float = 0.01
    delete: float = 0.004
    insert: float = 0.003
    merge: float = 0.01  # a space between words lost
    split: float = 0.005  # a space inserted inside a word
    span_lost: float = 0.0005  # a run of characters lost (a fold, a stain over part of a line) starts here
    span_garbled: float = 0.0005  # a run of characters read as other characters (smudge, streak)
    span_lengths: tuple[int, ...] = (3, 5, 8, 12, 20, 35)  # of lost and garbled runs, drawn from evenly
    line_lost: float = 0.02
    edge_junk: float = 0.08
    junk_lines: float = 0.03
    confusions: dict[tuple[str, str], float] = field(default_factory=lambda: dict(CONFUSIONS))
    junk: tuple[str, ...] = ()  # junk pieces seen in real OCR (drawn from when given; else made up)


def corrupt(text: str, profile: Profile = Profile(), seed: int = 0) -> str:
    """`text` as recognition of a scan with `profile` might return it; the same arguments, the same result."""
    rng = random.Random(seed)
    table = _table(profile.confusions)
    out = []
    for line in text.split("\n"):
        if line.strip() and rng.random() < profile.line_lost:
            continue
        damaged = _characters(line, profile, table, rng) if line.strip() else line
        if line.strip() and rng.random() < profile.edge_junk:
            piece = _junk(profile, rng)
            damaged = f"{damaged} {piece}" if rng.random() < 0.7 else f"{piece} {damaged}"
        out.append(damaged)
        if rng.random() < profile.junk_lines:
            out.append(" ".join(_junk(profile, rng) for _ in range(rng.randint(1, 6))))
    return "\n".join(out)


def _table(confusions: dict[tuple[str, str], float]) -> dict[str, tuple[list[str], list[float]]]:
    """clean piece → (what it may be read as, weights); pieces of two characters are tried first."""
    table: dict[str, tuple[list[str], list[float]]] = {}
    for (clean, read), weight in confusions.items():
        reads, weights = table.setdefault(clean, ([], []))
        reads.append(read)
        weights.append(weight)
    return table


def _characters(line: str, profile: Profile, table: dict, rng: random.Random) -> str:
    out, i = [], 0
    while i < len(line):
        two, one = line[i:i + 2], line[i]
        span = rng.random()
        if span < profile.span_lost + profile.span_garbled:
            length = rng.choice(profile.span_lengths)
            if span >= profile.span_lost:
                out.append("".join(rng.choice(JUNK_CHARS + " ") for _ in range(min(length, len(line) - i))))
            i += length
            continue
        roll = rng.random()
        if one == " ":
            if roll >= profile.merge:
                out.append(" ")
            i += 1
            continue
        if roll < profile.substitute:
            piece = two if len(two) == 2 and two in table and (one not in table or rng.random() < 0.5) else one
            if piece in table:
                reads, weights = table[piece]
                out.append(rng.choices(reads, weights)[0])
                i += len(piece)
                continue
            out.append(rng.choice(JUNK_CHARS))  # a letter no confusion names: read as something else
        elif roll < profile.substitute + profile.delete:
            pass
        elif roll < profile.substitute + profile.delete + profile.insert:
            out.append(one + rng.choice(JUNK_CHARS))
        elif roll < profile.substitute + profile.delete + profile.insert + profile.split and one.isalpha():
            out.append(one + " ")
        else:
            out.append(one)
        i += 1
    return "".join(out)


def _junk(profile: Profile, rng: random.Random) -> str:
    if profile.junk:
        return rng.choice(profile.junk)
    return "".join(rng.choice(JUNK_CHARS) for _ in range(rng.randint(1, 4)))


# What recognition did to the 30 damaged letters of petitions_dev (bench/keystroke fits a Profile per letter from
# its OCR text and transcription): the mean rates, rounded. The damage is heavy-tailed (half the letters were read
# almost cleanly, a few lost a fifth of their lines), so copies made to train with draw a severity around it.
MEASURED = Profile(substitute=0.02, delete=0.006, insert=0.002, merge=0.006, split=0.0003, span_lost=0.0018,
                   span_garbled=0.0017, span_lengths=(3, 3, 3, 4, 4, 5, 5, 7, 19), line_lost=0.03, edge_junk=0.045,
                   junk_lines=0.07)
SEVERITIES = (0.25, 0.5, 1.0, 2.0, 3.0)


def damaged_copies(texts: list[str], seed: int = 0) -> list[str]:
    """One OCR-like damaged copy of each text, at a severity drawn per text around MEASURED (the same texts and
    seed, the same copies): what the classifier calibrates its confidence on, without any real letter."""
    rng = random.Random(seed)
    copies = []
    for text in texts:
        scale = rng.choice(SEVERITIES)
        profile = _scaled(scale)
        copies.append(corrupt(text, profile, seed=rng.randrange(1 << 30)))
    return copies


def _scaled(scale: float) -> Profile:
    """MEASURED with every rate (its float fields) `scale` times, at most 0.5."""
    rates = {f.name: min(getattr(MEASURED, f.name) * scale, 0.5) for f in fields(Profile)
             if isinstance(getattr(MEASURED, f.name), float)}
    return replace(MEASURED, **rates)
