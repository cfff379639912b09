"""How far apart fingerprints land: the same letter read twice against different letters, and how long a lookup
takes among 100,000 documents.

    python -m bench.duplicates [--ocr N] [--lookup N]

1. The same letter rendered twice (another font, size and wrapping, other scanner troubles: bench/letters.py) and
   read by the real OCR path (ocr.reader.read_page), for N seed letters.
2. Every seed letter with simulated OCR noise (character slips at 2 % and 5 %, other line wrapping) against its
   clean text.
3. Every pair of different seed letters (models/seed/peticiones.jsonl: real-style letters sharing boilerplate).
4. A mass petition: the same text signed by different people (the petitioner check must tell these apart).
5. A lookup of a new text's near-identical documents (storage.fingerprints.similar: band probes, then the
   candidates' texts compared) on a SQLite file with N documents.

1-4 are printed as the Jaccard similarity of the character 5-gram sets (what classifiers/fingerprint.py decides
on) and, for comparison, as the Hamming distance of 64-bit SimHashes over several shingle kinds, with the share
that the LSH bands make candidates, so the choice can be checked again when the OCR or the letters change.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import random
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

from classifiers import fingerprint as fp

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "models" / "seed" / "peticiones.jsonl"
KINDS = {
    "palabras-1": lambda t: t,
    "palabras-3": lambda t: [" ".join(t[i:i + 3]) for i in range(max(1, len(t) - 2))],
    "caracteres-4": lambda t: _chars(t, 4),
    "caracteres-5": lambda t: _chars(t, 5),
    "caracteres-7": lambda t: _chars(t, 7),
}
_SLIPS = {"a": "o", "e": "c", "i": "l", "l": "1", "o": "0", "m": "rn", "n": "ri", "u": "v", "s": "5", "c": "e",
          "r": "n", "t": "f", "h": "b", "d": "cl"}


def letters() -> list[str]:
    return [json.loads(line)["text"] for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]


def _chars(tokens: list[str], size: int) -> list[str]:
    joined = " ".join(tokens)
    return [joined[i:i + size] for i in range(max(1, len(joined) - size + 1))]


def simhash(features: list[str]) -> int:
    """Charikar's 64-bit SimHash: each bit the majority vote of that bit of the features' hashes."""
    digests = b"".join(hashlib.blake2b(f.encode("utf-8"), digest_size=8).digest() for f in features)
    bits = np.unpackbits(np.frombuffer(digests, dtype=np.uint8).reshape(len(features), 8), axis=1)
    return int.from_bytes(np.packbits(bits.sum(axis=0) * 2 > len(features)).tobytes(), "big")


def hashes(text: str) -> dict:
    tokens = fp.words(text)
    return {"fingerprint": fp.fingerprint(text), **{kind: simhash(make(tokens)) for kind, make in KINDS.items()}}


def noisy(text: str, rate: float, rng: random.Random) -> str:
    """OCR-like slips (look-alike letters, dropped accents, lost or split words) and other line wrapping."""
    out = []
    for c in text:
        roll = rng.random()
        if roll < rate and c.lower() in _SLIPS:
            out.append(_SLIPS[c.lower()])
        elif roll < rate * 1.3 and c == " ":
            out.append(rng.choice(("", "  ", " . ")))
        else:
            out.append(c)
    return "\n".join(textwrap.wrap("".join(out), width=rng.choice((45, 60, 75))))


def ocr_twice(texts: list[str]) -> list[tuple[str, str]]:
    """Each text rendered twice, differently, and read by the real OCR path."""
    from bench.letters import TROUBLES, _degrade, _letter, fonts
    from ocr.page import PageImage
    from ocr.reader import OcrOptions, read_page

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    rng = random.Random(7)
    faces = fonts()
    options = OcrOptions()
    pairs = []
    for index, text in enumerate(texts):
        readings = []
        for turn in range(2):
            image, _ = _letter(text, faces[(index + turn) % len(faces)], rng.choice((44, 48, 52)))
            image, dpi, _ = _degrade(image, set(rng.sample(TROUBLES[:6], 1 + turn)) - {"rotate"}, rng)
            pixels = np.asarray(image)
            if pixels.ndim == 3:
                pixels = pixels[:, :, ::-1].copy()  # RGB → BGR, as the rasterizer hands pages over
            readings.append(read_page(PageImage(1, pixels, dpi), options).text)
        pairs.append((readings[0], readings[1]))
    return pairs


def percentiles(values: list[int]) -> str:
    if not values:
        return "—"
    a = np.array(values)
    return (f"n={len(a):6d} min {a.min():2d} p5 {np.percentile(a, 5):4.1f} p50 {np.percentile(a, 50):4.1f} "
            f"p95 {np.percentile(a, 95):4.1f} max {a.max():2d}")


def report(title: str, pairs: list[tuple[dict, dict]]) -> None:
    print(f"\n{title}")
    prints = [(a["fingerprint"], b["fingerprint"]) for a, b in pairs if a["fingerprint"] and b["fingerprint"]]
    scores = np.array([fp.similarity(a, b) for a, b in prints])
    banded = np.array([bool(set(a.keys) & set(b.keys)) for a, b in prints])
    print(f"  Jaccard c-5   n={len(scores):6d} min {scores.min():.2f} p5 {np.percentile(scores, 5):.2f} "
          f"p50 {np.percentile(scores, 50):.2f} p95 {np.percentile(scores, 95):.2f} p99.9 "
          f"{np.percentile(scores, 99.9):.2f} max {scores.max():.2f}; candidatos por bandas {banded.mean():.2%}; "
          f"marcados (candidato y ≥ {fp.THRESHOLD}) {(banded & (scores >= fp.THRESHOLD)).mean():.2%}")
    for kind in KINDS:
        distances = [((a[kind] ^ b[kind])).bit_count() for a, b in pairs]
        print(f"  SimHash {kind:13s} bits distintos {percentiles(distances)}")


def lookup(count: int) -> None:
    """Candidate lookup and decision (storage.fingerprints.similar) among `count` documents on a SQLite file."""
    import re

    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from storage import fingerprints
    from storage.database import make_engine
    from storage.tables import Base, Document, Page, TextBand, utcnow

    rng = random.Random(3)
    # Letters made of sentences of the seed letters: they share boilerplate with many others, as real ones do.
    sentences = [s for t in letters() for s in re.split(r"(?<=[.!?])\s+", t) if len(s.split()) >= 4]
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        Base.metadata.create_all(engine)
        now, started = utcnow(), time.monotonic()
        with engine.begin() as connection:
            for start in range(0, count, 2000):
                ids = range(start + 1, min(count, start + 2000) + 1)
                texts = {i: " ".join(rng.sample(sentences, rng.randint(4, 9))) for i in ids}
                connection.execute(insert(Document), [
                    {"id": i, "original_name": "x.pdf", "source_path": "/x", "channel": "correspondencia",
                     "received_at": now, "state": "routed", "version": 1} for i in ids])
                connection.execute(insert(Page), [{"document_id": i, "number": 1, "text": t} for i, t in texts.items()])
                connection.execute(insert(TextBand), [
                    {"document_id": i, "band": band, "key": key} for i, t in texts.items()
                    if (found := fp.fingerprint(t)) is not None for band, key in enumerate(found.keys)])
        print(f"\n{count:,} documentos cargados en {time.monotonic() - started:.0f} s")
        probes = [" ".join(rng.sample(sentences, rng.randint(4, 9))) for _ in range(100)]
        with Session(engine) as session:
            probes = [p for p in (fp.fingerprint(t) for t in probes) if p is not None]
            times, found = [], []
            for probe in probes:
                started = time.perf_counter()
                found.append(fingerprints.similar(session, probe, exclude=0))
                times.append(time.perf_counter() - started)
        a = np.array(times) * 1000
        print(f"Búsqueda y decisión entre {count:,} documentos (SQLite), {len(a)} textos nuevos: "
              f"p50 {np.percentile(a, 50):.1f} ms, p95 {np.percentile(a, 95):.1f} ms, máx {a.max():.1f} ms; "
              f"{np.mean([len(f) for f in found]):.2f} casi idénticos en promedio")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ocr", type=int, default=8, help="letters rendered twice and OCR'd (0: none)")
    parser.add_argument("--lookup", type=int, default=100_000, help="documents for the lookup timing (0: none)")
    args = parser.parse_args()
    texts = letters()
    long_texts = [t for t in texts if len(fp.words(t)) >= fp.MIN_WORDS]
    print(f"{len(texts)} cartas semilla, {len(long_texts)} con {fp.MIN_WORDS} palabras o más")
    clean = [hashes(t) for t in long_texts]
    rng = random.Random(1)
    if args.ocr:
        chosen = sorted(long_texts, key=len, reverse=True)[::max(1, len(long_texts) // args.ocr)][:args.ocr]
        started = time.monotonic()
        read = ocr_twice(chosen)
        report(f"La misma carta leída dos veces por OCR ({len(read)} cartas, {time.monotonic() - started:.0f} s)",
               [(hashes(a), hashes(b)) for a, b in read])
        report("La carta leída por OCR contra su texto original",
               [(hashes(a), hashes(t)) for (a, _), t in zip(read, chosen)])
    for rate in (0.02, 0.05):
        report(f"Cada carta con ruido de OCR simulado ({rate:.0%}) y otro ancho de renglón, contra la original",
               [(hashes(noisy(t, rate, rng)), h) for t, h in zip(long_texts, clean)])
    report("Cartas distintas (todos los pares)", list(itertools.combinations(clean, 2)))
    closest = sorted(itertools.combinations(range(len(long_texts)), 2), reverse=True,
                     key=lambda p: fp.similarity(clean[p[0]]["fingerprint"], clean[p[1]]["fingerprint"]))[:3]
    for i, j in closest:
        print(f"    las más parecidas ({fp.similarity(clean[i]['fingerprint'], clean[j]['fingerprint']):.2f}): "
              f"{long_texts[i][:60]!r} / {long_texts[j][:60]!r}")
    template = ("Hermosillo, Sonora. C. Secretario de Desarrollo Social. Presente. Los abajo firmantes, vecinos de la "
                "colonia Altares, por medio de la presente solicitamos de la manera más atenta la pavimentación de la "
                "calle Reforma, que en tiempo de lluvias queda intransitable y los niños no pueden llegar a la "
                "escuela. Agradecemos de antemano su atención. Atentamente, {name}, domicilio {street}.")
    people = [("Juan Pérez Soto", "calle Reforma 12"), ("María Ruiz López", "calle Reforma 40"),
              ("José Ángel Yocupicio", "calle Reforma 7"), ("Ana Lucía Moreno Félix", "calle Reforma 133")]
    mass = [hashes(template.format(name=n, street=s)) for n, s in people]
    report("Petición masiva: el mismo texto con otro firmante", list(itertools.combinations(mass, 2)))
    if args.lookup:
        lookup(args.lookup)


if __name__ == "__main__":
    main()
