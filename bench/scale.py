"""Training cost of the classifier as the corpus grows: seconds and peak memory at 800, 4,000 and 16,000 texts.

    .venv/bin/python -m bench.scale [--sizes 800,4000,16000]

Data: the 800 routing requests (../shared/data/routing/infocdmx_dev.jsonl); beyond 800, the texts again, each
copy damaged by classifiers/ocrnoise.corrupt with its own seed (substituted letters, lost lines, junk lines, as a
poor scan reads), so every copy is a distinct text with its original's label. Each size trains in a process of
its own (classifiers.model.train, target "label", as `peticiones train` does) that reports its wall and CPU time and peak
resident memory (ru_maxrss, the whole process: Python, spaCy and the data included); the model it trained then
classifies 2,000 of the texts through Classifier.probabilities (documents/s). BLAS threads pinned to 1, as in
bench/classify. When the data is absent the benchmark says so and exits 0. The last line is one JSON object.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "routing" / "infocdmx_dev.jsonl"
TARGETS = {"train_seconds_16000": 60.0, "peak_mib_16000": 2048.0, "docs_per_second": 500.0}
CLASSIFY = 2000


def corpus(size: int) -> list[dict]:
    """`size` rows: the routing rows, then damaged copies of them in turn."""
    from classifiers.ocrnoise import corrupt

    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = [{"text": r["text"], "label": r["label"]} for r in rows[:size]]
    for i in range(len(out), size):
        row = rows[i % len(rows)]
        out.append({"text": corrupt(row["text"], seed=i), "label": row["label"]})
    return out


def measure(size: int) -> dict:
    """Train on `size` rows in this process; time, peak memory, classification speed."""
    from classifiers.model import Classifier, train

    rows = corpus(size)
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
        started, cpu = time.perf_counter(), time.process_time()
        train(rows, ["label"], Path(folder), name="bench")
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        classifier = Classifier(Path(folder))
    texts = [r["text"] for r in rows[-CLASSIFY:]]
    started = time.perf_counter()
    classifier.probabilities(texts)
    rate = len(texts) / (time.perf_counter() - started)
    return {"texts": size, "train_seconds": round(seconds, 1), "train_cpu_seconds": round(cpu, 1), "peak_mib": round(peak), "docs_per_second": round(rate)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="800,4000,16000")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the child process: measure one size
    args = parser.parse_args(argv)
    if not DATA.exists():
        print(f"No está {DATA}: nada que medir (los datos de referencia viven en ../shared, fuera del proyecto).")
        return 0
    if args.one:
        print(json.dumps(measure(args.one)))
        return 0
    results = []
    print(f"carga al empezar: {os.getloadavg()[0]:.2f}", flush=True)
    for size in (int(s) for s in args.sizes.split(",")):
        done = subprocess.run([sys.executable, "-m", "bench.scale", "--one", str(size)], capture_output=True,
                              text=True, timeout=3600, cwd=ROOT, check=True)
        results.append(json.loads(done.stdout.splitlines()[-1]))
        r = results[-1]
        print(f"  {r['texts']:>6} textos: entrenar {r['train_seconds']:7.1f} s (CPU {r['train_cpu_seconds']:.1f} s)   memoria máx. {r['peak_mib']:6} MiB   "
              f"clasificar {r['docs_per_second']:6} docs/s", flush=True)
    by_size = {r["texts"]: r for r in results}
    if 16000 in by_size:
        big = by_size[16000]
        print(f"16.000 textos: {big['train_seconds']} s (meta ≤ {TARGETS['train_seconds_16000']:.0f}), "
              f"{big['peak_mib']} MiB (meta ≤ {TARGETS['peak_mib_16000']:.0f}), "
              f"{big['docs_per_second']} docs/s (meta ≥ {TARGETS['docs_per_second']:.0f})")
    print(f"carga al terminar: {os.getloadavg()[0]:.2f}")
    print(json.dumps({"data": str(DATA), "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
