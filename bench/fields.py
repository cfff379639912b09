"""Petitioner-data benchmark: the fields read from OCR text against those read from the same letters' clean text.

    .venv/bin/python -m bench.fields [--ocr-dir DIR] [--data DIR] [--show]

Data: ../shared/data/ocr/fields_dev/ (letters `NAME.pdf`, their clean text `NAME.gt.txt` and `NAME.fields.json`
with the petitioner's `name`, `curp`, `phone`, `email`, `municipality`); when it is absent the benchmark says so
and exits 0. The OCR text of each letter is read from `--ocr-dir` (`NAME.txt` or `NAME.pet.txt`, default
/tmp/dev/out, where bench.ocr writes peticiones' readings); letters without one are left out of both sides.

The fields are read by `classifiers.extraction.extract_fields`, in-process: the same function, on the same text,
that `peticiones classify --json --file F` prints under "fields".

Comparison rules: CURP exact; phone by its 10 national digits; e-mail case-insensitive; municipality by the
gazetteer's canonical name (accents and case ignored); name both strict (exact after collapsing whitespace) and
folded (accents and case ignored). "All five" counts letters where name (strict), CURP, phone, e-mail and
municipality are all right. Targets (issue 11): each field from OCR text right on >= 0.9x as many letters as from
clean text, and all five right on >= 60% of the letters. The last line printed is one JSON object.

Measured on fields_dev (30 letters; clean text 1.00 on every field, before and after), OCR text as peticiones read
it at two moments of the OCR work (snapshots of /tmp/dev/out) and as bare `tesseract -l spa` read it; extraction
before (3523591) -> after this work:
                 name        CURP        phone       e-mail      municipality  all five
  OCR, 18:25     0.53->0.73  0.47->0.67  0.73->0.73  0.00->0.63  0.70->0.80    0.00->0.57
  OCR, 18:55     0.63->0.77  0.43->0.73  0.80->0.80  0.00->0.53  0.77->0.83    0.00->0.50
  bare tesseract 0.47->0.60  0.33->0.43  0.63->0.67  0.00->0.50  0.67->0.70    0.00->0.33
On 2026-12-06, OCR text as peticiones read it then (python -m bench.ocr --set fields --keep DIR, at 8da634e:
dewarp no longer bends each line's first letter), extraction before -> after that day's rules (RULES_VERSION
2026-12-06d: a misread "+52" before a phone, the CURP's 17th character, a town below "Domicilio:" across the blank
line OCR puts between signature lines, more "@" remains, a name slip the signature spells right):
                 name        CURP        phone       e-mail      municipality  all five
  OCR, 8da634e   0.80->0.83  0.57->0.63  0.80->0.83  0.67->0.80  0.70->0.93    0.33->0.63
What is still wrong is mostly not in the OCR text at all (a line or a column lost, a page of noise); the rest is
ambiguous (a CURP whose check digit cannot tell two readings apart, "@" dropped beside a digit).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from classifiers import gazetteer
from classifiers.extraction import extract_fields
from classifiers.gazetteer import fold

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "ocr" / "fields_dev"
OCR_DIR = Path("/tmp/dev/out")
FIELDS = ("name", "curp", "phone", "email", "municipality")
FIELD_TARGET = 0.9    # each field from OCR text, as a share of the letters right from clean text
ALL_FIVE_TARGET = 0.6


def _value(found: dict, field: str) -> str:
    return str(found.get(field, {}).get("value") or "")


def _right(found: dict, truth: dict) -> dict[str, bool]:
    """Which fields `extract_fields` read right against the letter's truth (the comparison rules above)."""
    def digits(value: str) -> str:
        return re.sub(r"\D", "", value)[-10:]

    def municipality(value: str) -> str:
        return fold(gazetteer.canonical(value) or value).strip()

    name = " ".join(_value(found, "name").split())
    return {
        "name": name == " ".join(truth["name"].split()),
        "name_folded": fold(name) == fold(" ".join(truth["name"].split())),
        "curp": _value(found, "curp") == truth["curp"],
        "phone": bool(_value(found, "phone")) and digits(_value(found, "phone")) == digits(truth["phone"]),
        "email": _value(found, "email").lower() == truth["email"].lower(),
        "municipality": bool(_value(found, "municipality"))
        and municipality(_value(found, "municipality")) == municipality(truth["municipality"]),
    }


def _shares(rows: list[dict[str, bool]]) -> dict[str, float]:
    n = len(rows) or 1
    shares = {f: round(sum(r[f] for r in rows) / n, 3) for f in (*FIELDS, "name_folded")}
    shares["all_five"] = round(sum(all(r[f] for f in FIELDS) for r in rows) / n, 3)
    return shares


def field_accuracy(letters: list[tuple[str, str, dict]]) -> dict:
    """Per-field accuracy from OCR text and from clean text, all-five shares and the ratios against the targets.

    `letters`: (ocr_text, clean_text, fields_json_dict) per letter."""
    ocr = [_right(extract_fields(o), truth) for o, _, truth in letters]
    clean = [_right(extract_fields(c), truth) for _, c, truth in letters]
    ocr_shares, clean_shares = _shares(ocr), _shares(clean)
    ratios = {f: round(ocr_shares[f] / clean_shares[f], 3) if clean_shares[f] else None
              for f in (*FIELDS, "name_folded")}
    field_ok = all(r is not None and r >= FIELD_TARGET for f, r in ratios.items() if f in FIELDS)
    return {"letters": len(letters), "ocr": ocr_shares, "clean": clean_shares, "ratio_ocr_to_clean": ratios,
            "all_five_ocr": ocr_shares["all_five"], "all_five_clean": clean_shares["all_five"],
            "all_five_vs_target": round(ocr_shares["all_five"] / ALL_FIVE_TARGET, 3),
            "targets_met": field_ok and ocr_shares["all_five"] >= ALL_FIVE_TARGET,
            "per_letter_ocr": ocr}


def load(data: Path, ocr_dir: Path) -> tuple[list[str], list[tuple[str, str, dict]]]:
    """The letters of `data` that have an OCR text in `ocr_dir`: their names and (ocr, clean, truth) triples."""
    names, letters = [], []
    for truth_file in sorted(data.glob("*.fields.json")):
        name = truth_file.name.removesuffix(".fields.json")
        ocr_file = next((p for p in (ocr_dir / f"{name}.txt", ocr_dir / f"{name}.pet.txt") if p.exists()), None)
        if ocr_file is None:
            continue
        names.append(name)
        letters.append((ocr_file.read_text(encoding="utf-8"), (data / f"{name}.gt.txt").read_text(encoding="utf-8"),
                        json.loads(truth_file.read_text(encoding="utf-8"))))
    return names, letters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ocr-dir", type=Path, default=OCR_DIR, help="folder with NAME.txt OCR readings")
    parser.add_argument("--data", type=Path, default=DATA, help="folder with NAME.gt.txt and NAME.fields.json")
    parser.add_argument("--show", action="store_true", help="print each wrong OCR field beside the truth")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"No está {args.data}: nada que medir (los datos de referencia viven en ../shared, fuera del proyecto).")
        return
    names, letters = load(args.data, args.ocr_dir)
    if not letters:
        print(f"No hay lecturas OCR de {args.data} en {args.ocr_dir}: nada que medir.")
        return
    report = field_accuracy(letters)
    per_letter = report.pop("per_letter_ocr")
    if args.show:
        for name, (ocr_text, _, truth), right in zip(names, letters, per_letter):
            found = extract_fields(ocr_text)
            for field in FIELDS:
                if not right[field]:
                    print(f"  {name} {field}: {_value(found, field)!r} ≠ {truth[field]!r}")
    for side in ("ocr", "clean"):
        print(f"{side:5s} " + "  ".join(f"{f} {report[side][f]:.2f}" for f in (*FIELDS, "name_folded", "all_five")))
    print("ratio " + "  ".join(f"{f} {r}" for f, r in report["ratio_ocr_to_clean"].items()))
    report.update({"data": str(args.data), "ocr_dir": str(args.ocr_dir), "wrong_ocr": {
        f: [n for n, r in zip(names, per_letter) if not r[f]] for f in FIELDS}})
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
