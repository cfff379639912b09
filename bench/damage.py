"""Field-repair benchmark: each petitioner field of a clean letter damaged the ways Tesseract damages it, one kind of
damage at a time, and read again.

    .venv/bin/python -m bench.damage [--data DIR] [--per-kind N]

bench.fields measures extraction on the OCR text of 30 letters: what their scans happened to damage. This sweep asks
how far each repair generalises. For every letter of ../shared/data/ocr/fields_dev/ (`NAME.gt.txt`, the letter as
written, and `NAME.fields.json`) and every field, the field as written is replaced, wherever the letter writes it,
by a damaged spelling (a glyph for another, a space inside, a character lost, "@" misread...), seeded, so every run
tries the same; `extract_fields` reads the letter again and the field is compared with the truth by bench.fields'
rules. The reference, measured in the same run, is the undamaged letter ("ninguno": 1.00 on every field).

For each field and kind it prints the share read right and the share read wrong (a value given that is not the
truth: worse than none, which the reviewer types). The last line printed is one JSON object.

Measured on 2026-12-07 (30 letters, `--per-kind 4`: 12 to 120 spellings a row), extraction before (a8c86e4) ->
after that day's repairs, share read right (wrong):
  name          letra por otra 0.14 (0.82) -> 0.25 (0.72); letra perdida 0.03 -> 0.24; espacio dentro 0.04 -> 0.92
  curp          letra por otra 0.82 (0.18) -> 0.88 (0.12); dos letras por otras 0.62 (0.38) -> 0.78 (0.23);
                carácter perdido 0.14 -> 0.68
  phone         letra por dígito 0.28 -> 0.52 (0.10 wrong before and after: a 3 read as B is an 8's glyph); G, b, Z,
                z, g, q, A, T count only between two digits, as an address writes "12A" right before a phone
  email         0 por o, 1 por l, rn por m 0.00 -> 1.00; espacio dentro 0.47 (0.28) -> 1.00 (0.00); letra perdida
                del dominio 0.96 -> 1.00
  municipality  letra por otra 0.88 -> 0.93; espacio dentro 0.91 -> 0.93
Every other row was already 0.99-1.00, or is as low before and after.
What stays low cannot be decided from the letter: a digit lost from a phone or a CURP's birth date, a name's
accents (the letter may write it without them), a letter changed in a word of the name that the e-mail does not
spell and no common name is near. The CURP's "carácter perdido" wrong share (0.33) is mostly the invalid reading
shown as read; a lost character is supplied only when one reading alone also holds the name's seven places.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

from bench.fields import DATA, _right
from classifiers.extraction import extract_fields

# What Tesseract reads for a character (seen in bench.ocr's readings of fields_dev and petitions_dev).
_AS_LETTER = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G", "7": "T", "4": "A", "9": "g", "3": "B"}
_AS_OTHER = {"O": "0", "I": "1", "S": "5", "B": "8", "Z": "2", "G": "6", "L": "1", "T": "7", "D": "0", "M": "N",
             "H": "N", "C": "G", "Q": "0"}
_LETTER_SLIPS = {"e": "c", "a": "o", "o": "a", "i": "l", "l": "1", "n": "u", "u": "n", "r": "n", "h": "b", "c": "e",
                 "m": "rn", "s": "a", "t": "f", "z": "x", "g": "q"}
_AT_READS = ("0", "4", "(0", "©", "Q", "(a)", "@ ", "G", "(9", "")


def _places(value: str, fits: Callable[[str], bool], rnd: random.Random, count: int) -> list[int]:
    spots = [i for i, c in enumerate(value) if fits(c)]
    return rnd.sample(spots, min(count, len(spots)))


def _swapped(value: str, table: dict[str, str], rnd: random.Random, count: int, times: int = 1) -> list[str]:
    """`count` spellings of `value`, each with `times` characters read as their look-alikes."""
    out = []
    for _ in range(count):
        chars = list(value)
        for i in _places(value, lambda c: c in table or c.lower() in table, rnd, times):
            c = chars[i]
            chars[i] = table.get(c) or table[c.lower()]
        out.append("".join(chars))
    return out


def _spaced(value: str, rnd: random.Random, count: int) -> list[str]:
    spots = [i for i in range(1, len(value)) if value[i] != " " and value[i - 1] != " "]
    return [value[:i] + " " + value[i:] for i in rnd.sample(spots, min(count, len(spots)))]


def _lost(value: str, rnd: random.Random, count: int) -> list[str]:
    spots = [i for i in range(1, len(value)) if value[i].isalnum()]
    return [value[:i] + value[i + 1:] for i in rnd.sample(spots, min(count, len(spots)))]


def _unaccented(value: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", value) if unicodedata.category(c) != "Mn")


def _email_kinds(value: str, rnd: random.Random, n: int) -> dict[str, list[str]]:
    local, domain = value.split("@")
    at = [local + rnd.choice(_AT_READS) + domain for _ in range(n)]
    glyph = {kind: [value[:i] + by + value[i + 1:] for i in _places(local, lambda c: c == old, rnd, n)]
             for kind, old, by in (("0 por o", "o", "0"), ("1 por l", "l", "1"), ("rn por m", "m", "rn"))}
    lost_in_domain = [local + "@" + d for d in _lost(domain, rnd, n)]
    return {"@ mal leída": at, **glyph, "espacio dentro": _spaced(value, rnd, n),
            "letra perdida del dominio": lost_in_domain, "coma por punto": [value.replace(".com", ",com")]}


def damaged(field: str, written: str, rnd: random.Random, n: int) -> dict[str, list[str]]:
    """The damaged spellings of a field as written, by kind of damage (Spanish, for the report)."""
    if field == "curp":
        return {"letra por otra": _swapped(written, {**_AS_LETTER, **_AS_OTHER}, rnd, n),
                "dos letras por otras": _swapped(written, {**_AS_LETTER, **_AS_OTHER}, rnd, n, times=2),
                "espacio dentro": _spaced(written, rnd, n), "minúsculas": [written.lower()],
                "carácter perdido": _lost(written, rnd, n)}
    if field == "phone":
        return {"letra por dígito": _swapped(written, _AS_LETTER, rnd, n), "espacio dentro": _spaced(written, rnd, n),
                "dígito perdido": _lost(written, rnd, n)}
    if field == "email":
        return _email_kinds(written, rnd, n)
    return {"sin acentos": [_unaccented(written)], "mayúsculas": [written.upper()],
            "letra por otra": _swapped(written, _LETTER_SLIPS, rnd, n), "letra perdida": _lost(written, rnd, n),
            "espacio dentro": _spaced(written, rnd, n)}


WRITTEN = {"name": "name", "curp": "curp", "phone": "phone_text", "email": "email", "municipality": "municipality"}


def sweep(letters: list[tuple[str, dict]], per_kind: int = 4, seed: int = 11) -> dict:
    """{field: {kind: {"n", "right", "wrong"}}} over `letters` ((clean text, truth) pairs); kind "ninguno" is the
    letter as written."""
    rnd = random.Random(seed)
    report: dict[str, dict[str, dict]] = {}
    for field, key in WRITTEN.items():
        counts: dict[str, list[int]] = {}
        for text, truth in letters:
            written = truth[key]
            if written not in text:
                continue
            kinds = {"ninguno": [written], **damaged(field, written, rnd, per_kind)}
            for kind, spellings in kinds.items():
                for spelling in spellings:
                    found = extract_fields(text.replace(written, spelling))
                    right = _right(found, truth)[field]
                    tally = counts.setdefault(kind, [0, 0, 0])
                    tally[0] += 1
                    tally[1] += right
                    tally[2] += not right and bool((found.get(field) or {}).get("value"))
        report[field] = {kind: {"n": n, "right": round(ok / n, 3), "wrong": round(bad / n, 3)}
                         for kind, (n, ok, bad) in counts.items()}
    return report


def load(data: Path) -> list[tuple[str, dict]]:
    return [((data / f"{t.name.removesuffix('.fields.json')}.gt.txt").read_text(encoding="utf-8"),
             json.loads(t.read_text(encoding="utf-8"))) for t in sorted(data.glob("*.fields.json"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder with NAME.gt.txt and NAME.fields.json")
    parser.add_argument("--per-kind", type=int, default=4, help="damaged spellings per letter, field and kind")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"No está {args.data}: nada que medir (los datos de referencia viven en ../shared, fuera del proyecto).")
        return
    letters = load(args.data)
    report = sweep(letters, args.per_kind)
    for field, kinds in report.items():
        for kind, row in kinds.items():
            print(f"{field:12s} {kind:26s} n={row['n']:4d}  bien {row['right']:.2f}  mal {row['wrong']:.2f}")
    print(json.dumps({"letters": len(letters), "per_kind": args.per_kind, "fields": report}, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
