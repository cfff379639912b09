"""OCR benchmark: character error rate and pages per second of three systems on the same pages, in one run.

    .venv/bin/python -m bench.ocr [--set SETS] [--ablation] [--rounds N] [--keep DIR] [--only SYSTEMS] [--verbose]

SETS is `all` (the default) or a comma list of:
- `fondue`: ../shared/data/ocr/fondue_dev, 21 real scanned pages of 19th-century Spanish prints; each page is
  its own unit;
- `letters`: the petition letters bench/letters.py renders and degrades here, one page each;
- `petitions`: ../shared/data/ocr/petitions_dev, 30 letters (34 pages) from real citizen requests with office
  scan damage (folds, curls, drum streaks, stains, a "RECIBIDO" watermark, borders, skew, JPEG);
- `fields`: ../shared/data/ocr/fields_dev, 30 such letters that carry a petitioner's data.
A set whose shared data is absent is skipped with a note. The PDFs of `petitions` and `fields` hold one 300-ppi
grey JPEG a page: each page's image is taken out once (pdfimages) and written as a PNG at its resolution before
any timing, and every system reads those same images.

Systems, one after another on every set:
(a) bare `tesseract -l spa`, OMP_THREAD_LIMIT=1, one process per core: the speed limit and the CER reference;
(b) `ocrmypdf -l spa --rotate-pages --deskew --clean --force-ocr`, one process per core (`--jobs 1` each);
(c) `peticiones ocr --json`, one invocation over the whole set (it spreads pages over every core itself).
CER is counted per letter (its pages joined in order, against its whole-letter truth); a set's CER is its total
errors over its total truth length (bench/cer.py normalises both sides). A letter (a page, on `fondue`) read
with CER > 0.8 is counted as lost. Speed is pages / wall seconds of the whole set, start-up included. With
`--rounds N` the systems take turns N times and each keeps its fastest round: on a shared machine other work only
ever adds time. CPU seconds (children included) are printed beside.

Targets (issue 11), peticiones against the references of the same run: CER <= 0.5x bare tesseract's (every set),
CER <= 0.65x OCRmyPDF's (letter sets), pages/s >= 0.95x bare tesseract's (every set), and no lost letter.

From peticiones' OCR text, in the same run: on `fields`, bench.fields.field_accuracy (each petitioner field
and all five right, from OCR text and from clean text); on `petitions`, bench.keystroke.one_keystroke (the
share of letters a reviewer routes with one keystroke, from OCR and from clean text), when that module is there.
`--ablation` also reads each set in this process with one step of ocr.reader.STEPS switched off at a time; on
`fields` it prints the petitioner's fields read from each of those readings too (a step may decide fields and
leave the CER as it was: `codes` reads CURPs again).
`--keep DIR` writes DIR/SET/SYSTEM/NAME.txt per letter (what bench.fields and bench.keystroke read as --ocr-dir).
The last line printed is one JSON object with every figure.

`make bench` installs what (b) needs: `pip install ocrmypdf rapidfuzz`, Debian `unpaper ghostscript`.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from bench import cer
from bench.ocr_sets import Letter, loaded
from bench.ocr_systems import CORES, chosen_systems, without_step

SETS = ("fondue", "letters", "petitions", "fields")


LETTER_SETS = ("letters", "petitions", "fields")

LOST = 0.8  # a letter read with a CER above this came back with almost nothing right


TARGETS = {  # peticiones against the others: (figure, other system, bound, "max" or "min", sets it applies to)
    "cer_vs_tesseract": ("cer", "tesseract", 0.5, "max", SETS),
    "cer_vs_ocrmypdf": ("cer", "ocrmypdf", 0.65, "max", LETTER_SETS),
    "speed_vs_tesseract": ("pages_per_second", "tesseract", 0.95, "min", SETS),
}


def cpu_seconds() -> float:
    """CPU time of this process and of every child it has waited for (tesseract, ocrmypdf, peticiones)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def joined(found: list[Letter], outputs: list[str]) -> dict[str, str]:
    """Each letter's text: the outputs of its pages (given in the order of `found`'s pages) joined in order."""
    texts, start = {}, 0
    for letter in found:
        texts[letter.name] = "\n\n".join(outputs[start:start + len(letter.pages)])
        start += len(letter.pages)
    return texts


def scored(found: list[Letter], texts: dict[str, str]) -> dict:
    """The set's CER (total errors over total truth length), each letter's CER and the letters lost (CER > LOST)."""
    total_errors = total_length = 0
    per_letter = {}
    for letter in found:
        errors, length = cer.errors(texts[letter.name], letter.truth)
        total_errors, total_length = total_errors + errors, total_length + length
        per_letter[letter.name] = round(errors / max(length, 1), 4)
    lost = [name for name, value in per_letter.items() if value > LOST]
    return {"cer": round(total_errors / max(total_length, 1), 4), "lost": len(lost), "lost_letters": lost,
            "per_letter": per_letter}


def measure(system, found: list[Letter], work: Path, earlier: dict | None = None) -> dict:
    """Read the set once with `system`; with `earlier` (the same system's previous round), keep the faster round.

    Other work on a shared machine only ever adds wall time, so the fastest of several rounds, each system taking
    its turn in every round, is the figure least distorted by it. CPU seconds are printed beside it: they barely
    move with the machine's load.
    """
    images = [page for letter in found for page in letter.pages]
    cpu, started = cpu_seconds(), time.monotonic()
    outputs = system(images, work)
    seconds, cpu = time.monotonic() - started, cpu_seconds() - cpu
    if earlier is not None:
        rounds, cpu = earlier["rounds"] + 1, min(cpu, earlier["cpu_seconds"])
        if seconds >= earlier["seconds"]:
            return {**earlier, "rounds": rounds, "cpu_seconds": round(cpu, 1)}
    else:
        rounds = 1
    texts = joined(found, outputs)
    return {"letters": len(found), "pages": len(images), **scored(found, texts),
            "pages_per_second": round(len(images) / seconds, 3), "seconds": round(seconds, 1),
            "cpu_seconds": round(cpu, 1), "rounds": rounds, "texts": texts}


def kept(folder: Path, results: dict) -> None:
    """Write each system's reading of each letter as folder/SYSTEM/NAME.txt."""
    for name, result in results.items():
        (folder / name).mkdir(parents=True, exist_ok=True)
        for letter, text in result["texts"].items():
            (folder / name / f"{letter}.txt").write_text(text, encoding="utf-8")


def ratios(set_name: str, results: dict) -> dict:
    """peticiones against the references that apply to this set, and its lost letters, each with met or not."""
    found = {}
    for key, (figure, other, bound, kind, sets) in TARGETS.items():
        if set_name in sets and other in results and results[other][figure] and "peticiones" in results:
            value = results["peticiones"][figure] / results[other][figure]
            met = value <= bound if kind == "max" else value >= bound
            found[key] = {"value": round(value, 3), "target": f"{'<=' if kind == 'max' else '>='} {bound}", "met": met}
    if "peticiones" in results:
        lost = results["peticiones"]["lost"]
        found["lost_letters"] = {"value": lost, "target": "= 0", "met": lost == 0}
    return found


def print_table(set_name: str, found: list[Letter], results: dict, verbose: bool) -> None:
    """One line a system: CER, pages/s, wall and CPU seconds, lost letters (named below)."""
    pages = sum(len(letter.pages) for letter in found)
    print(f"\n{set_name}: {len(found)} cartas, {pages} páginas, {CORES} núcleos")
    print(f"{'sistema':28s} {'CER':>7s} {'págs/s':>8s} {'segundos':>9s} {'seg. CPU':>9s} {f'CER>{LOST}':>8s}")
    for name, result in results.items():
        print(f"{name:28s} {result['cer']:7.4f} {result['pages_per_second']:8.3f} {result['seconds']:9.1f} "
              f"{result['cpu_seconds']:9.1f} {result['lost']:8d}")
    for name, result in results.items():
        if result["lost"]:
            print(f"  perdidas por {name}: " + ", ".join(
                f"{letter} ({result['per_letter'][letter]:.2f})" for letter in result["lost_letters"]))
        if verbose:
            for letter, value in result["per_letter"].items():
                print(f"    {name:12s} {letter:60s} {value:.4f}")


def print_ratios(found: dict) -> None:
    """Each target's ratio and whether it is met."""
    for key, ratio in found.items():
        print(f"  {key:22s} {ratio['value']:6} (meta {ratio['target']}): "
              f"{'cumplida' if ratio['met'] else 'no cumplida'}")


def field_report(found: list[Letter], texts: dict[str, str]) -> dict:
    """bench.fields.field_accuracy on peticiones' OCR text and the clean text of each letter, printed."""
    from bench.fields import FIELDS

    report = _fields_of(found, texts)
    report.pop("per_letter_ocr")
    print(f"  datos del peticionario ({report['letters']} cartas):")
    columns = (*FIELDS, "name_folded", "all_five")
    print(f"    {'':12s}" + "".join(f"{column:>13s}" for column in columns))
    for side in ("ocr", "clean"):
        print(f"    {side:12s}" + "".join(f"{report[side][column]:13.3f}" for column in columns))
    print(f"    {'OCR/limpio':12s}" + "".join(
        f"{report['ratio_ocr_to_clean'].get(column) or 0:13.3f}" for column in columns[:-1]))
    print(f"    todos los cinco desde OCR {report['all_five_ocr']:.3f} ({report['all_five_vs_target']:.2f}x la meta "
          f"0.6); metas (cada campo >= 0.9x limpio, los cinco >= 0.6): "
          f"{'cumplidas' if report['targets_met'] else 'no cumplidas'}")
    return report


def ablated_fields(found: list[Letter], steps: dict[str, dict[str, str]]) -> dict:
    """The petitioner's fields read from OCR text with each cleanup step switched off (a step such as `codes` may
    leave the CER as it was and still decide a field), printed."""
    from bench.fields import FIELDS

    print(f"    {'sin el paso':26s}" + "".join(f"{column:>13s}" for column in (*FIELDS, "all_five")))
    shares = {}
    for name, texts in steps.items():
        report = _fields_of(found, texts)
        shares[name] = {column: report["ocr"][column] for column in (*FIELDS, "all_five")}
        print(f"    {name:26s}" + "".join(f"{shares[name][column]:13.3f}" for column in (*FIELDS, "all_five")))
    return shares


def _fields_of(found: list[Letter], texts: dict[str, str]) -> dict:
    """bench.fields.field_accuracy of each letter's OCR text against its truth."""
    from bench.fields import field_accuracy

    return field_accuracy([(texts[letter.name], letter.truth, letter.meta) for letter in found])


def keystroke_report(found: list[Letter], texts: dict[str, str]) -> dict | None:
    """bench.keystroke.one_keystroke on peticiones' OCR text and the clean text, printed; None without the module."""
    try:
        from bench.keystroke import one_keystroke
    except ImportError as error:  # bench/keystroke.py is being written apart; this call site waits for it
        print(f"  un tecleo: bench.keystroke no se puede importar ({error}): se omite")
        return None
    report = one_keystroke([texts[letter.name] for letter in found], [letter.truth for letter in found],
                           [letter.meta["label"] for letter in found])
    for side, title in (("ocr", "desde OCR"), ("clean", "desde texto limpio")):
        shares = report[side]
        print(f"  un tecleo {title}: {shares['one_keystroke_share']:.3f} (con sugerencia "
              f"{shares['suggested_share']:.3f}, aciertos entre ellas {shares['suggested_accuracy']:.3f})")
    print(f"  un tecleo OCR/limpio {report['ratio']:.3f} (meta >= {report['target']}): "
          f"{'cumplida' if report['meets'] else 'no cumplida'}")
    return report


def readings(set_name: str, found: list[Letter], results: dict) -> dict:
    """What the set's own benchmark makes of peticiones' OCR text: the petitioner's fields, or one keystroke."""
    if "peticiones" not in results:
        return {}
    texts = results["peticiones"]["texts"]
    if set_name == "fields":
        report = field_report(found, texts)
        steps = {name: result["texts"] for name, result in results.items() if name.startswith("peticiones sin ")}
        if steps:
            report["ablation"] = ablated_fields(found, steps)
        return {"fields": report}
    if set_name == "petitions":
        report = keystroke_report(found, texts)
        return {"keystroke": report} if report else {}
    return {}


def run_set(set_name: str, found: list[Letter], systems: dict, args, work: Path) -> dict:
    """Every system (and, with --ablation, every step switched off) on one set: printed, and returned for JSON."""
    results: dict = {}
    for _ in range(args.rounds):
        for name, system in systems.items():
            results[name] = measure(system, found, work, results.get(name))
    if args.keep:
        kept(args.keep / set_name, results)
    if args.ablation:
        from ocr.reader import STEPS

        for step in sorted(STEPS):
            results[f"peticiones sin {step}"] = measure(without_step(step), found, work)
    print_table(set_name, found, results, args.verbose)
    found_ratios = ratios(set_name, results)
    print_ratios(found_ratios)
    extra = readings(set_name, found, results)
    for result in results.values():
        result.pop("per_letter")
        result.pop("texts")
    return {**results, "ratios": found_ratios, **extra}


def chosen_sets(value: str) -> list[str]:
    """`--set`: `all` or a comma list of set names, in the order given."""
    names = list(SETS) if value == "all" else [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in SETS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"conjuntos: all o {','.join(SETS)} (no {','.join(unknown)})")
    return names


def main() -> None:
    """Parse the options, load the sets, run every system on each and print the tables and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=chosen_sets, default=list(SETS),
                        help=f"all o una lista separada por comas de {','.join(SETS)}")
    parser.add_argument("--ablation", action="store_true", help="también sin cada paso de limpieza, uno a la vez")
    parser.add_argument("--keep", type=Path, help="guardar aquí el texto de cada sistema por carta")
    parser.add_argument("--verbose", action="store_true", help="CER por carta")
    parser.add_argument("--only", help="sólo estos sistemas, separados por comas (tesseract,ocrmypdf,peticiones)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="rondas (cada sistema por turno en cada una); cuenta la más rápida de cada sistema")
    args = parser.parse_args()
    systems = chosen_systems(args.only)
    report: dict = {"cores": CORES, "lost_above": LOST, "sets": {}}
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        work = Path(tmp)
        for set_name, found in loaded(args.set, work).items():
            report["sets"][set_name] = run_set(set_name, found, systems, args, work)
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
