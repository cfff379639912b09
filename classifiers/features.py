"""Text normalisation and the catalogue label matcher (how strongly a text names each label).

Pure Python and numpy over token strings: textcat.py (the owner of spaCy) tokenises and hands the tokens here;
the TF-IDF n-gram features are scikit-learn's (classifiers/learner.py).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np


def normalise(text: str) -> str:
    """Lower case without accents: citizens and OCR both drop accents unpredictably."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # a normalised word or phrase
    weight: float


@dataclass
class LabelMatcher:
    """How strongly a text names each label: its name's distinctive words, or a synonym phrase from the catalogue.

    The score of a label is the largest of (a) the share of its name's weight found in the text, each name word
    weighted 1 / (number of labels whose names use it), so "alcaldía" shared by twelve labels counts little and
    "xochimilco" counts fully, and (b) 1.0 when one of its synonyms appears as a phrase.
    """

    names: dict[str, list[Term]] = field(default_factory=dict)
    synonyms: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)

    @classmethod
    def build(cls, labels: Sequence[str], descriptions: dict[str, Iterable[str]], synonyms: dict[str, Iterable[str]],
              stop_words: Iterable[str], tokenise) -> "LabelMatcher":
        """`descriptions`: label → its names (the label itself is always one); `tokenise`: text → words."""
        stop = {normalise(w) for w in stop_words}
        words_of = {}
        for label in labels:
            words = []
            for name in (label.replace("_", " "), *descriptions.get(label, ())):
                words += [w for w in tokenise(name) if len(w) > 2 and w not in stop and w.isalnum()]
            words_of[label] = list(dict.fromkeys(words))
        used_by = Counter(w for words in words_of.values() for w in words)
        names = {label: [Term((w,), 1.0 / used_by[w]) for w in words] for label, words in words_of.items()}
        phrases = {label: [tuple(tokenise(s)) for s in synonyms.get(label, ()) if tokenise(s)] for label in labels}
        return cls(names, phrases)

    def scores(self, words: Sequence[str], labels: Sequence[str]) -> np.ndarray:
        present = set(words)
        joined = f" {' '.join(words)} "
        out = np.zeros(len(labels), dtype=np.float32)
        for j, label in enumerate(labels):
            terms = self.names.get(label, [])
            total = sum(t.weight for t in terms)
            best = sum(t.weight for t in terms if t.words[0] in present) / total if total else 0.0
            for phrase in self.synonyms.get(label, ()):
                if (len(phrase) == 1 and phrase[0] in present) or f" {' '.join(phrase)} " in joined:
                    best = 1.0
                    break
            out[j] = best
        return out

    def to_json(self) -> dict:
        return {"names": {l: [[list(t.words), t.weight] for t in terms] for l, terms in self.names.items()},
                "synonyms": {l: [list(p) for p in phrases] for l, phrases in self.synonyms.items()}}

    @classmethod
    def from_json(cls, data: dict) -> "LabelMatcher":
        return cls({l: [Term(tuple(w), float(weight)) for w, weight in terms] for l, terms in data["names"].items()},
                   {l: [tuple(p) for p in phrases] for l, phrases in data["synonyms"].items()})
