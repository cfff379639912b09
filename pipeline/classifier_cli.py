"""`peticiones train`, `corpus`, `evaluate` and `classify`: the classifier from the command line (registered in
pipeline/cli.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline.settings import Settings
from pipeline.terminal import REFUSED, console, context, log_export, say


def train(
    data: Annotated[Path, typer.Option(help="JSONL: un objeto por línea con 'text' y un campo por objetivo.", exists=True)],
    out: Annotated[Path, typer.Option(help="Carpeta donde guardar el modelo.")],
    target: Annotated[Optional[list[str]], typer.Option(help="Campo a predecir; repetible.")] = None,
    name: Annotated[str, typer.Option(help="Nombre del modelo.")] = "peticiones",
) -> None:
    """Entrena un clasificador por objetivo (por omisión program y directorate) y muestra sus métricas
    por validación cruzada dentro de los datos."""
    import hashlib

    from classifiers.model import DEFAULT_TARGETS, read_jsonl
    from classifiers.model import train as train_model

    rows = read_jsonl(data)
    targets = target or list(DEFAULT_TARGETS)
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        bars = {t: progress.add_task(f"{t}", total=None) for t in targets}

        def report(t: str, done: int, total: int) -> None:
            progress.update(bars[t], completed=done, total=total)

        meta = train_model(rows, targets, out, name=name, data_sha256=digest, progress=report)
    console.print(f"Modelo {meta.version} en {out}")
    _print_metrics([{"target": t, **meta.metrics[t]["cv"], "abstain_below": meta.thresholds.get(t)} for t in targets],
                   "Métricas por validación cruzada (5 partes, fuera de la parte entrenada)")
    print(json.dumps({t: meta.metrics[t]["cv"] for t in targets}, ensure_ascii=False))


def corpus(
    out: Annotated[Path, typer.Option(help="JSONL a escribir. Contiene textos de peticiones con datos personales: "
                                           "guárdelo bajo data/, nunca en el repositorio.")],
    seed: Annotated[Optional[Path], typer.Option(help="Corpus semilla (por omisión models/seed/peticiones.jsonl).",
                                                 exists=True, dir_okay=False)] = None,
    no_seed: Annotated[bool, typer.Option("--sin-semilla", help="Sólo lo decidido por los revisores.")] = False,
) -> None:
    """Reúne los datos para reentrenar: el corpus semilla más cada documento turnado, con el programa y la
    dirección que un revisor confirmó o corrigió. Siga con: peticiones train --data ARCHIVO --out CARPETA."""
    from classifiers import corpus as training
    from classifiers.model import read_jsonl
    from storage import catalogue, decisions
    from storage.files import write_atomic

    ctx = context()
    with ctx.sessions() as session:
        reviewed = decisions.reviewed_rows(session)
        inactive = catalogue.inactive_labels(session)
    rows, _ = training.merge([] if no_seed else read_jsonl(seed or training.SEED), reviewed)
    rows, retired = training.without_inactive(rows, inactive)  # a deactivated label is never trained on
    counts = training.sources(rows)
    write_atomic(out, training.to_jsonl(rows), private=True)
    log_export(ctx, "training_corpus", out)
    say(f"{len(rows)} textos en {out} (sólo lectura para su dueño): {counts['semilla']} del corpus semilla y "
        f"{counts['revision']} de decisiones de revisores."
        + (f" {retired} quedaron fuera por llevar un programa o una dirección desactivados en el catálogo."
            if retired else ""))
    print(json.dumps({"out": str(out), "rows": len(rows), **counts}, ensure_ascii=False))


def evaluate(
    model: Annotated[Path, typer.Option(help="Carpeta del modelo entrenado.", exists=True, file_okay=False)],
    data: Annotated[Path, typer.Option(help="JSONL con 'text' y el campo de cada objetivo.", exists=True)],
    target: Annotated[Optional[list[str]], typer.Option(help="Objetivo a evaluar; repetible (por omisión todos).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Un objeto JSON por objetivo, uno por línea.")] = False,
) -> None:
    """Mide el modelo sobre datos etiquetados: F1 macro, exactitud, top 3, exactitud al 50% de cobertura,
    error de calibración, cuántos textos reciben sugerencia y cuántas de ellas aciertan, y por etiqueta."""
    from classifiers.evaluation import evaluate as measure
    from classifiers.model import Classifier, read_jsonl

    classifier = Classifier(model)
    rows = read_jsonl(data)
    targets = target or list(classifier.meta.targets)
    unknown = [t for t in targets if t not in classifier.meta.targets]
    if unknown:
        console.print(f"El modelo no predice {', '.join(unknown)}; predice {', '.join(classifier.meta.targets)}.")
        raise typer.Exit(REFUSED)
    results = []
    texted = [r for r in rows if r.get("text")]
    probabilities, suggestions = classifier.assess([r["text"] for r in texted])  # every target in one pass
    for t in targets:
        labelled = [i for i, r in enumerate(texted) if r.get(t)]
        column = classifier.meta.targets.index(t)
        results.append(measure([str(texted[i][t]) for i in labelled], [probabilities[t][i] for i in labelled], t,
                               [suggestions[i][column].label for i in labelled]))
    if as_json:
        for result in results:
            print(json.dumps(result, ensure_ascii=False), flush=True)
        return
    _print_metrics(results, f"Modelo {classifier.version} sobre {data}")
    for result in results:
        table = Table("Etiqueta", "Precisión", "Exhaustividad", "F1", "Casos", title=f"{result['target']}: por etiqueta")
        for label, m in sorted(result["per_label"].items(), key=lambda item: -item[1]["support"]):
            table.add_row(label, f"{m['precision']:.2f}", f"{m['recall']:.2f}", f"{m['f1']:.2f}", str(m["support"]))
        Console().print(table)


def classify(
    text: Annotated[Optional[str], typer.Argument(help="Texto de la petición (o use --file).")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", help="Archivo de texto UTF-8 con la petición.", exists=True,
                                                 dir_okay=False)] = None,
    model: Annotated[Optional[Path], typer.Option(
        help="Carpeta del modelo (por omisión la versión activa de la oficina, o la de la configuración).",
        exists=True, file_okay=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Un objeto JSON en la salida estándar.")] = False,
) -> None:
    """Sugiere programa y dirección para un texto, con puntajes y alternativas, y los datos del peticionario."""
    from classifiers.extraction import extract_fields
    from classifiers.model import Classifier
    from pipeline.context import active_model_folder

    if (text is None) == (file is None):
        console.print("Dé el texto o --file, uno de los dos.")
        raise typer.Exit(REFUSED)
    body = text if text is not None else file.read_text(encoding="utf-8")
    classifier = Classifier(model or active_model_folder(Settings()))
    suggestions = {s.target: {"label": s.label, "score": s.score, "alternatives": [list(a) for a in s.alternatives]}
                   for s in classifier.suggest(body)}
    result = {"model_version": classifier.version, "suggestions": suggestions, "fields": extract_fields(body)}
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    table = Table("Objetivo", "Sugerencia", "Puntaje", "Alternativas", title=f"Modelo {classifier.version}")
    for target, s in suggestions.items():
        others = ", ".join(f"{label} {score:.2f}" for label, score in s["alternatives"])
        table.add_row(target, s["label"] or "sin sugerencia confiable", f"{s['score']:.2f}", others)
    Console().print(table)
    fields = Table("Dato", "Valor", "Puntaje", title="Datos del peticionario")
    for name, field in result["fields"].items():
        fields.add_row(name, str(field["value"]), f"{field['score']:.2f}")
    Console().print(fields)


def _print_metrics(results: list[dict], title: str) -> None:
    shown = any("suggested_share" in r for r in results)  # evaluate knows what was suggested; train's folds do not
    extra = ("Con sugerencia", "Aciertos de la sugerencia") if shown else ()
    table = Table("Objetivo", "Casos", "F1 macro", "Exactitud", "Top 3", "Exactitud al 50%", "Error de calibración",
                  *extra, title=title)
    for r in results:
        cells = [f"{r['suggested_share']:.3f}", f"{r['suggested_accuracy']:.3f}"] if shown else []
        table.add_row(r["target"], str(r["n"]), f"{r['macro_f1']:.3f}", f"{r['accuracy']:.3f}",
                      f"{r['top3_accuracy']:.3f}", f"{r['accuracy_at_50pct_coverage']:.3f}",
                      f"{r['expected_calibration_error']:.3f}", *cells)
    Console().print(table)
