"""Owner of spaCy: build, train, save, load and apply one text classifier per target."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.training import Example
from spacy.util import minibatch


def normalise(text: str) -> str:
    """Lower case without accents: citizens and OCR both drop accents unpredictably."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def blank_spanish() -> Language:
    """An empty Spanish pipeline (tokenizer only), for rule-based pipes such as extraction's entity ruler."""
    return spacy.blank("es")


def build(labels: Sequence[str], ngram_size: int = 2) -> Language:
    """A blank Spanish pipeline with one exclusive bag-of-words text classifier."""
    nlp = spacy.blank("es")
    textcat = nlp.add_pipe("textcat", config={"model": {
        "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True, "ngram_size": ngram_size,
        "no_output_layer": False, "length": 2 ** 16,
    }})
    for label in labels:
        textcat.add_label(label)
    return nlp


def train(texts: Sequence[str], labels: Sequence[str], dev_texts: Sequence[str], dev_labels: Sequence[str], *,
          max_epochs: int = 30, patience: int = 5, seed: int = 0,
          progress: Callable[[int, float], None] | None = None) -> tuple[Language, dict]:
    """Train with early stopping on the dev split; returns the best pipeline and its dev accuracy."""
    random.seed(seed)
    spacy.util.fix_random_seed(seed)
    label_set = sorted(set(labels) | set(dev_labels))
    nlp = build(label_set)
    examples = [Example.from_dict(nlp.make_doc(normalise(t)), {"cats": {l: float(l == y) for l in label_set}})
                for t, y in zip(texts, labels)]
    optimizer = nlp.initialize(lambda: examples)
    best, best_bytes, since_best, epochs = -1.0, None, 0, 0
    for epoch in range(max_epochs):
        random.shuffle(examples)
        for batch in minibatch(examples, size=16):
            nlp.update(batch, sgd=optimizer, drop=0.2)
        epochs = epoch + 1
        score = accuracy(nlp, dev_texts, dev_labels) if dev_texts else 0.0
        if progress:
            progress(epochs, score)
        if score > best:
            best, best_bytes, since_best = score, nlp.to_bytes(), 0
        else:
            since_best += 1
            if since_best >= patience:
                break
    if best_bytes is not None:
        nlp.from_bytes(best_bytes)
    return nlp, {"dev_accuracy": round(best, 4), "epochs": epochs, "labels": label_set}


def scores(nlp: Language, texts: Sequence[str]) -> list[dict[str, float]]:
    """Label probabilities for each text."""
    return [dict(doc.cats) for doc in nlp.pipe((normalise(t) for t in texts), batch_size=64)]


def accuracy(nlp: Language, texts: Sequence[str], labels: Sequence[str]) -> float:
    predicted = [max(c, key=c.get) for c in scores(nlp, texts)]
    return sum(p == y for p, y in zip(predicted, labels)) / max(len(labels), 1)


def save(nlp: Language, folder: Path) -> None:
    nlp.to_disk(folder)


def load(folder: Path) -> Language:
    return spacy.load(folder)
